"""Read the two runs and the corpus, and refuse to compare what cannot be compared.

Checked before any row is compared, each refusal a BadInput naming the field and both values:
the columns and types of each records folder against the record schema (and each other); one
record per id on each side; the model identity (checkpoint_sha256, vocab_sha256) unless a model
mismatch is allowed; each run's corpus_digest against the digest of the --corpus as read now.
Only digests, parquet footers and at most a few offending ids reach the driver.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from parity_core.audit import VOCABULARY, audit_of
from parity_core.config import ProjectConfig
from parity_core.errors import BadInput
from parity_core.records import OPTIONAL_COLUMNS
from spark_pipelines.io.corpus import read_corpus_digest
from spark_pipelines.io.publish import is_complete
from spark_pipelines.io.records import SPARK_RECORD_SCHEMA, RecordsError, read_records

MODEL_FIELDS = ("checkpoint_sha256", "vocab_sha256")
SHOW_IDS = 5


@dataclass(frozen=True)
class CompareInputs:
    """Both runs (records + fingerprint) and the corpus they were made from."""

    left: DataFrame
    right: DataFrame
    left_fingerprint: dict[str, Any]
    right_fingerprint: dict[str, Any]
    corpus: DataFrame
    corpus_digest: dict[str, Any]


def _column_types(spark: SparkSession, records_dir: str) -> dict[str, str]:
    """Column -> Spark type as stored (footer only), nullability ignored; the folder must be a
    finished run (read_records' own refusals say why not)."""
    if not is_complete(spark, records_dir):
        read_records(spark, records_dir)  # raises with the reason
        raise RecordsError(f"{records_dir}: not a finished records folder")
    schema = spark.read.parquet(records_dir).schema
    return {field.name: field.dataType.simpleString() for field in schema.fields}


def check_schemas(left: dict[str, str], right: dict[str, str], left_dir: str, right_dir: str
                  ) -> None:
    """Both folders must hold exactly the record schema's columns with its types."""
    expected = {f.name: f.dataType.simpleString() for f in SPARK_RECORD_SCHEMA.fields}
    for name in [*expected, *sorted((set(left) | set(right)) - set(expected))]:
        want = expected.get(name, "<not in the record schema>")
        lt, rt = left.get(name, "<missing>"), right.get(name, "<missing>")
        if name in OPTIONAL_COLUMNS:  # written before the column existed: read as null
            lt, rt = (want if x == "<missing>" else x for x in (lt, rt))
        if lt == want and rt == want:
            continue
        raise BadInput(
            f"schema mismatch in column {name!r}: left ({left_dir}) {lt}, right ({right_dir}) "
            f"{rt}; the record schema has {want}"
        )


def check_model(left_fp: dict[str, Any], right_fp: dict[str, Any], left_dir: str,
                right_dir: str) -> None:
    """The same checkpoint and vocabulary on both sides (else --allow-model-mismatch).

    A vocabulary that a run's deployment audit reports as differing is not refused: the audit
    says so first in the report, and the join attributes the rows it changes.
    """
    audited = {VOCABULARY: "vocab_sha256"}
    excused = {audited[f.setting] for fp in (left_fp, right_fp) if (a := audit_of(fp))
               for f in a.findings if f.setting in audited}
    for name in MODEL_FIELDS:
        lv, rv = left_fp.get(name), right_fp.get(name)
        if lv != rv and name not in excused:
            raise BadInput(
                f"fingerprint field {name} differs: left ({left_dir}) {lv}, right ({right_dir}) "
                f"{rv}; these runs used different models (pass --allow-model-mismatch to compare "
                "them anyway)"
            )


def check_corpus(fingerprint: dict[str, Any], digest: dict[str, Any], side: str, run_dir: str,
                 corpus_path: str) -> None:
    """The run was made from this corpus: same row count and xxhash64 sum of (id, text)."""
    recorded = fingerprint.get("corpus_digest")
    if recorded != digest:
        made_from = fingerprint.get("corpus")
        raise BadInput(
            f"corpus_digest of the {side} run ({run_dir}) is {recorded}, but --corpus "
            f"{corpus_path} has {digest}; the {side} run was made from another corpus"
            + (f" ({made_from})" if made_from else "")
        )


def check_ids(records: DataFrame, side: str, run_dir: str) -> None:
    """One record per id: a duplicated (or null) id would turn one report row into several."""
    bad = (records.groupBy("id").count().where((F.col("count") > 1) | F.col("id").isNull())
           .orderBy("id").limit(SHOW_IDS).collect())
    if bad:
        shown = ", ".join(f"{row['id']!r} x{row['count']}" for row in bad)
        raise BadInput(f"{side} run ({run_dir}): field id must be unique and set, first "
                       f"offending ids: {shown}")


def load_inputs(spark: SparkSession, config: ProjectConfig, left_dir: str, right_dir: str,
                corpus_path: str, allow_model_mismatch: bool = False) -> CompareInputs:
    """Both runs and the corpus, or a BadInput saying which field of which run is at fault."""
    check_schemas(_column_types(spark, left_dir), _column_types(spark, right_dir),
                  left_dir, right_dir)
    left, left_fp = read_records(spark, left_dir)
    right, right_fp = read_records(spark, right_dir)
    check_ids(left, "left", left_dir)
    check_ids(right, "right", right_dir)
    if not allow_model_mismatch:
        check_model(left_fp, right_fp, left_dir, right_dir)
    corpus, digest = read_corpus_digest(spark, corpus_path, config.corpus.id_column,
                                        config.corpus.text_column, config.corpus.encoding)
    check_corpus(left_fp, digest, "left", left_dir, corpus_path)
    check_corpus(right_fp, digest, "right", right_dir, corpus_path)
    return CompareInputs(left, right, left_fp, right_fp, corpus, digest)
