"""The Spark NLP job as a library call: read corpus, annotate on executors, write + fingerprint."""

from __future__ import annotations

from dataclasses import dataclass

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from parity_core.config import ProjectConfig
from parity_core.settings import EffectiveSettings
from spark_pipelines.io.corpus import corpus_digest, read_corpus
from spark_pipelines.io.records import read_records, write_records
from spark_pipelines.sparknlp.pipeline import annotate, build_pipeline, sparknlp_fingerprint


@dataclass(frozen=True)
class SparkNlpSummary:
    rows_in: int
    rows: int
    statuses: dict[str, int]
    warnings: list[str]


def run_sparknlp(spark: SparkSession, config: ProjectConfig, settings: EffectiveSettings,
                 corpus_path: str, out_dir: str, overwrite: bool = False) -> SparkNlpSummary:
    """Score the corpus with Spark NLP and publish the records folder; counts come from disk."""
    corpus = read_corpus(spark, corpus_path, config.corpus.id_column, config.corpus.text_column)
    run = build_pipeline(spark, config, settings)
    for warning in run.warnings:
        print(f"warning: {warning}", flush=True)
    records = annotate(corpus, run, settings)
    fingerprint = sparknlp_fingerprint(spark, run, settings, corpus_path)
    fingerprint["corpus_digest"] = corpus_digest(corpus)
    write_records(records, out_dir, fingerprint, overwrite)
    written, _ = read_records(spark, out_dir)
    counts = {r["status"]: r["count"] for r in written.groupBy("status").count().collect()}
    rows_in = corpus.select(F.count(F.lit(1))).first()[0]
    rows = sum(counts.values())
    if rows != rows_in:
        raise RuntimeError(f"{out_dir}: {rows} records for {rows_in} corpus rows")
    return SparkNlpSummary(rows_in, rows, dict(sorted(counts.items())), list(run.warnings))
