"""Read a corpus (parquet, CSV or JSON lines) into DataFrame[id string, text string].

Framework-neutral (pyspark only): both the Hugging Face and the Spark NLP jobs read through here,
so both see the same ids and texts. Everything is validated before any model work (the rules and
their messages: spark_pipelines/io/corpus_rules.py, which also checks a local file before Spark):

- a local CSV or JSON lines file must decode with corpus.encoding (default UTF-8), and JSON
  texts must be of one JSON kind (corpus_rules.check_local_text): Spark would replace bad bytes
  with U+FFFD and score a number or a list among strings as its JSON text;

- the text column must exist (the error names the file and the column);
- a text column that is not a string type is kept, but its values become null and the column's
  field metadata carries TEXT_ERROR_KEY naming the type; producers write those rows as
  invalid_text with that error (`text_error(df)`), instead of scoring str(value);
- without an id column, ids are derived from position and content: "row-<position>-<first 8 hex
  of sha256(UTF-8 text)>" (position = 0-based order of the rows as read; null text hashes as the
  empty string), so they are stable for the same file and change when the text changes;
- null or duplicate ids are refused; the message lists the first offending ids;
- JSON lines Spark cannot parse (bad JSON, or bytes that are not UTF-8) are refused with the
  first offending lines: Spark would keep them as rows with null id and text, and whether it
  does depends on which columns a query reads (a null-id check that reads only `id` misses them).
"""

from __future__ import annotations

from pyspark.sql import DataFrame, Row, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import LongType, StringType, StructField, StructType

from parity_core.errors import BadInput
from spark_pipelines.io.corpus_rules import (
    SHOW_IDS,
    check_local_text,
    codec_name,
    corpus_format,
    duplicate_ids,
    missing_text_column,
    null_ids,
)

TEXT_ERROR_KEY = "hfparity.text_error"
CORRUPT_COLUMN = "_corrupt_record"  # Spark's default spark.sql.columnNameOfCorruptRecord


def _load(spark: SparkSession, path: str, fmt: str, encoding: str = "utf-8") -> DataFrame:
    encoding = codec_name(encoding)
    if fmt == "csv":
        return spark.read.csv(path, header=True, multiLine=True, escape='"', encoding=encoding)
    if fmt == "json":  # one JSON object per line; Spark wants lineSep named for other encodings
        other = {} if encoding == "utf-8" else {"lineSep": "\n"}
        return spark.read.json(path, encoding=encoding, **other)
    return spark.read.parquet(path)


def _digest_columns(corpus: DataFrame) -> list:
    return [
        F.count(F.lit(1)).alias("rows"),
        F.sum(F.xxhash64("id", F.coalesce("text", F.lit("\u0000null"))).cast("decimal(38,0)"))
        .alias("digest"),
    ]


def _digest_of(row: Row) -> dict[str, object]:
    return {"rows": int(row["rows"]), "xxhash64_sum": str(row["digest"] or 0)}


def corpus_digest(corpus: DataFrame) -> dict[str, object]:
    """Order-independent identity of a read corpus: row count and the sum of xxhash64(id, text).

    Recorded in every run's fingerprint so the join can refuse runs made from different corpora
    (or a different --corpus) without comparing texts; one Spark aggregate, no collect of rows.
    """
    return _digest_of(corpus.select(*_digest_columns(corpus)).first())


def text_error(corpus: DataFrame) -> str | None:
    """Why the corpus' text values were not usable as strings (None when they were)."""
    return corpus.schema["text"].metadata.get(TEXT_ERROR_KEY)


