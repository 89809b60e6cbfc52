"""The Spark NLP job as a library call: read corpus, annotate on executors, write + fingerprint."""

from __future__ import annotations

from dataclasses import dataclass

from pyspark.sql import SparkSession

from parity_core.config import ProjectConfig
from parity_core.settings import EffectiveSettings
from spark_pipelines.io.corpus import read_corpus_digest
from spark_pipelines.io.records import read_records, write_records
from spark_pipelines.sparknlp.pipeline import (
    SparkNlpRun,
    annotate,
    build_pipeline,
    sparknlp_fingerprint,
)


@dataclass(frozen=True)
class SparkNlpSummary:
    rows_in: int
    rows: int
    statuses: dict[str, int]
    warnings: list[str]


def build_run(spark: SparkSession, config: ProjectConfig, settings: EffectiveSettings,
              pipeline_dir: str | None = None) -> SparkNlpRun:
    """The pipeline matched to the checkpoint, or the deployment as it is; warnings printed."""
    if pipeline_dir:
        from spark_pipelines.sparknlp.deploy_run import build_deployment_run

        run = build_deployment_run(spark, config, settings, pipeline_dir)
    else:
        run = build_pipeline(spark, config, settings)
    for warning in run.warnings:
        print(f"warning: {warning}", flush=True)
    return run


def run_sparknlp(spark: SparkSession, config: ProjectConfig, settings: EffectiveSettings,
                 corpus_path: str, out_dir: str, overwrite: bool = False,
                 pipeline_dir: str | None = None) -> SparkNlpSummary:
    """Score the corpus with Spark NLP and publish the records folder; counts come from disk.

    pipeline_dir: a deployment as it is (a saved PipelineModel or classifier folder), scored
    with its own settings and audited, instead of the pipeline matched to the checkpoint.
    """
    corpus, digest = read_corpus_digest(spark, corpus_path, config.corpus.id_column,
                                        config.corpus.text_column, config.corpus.encoding)
    run = build_run(spark, config, settings, pipeline_dir)
    records = annotate(corpus, run, settings)
    fingerprint = sparknlp_fingerprint(spark, run, settings, corpus_path, config)
    fingerprint["corpus_digest"] = digest  # its row count is rows_in: no pass of its own
    write_records(records, out_dir, fingerprint, overwrite)
    written, _ = read_records(spark, out_dir)
    counts = {r["status"]: r["count"] for r in written.groupBy("status").count().collect()}
    rows_in = int(digest["rows"])
    rows = sum(counts.values())
    if rows != rows_in:
        raise RuntimeError(f"{out_dir}: {rows} records for {rows_in} corpus rows")
    return SparkNlpSummary(rows_in, rows, dict(sorted(counts.items())), list(run.warnings))
