"""The Hugging Face reference job as a library call: read corpus, score on executors, write."""

from __future__ import annotations

from dataclasses import dataclass

from pyspark.sql import SparkSession

from parity_core.config import ProjectConfig
from parity_core.settings import EffectiveSettings
from spark_pipelines.hf.scoring import score_corpus
from spark_pipelines.io.corpus import read_corpus_digest
from spark_pipelines.io.records import read_records, write_records


@dataclass(frozen=True)
class JobSummary:
    rows: int
    statuses: dict[str, int]


def reference_fingerprint(settings: EffectiveSettings, corpus_path: str,
                          digest: dict | None = None) -> dict:
    from hf_reference.scorer import LIBRARIES, numerics_fingerprint
    from parity_core.fingerprint import checkpoint_hashes, run_fingerprint

    return run_fingerprint(
        framework="huggingface",
        libraries=(*LIBRARIES, "pyspark"),
        model_hashes=checkpoint_hashes(settings.checkpoint),
        settings=settings.to_dict(),
        extra={"corpus": corpus_path, "corpus_digest": digest,
               "numerics": numerics_fingerprint(settings)},
    )


def status_counts(spark: SparkSession, out_dir: str) -> JobSummary:
    records, _ = read_records(spark, out_dir)
    counts = {row["status"]: row["count"] for row in records.groupBy("status").count().collect()}
    return JobSummary(rows=sum(counts.values()), statuses=dict(sorted(counts.items())))


def run_hf_reference(spark: SparkSession, config: ProjectConfig, settings: EffectiveSettings,
                     corpus_path: str, out_dir: str, overwrite: bool = False) -> JobSummary:
    corpus, digest = read_corpus_digest(spark, corpus_path, config.corpus.id_column,
                                        config.corpus.text_column, config.corpus.encoding)
    records = score_corpus(corpus, settings)
    fingerprint = reference_fingerprint(settings, corpus_path, digest)
    write_records(records, out_dir, fingerprint, overwrite)
    return status_counts(spark, out_dir)