def _with_derived_ids(frame: DataFrame) -> DataFrame:
    """id = row-<position>-<sha256(text)[:8]>, position from a single zipWithIndex pass."""
    digest = F.substring(F.sha2(F.coalesce(F.col("text"), F.lit("")), 256), 1, 8)
    hashed = frame.select(digest.alias("_digest"), "text")
    schema = StructType([StructField("_row", StructType(hashed.schema.fields)),
                         StructField("_position", LongType(), False)])
    indexed = frame.sparkSession.createDataFrame(hashed.rdd.zipWithIndex(), schema)
    ids = F.concat(F.lit("row-"), F.col("_position").cast("string"), F.lit("-"),
                   F.col("_row._digest"))
    return indexed.select(ids.alias("id"), F.col("_row.text").alias("text"))


def _check_ids(frame: DataFrame, path: str, id_column: str) -> dict[str, object]:
    """Refuse null or duplicate ids; the corpus digest, computed in the same Spark job.

    One aggregate (rows, null ids, distinct ids, the digest) is the only pass over the corpus
    before scoring; the queries that name the offending ids run only when it finds some.
    """
    row = frame.select(*_digest_columns(frame),
                       F.sum(F.col("id").isNull().cast("long")).alias("null_ids"),
                       F.countDistinct("id").alias("distinct_ids")).first()
    if row["null_ids"]:
        raise null_ids(path, id_column, row["null_ids"])
    if row["distinct_ids"] != row["rows"]:
        duplicates = (frame.groupBy("id").count().filter(F.col("count") > 1)
                      .orderBy("id").limit(SHOW_IDS).collect())
        raise duplicate_ids(path, id_column, [(dup["id"], dup["count"]) for dup in duplicates])
    return _digest_of(row)


def _check_parsed(raw: DataFrame, path: str) -> None:
    """Refuse a JSON corpus with lines Spark could not parse, naming the first of them."""
    if CORRUPT_COLUMN not in raw.columns:
        return
    if raw.columns == [CORRUPT_COLUMN]:
        raise BadInput(f"corpus {path}: no line is a JSON object (invalid JSON or not UTF-8)")
    # Read every column: with only some, Spark parses less and may not see the bad line.
    bad = (raw.select(*raw.columns).filter(F.col(CORRUPT_COLUMN).isNotNull())
           .limit(SHOW_IDS).collect())
    if bad:
        shown = "; ".join(repr(row[CORRUPT_COLUMN][:80]) for row in bad)
        raise BadInput(f"corpus {path}: lines that are not valid JSON (or not UTF-8), first: "
                       f"{shown}")


def read_corpus(spark: SparkSession, path: str, id_column: str = "id",
                text_column: str = "text", encoding: str = "utf-8") -> DataFrame:
    """The corpus as DataFrame[id string, text string], validated (see the module docstring)."""
    return read_corpus_digest(spark, path, id_column, text_column, encoding)[0]


def read_corpus_digest(spark: SparkSession, path: str, id_column: str = "id",
                       text_column: str = "text", encoding: str = "utf-8"
                       ) -> tuple[DataFrame, dict[str, object]]:
    """read_corpus and corpus_digest of it; with an id column both come from one Spark job."""
    fmt = corpus_format(path)
    check_local_text(path, text_column, encoding)
    raw = _load(spark, path, fmt, encoding)
    _check_parsed(raw, path)
    columns = raw.columns
    if text_column not in columns:
        raise missing_text_column(path, text_column, columns)
    text_type = raw.schema[text_column].dataType
    if isinstance(text_type, StringType):
        text = F.col(text_column)
    else:
        error = (f"column {text_column!r} of {path} has type {text_type.simpleString()}, "
                 "not string: text not scored")
        text = F.lit(None).cast("string").alias("text", metadata={TEXT_ERROR_KEY: error})
    digest = None
    if id_column in columns:
        frame = raw.select(F.col(id_column).cast("string").alias("id"), text.alias("text"))
        digest = _check_ids(frame, path, id_column)
    else:
        frame = _with_derived_ids(raw.select(text.alias("text")))
    if not isinstance(text_type, StringType):
        frame = frame.withMetadata("text", {TEXT_ERROR_KEY: error})
    return frame, digest if digest is not None else corpus_digest(frame)
