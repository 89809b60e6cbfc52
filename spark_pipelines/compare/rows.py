"""One report row per corpus id: the join of the corpus with both runs, inside Spark.

Everything that Spark SQL can say (statuses, deltas, equality of the token lists, slices) is a
column expression; only rows that are not `same` go through Python, in one pandas UDF that
aligns the token sequences (compare.align) and attributes the disagreement
(explain.attribution). Same rows reach the UDF as nulls, so a report of a million agreeing rows
does not ship a million token lists to Python. Nothing is collected to the driver.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import StructType

from hf_reference.records import RECORD_COLUMNS, STATUS_ERROR, STATUS_OK
from spark_pipelines.compare.align import align, first_divergence
from spark_pipelines.compare.schema import (
    ALIGNED_TYPE,
    EQUAL,
    ERROR_LEFT,
    ERROR_RIGHT,
    LABEL_DIFFERS,
    LENGTH_BUCKETS,
    MISSING_LEFT,
    MISSING_RIGHT,
    NOT_IN_CORPUS,
    ROWS_DDL,
    SAME,
    SCORES_DIFFER,
    TOKENS_DIFFER,
)
from spark_pipelines.explain.attribution import (
    SPLIT_DIFFERENTLY,
    UNDETERMINED,
    WORDS,
    Attribution,
    attribute,
)

# Java regexes for the slices (Spark's rlike): upper/title-case letter, any non-ASCII code
# point, punctuation between two letters/digits of one whitespace-separated word.
UPPER = r"[\p{Lu}\p{Lt}]"
NON_ASCII = r"[^\x00-\x7F]"
INNER_PUNCT = r"[\p{L}\p{N}]\p{P}+[\p{L}\p{N}]"

# What the Python side returns: the alignment/attribution columns, first_divergence flattened
# (pandas UDFs of Spark 3.5 cannot return a struct nested in a struct); rebuilt in Spark.
EXPLAIN_DDL = ", ".join([
    f"word_alignment {ALIGNED_TYPE}",
    f"piece_alignment {ALIGNED_TYPE}",
    "div_level string", "div_op string", "div_left_index int", "div_right_index int",
    "div_begin int", "div_end int", "div_left_window array<string>",
    "div_right_window array<string>",
    "cause string", "sub_cause string", "cause_word string", "cause_position int",
    "cause_evidence string", "cf_consistent boolean",
])
EXPLAIN_FIELDS = [part.split(" ", 1)[0] for part in EXPLAIN_DDL.split(", ")
                  if not part.startswith(("array<", "struct<"))]
DIVERGENCE_FIELDS = ("level", "op", "left_index", "right_index", "begin", "end", "left_window",
                     "right_window")
CF_COLUMNS = ("cf_probabilities", "cf_verdict", "cf_max_abs_delta")
INT_FIELDS = frozenset({"text_length", "piece_count", "label_id"})


def rows_schema(spark: Any) -> StructType:
    """ROWS_DDL as a StructType (parsing DDL needs a session)."""
    return spark.createDataFrame([], ROWS_DDL).schema


def _side(records: DataFrame, name: str) -> DataFrame:
    return records.select(F.col("id"), F.struct(*[F.col(c) for c in RECORD_COLUMNS]).alias(name))


def _equal_lists(column: str) -> Column:
    """l.<column> = r.<column> where both sides have the list, else null."""
    lc, rc = F.col(f"l.{column}"), F.col(f"r.{column}")
    return F.when(lc.isNotNull() & rc.isNotNull(), lc == rc)


def _score_columns(tolerance: float) -> tuple[Column, Column]:
    """(max |Δp| where both sides have as many probabilities, probabilities differ?)."""
    lp, rp = F.col("l.probabilities"), F.col("r.probabilities")
    deltas = F.zip_with(lp, rp, lambda a, b: F.when(F.isnan(a) & F.isnan(b), F.lit(0.0))
                        .otherwise(F.abs(a - b)))
    comparable = lp.isNotNull() & rp.isNotNull() & (F.size(lp) == F.size(rp))
    max_delta = F.when(comparable, F.array_max(deltas))
    differ = (F.when(lp.isNull() & rp.isNull(), F.lit(False))
              .when(~comparable, F.lit(True))
              .otherwise(F.exists(deltas, lambda d: d > F.lit(tolerance))))
    return max_delta, differ


def _status(words_equal: Column, pieces_equal: Column, scores_differ: Column) -> Column:
    """schema.py's order: first that applies wins. Both sides unscored with different
    statuses: the side whose status is `error`, else left."""
    ls, rs = F.col("l.status"), F.col("r.status")
    statuses_differ = ~ls.eqNullSafe(rs)
    error_right = statuses_differ & (rs != STATUS_OK) & (
        (ls == STATUS_OK) | ((rs == STATUS_ERROR) & (ls != STATUS_ERROR)))
    tokens_differ = (words_equal == F.lit(False)) | (pieces_equal == F.lit(False))
    return (
        F.when(F.col("_in_corpus").isNull(), F.lit(NOT_IN_CORPUS))
        .when(F.col("l").isNull(), F.lit(MISSING_LEFT))
        .when(F.col("r").isNull(), F.lit(MISSING_RIGHT))
        .when(error_right, F.lit(ERROR_RIGHT))
        .when(statuses_differ, F.lit(ERROR_LEFT))
        .when(~F.col("l.label").eqNullSafe(F.col("r.label")), F.lit(LABEL_DIFFERS))
        .when(scores_differ, F.lit(SCORES_DIFFER))
        .when(F.coalesce(tokens_differ, F.lit(False)), F.lit(TOKENS_DIFFER))
        .otherwise(F.lit(SAME))
    )


def _changes(words_equal: Column, pieces_equal: Column, scores_differ: Column) -> Column:
    """What differs between two present records; a missing side is a status change only."""
    def both(column: str) -> Column:
        return F.col(f"l.{column}").isNotNull() & F.col(f"r.{column}").isNotNull()

    def differs(column: str) -> Column:
        return ~F.col(f"l.{column}").eqNullSafe(F.col(f"r.{column}"))

    checks = [
        ("status", differs("status")),
        ("text", both("text_sha256") & differs("text_sha256")),
        ("label", differs("label")),
        ("probabilities", scores_differ),
        ("words", words_equal == F.lit(False)),
        ("pieces", pieces_equal == F.lit(False)),
        ("truncation", both("truncated") & differs("truncated")),
    ]
    found = F.array(*[F.when(F.coalesce(cond, F.lit(False)), F.lit(name)) for name, cond in checks])
    present = F.array_compact(found)
    return F.when(F.col("l").isNull() | F.col("r").isNull(), F.array(F.lit("status"))).otherwise(
        present)


def _length_bucket(length: Column) -> Column:
    bucket = F.when(length.isNull(), F.lit(None).cast("string"))
    for floor, name in sorted(LENGTH_BUCKETS, reverse=True):
        bucket = bucket.when(length >= floor, F.lit(name))
    return bucket


def _plain(value: Any, integer: bool = False) -> Any:
    """Python None/int/str from what pandas hands over (NaN for null, floats for nullable ints
    nested in lists, numpy scalars)."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and value != value:  # NaN
        return None
    return int(value) if integer else value


def _tokens(items: Any, integers: tuple[str, ...]) -> list[dict[str, Any]] | None:
    if items is None or isinstance(items, float):
        return None
    return [{k: _plain(v, k in integers) for k, v in dict(item).items()} for item in items]


def _present(record: Any) -> dict[str, Any] | None:
    """A record as plain Python, or None for a null struct (its id comes through null)."""
    if record is None or _plain(record.get("id")) is None:
        return None
    out = {key: _plain(value, key in INT_FIELDS) for key, value in record.items()
           if key not in ("words", "pieces", "probabilities", "logits")}
    out["words"] = _tokens(record.get("words"), ("begin", "end"))
    out["pieces"] = _tokens(record.get("pieces"), ("id", "begin", "end"))
    for key in ("probabilities", "logits"):
        values = record.get(key)
        out[key] = None if values is None or isinstance(values, float) else [
            float(v) for v in values]
    return out


def explain_row(status: str, left: Any, right: Any, cf: Any, tolerance: float
                ) -> dict[str, Any]:
    """Alignment, first divergence and attribution of one report row (pure Python).

    Alignments are kept only where the sequences differ; the first divergence is taken at
    piece level when the pieces differ (what the model saw), else at word level.
    """
    out: dict[str, Any] = dict.fromkeys(EXPLAIN_FIELDS)
    if status == SAME:
        return out
    lrec, rrec = _present(left), _present(right)
    cf_row = cf if cf is not None and isinstance(cf.get("cf_verdict"), str) else None
    divergence = None
    for level in ("words", "pieces"):
        lseq = None if lrec is None else lrec[level]
        rseq = None if rrec is None else rrec[level]
        ops = align(lseq, rseq)
        if ops is None or all(op["op"] == EQUAL for op in ops):
            continue
        out[f"{level[:-1]}_alignment"] = ops
        divergence = first_divergence(ops, lseq, rseq, level) or divergence
    for name, value in (divergence or {}).items():
        out[f"div_{name}"] = value
    found = attribute(lrec, rrec, tolerance, cf_row)
    if found.cause is None and status != NOT_IN_CORPUS:
        found = _fallback_cause(found, out["word_alignment"], divergence)
    out.update(cause=found.cause, sub_cause=found.sub_cause, cause_word=found.word,
               cause_position=found.position, cause_evidence=found.evidence or None,
               cf_consistent=found.cf_consistent)
    return out


def _fallback_cause(found: Attribution, word_ops: list[dict[str, Any]] | None,
                    divergence: dict[str, Any] | None) -> Attribution:
    """A cause for a row that differs where attribution sees no output disagreement.

    Attribution explains differing outputs; a row whose only difference is how the words were
    cut (same characters, same pieces) still parts first at the word stage, so it gets cause
    `words` / split_differently at the first diverging word. Anything else is `undetermined`.
    """
    if word_ops and divergence is not None and divergence["level"] == "words":
        op = next(op for op in word_ops if op["op"] != EQUAL)
        lt, rt = op["left_tokens"], op["right_tokens"]
        word = lt[0] if len(lt) == 1 else rt[0] if len(rt) == 1 else " ".join(lt or rt)
        return Attribution(WORDS, SPLIT_DIFFERENTLY, word, divergence["left_index"],
                           found.evidence or "word tokens cut differently")
    return Attribution(UNDETERMINED, None, None, None,
                       found.evidence or "the row differs but no stage explains it")


def _explain_udf(tolerance: float) -> Any:
    """pandas UDF: (status, l, r, cf) -> EXPLAIN_DDL struct; nulls for same rows."""
    from pyspark.sql.functions import pandas_udf

    @pandas_udf(EXPLAIN_DDL)
    def explain(batches: Iterator[tuple[pd.Series, pd.DataFrame, pd.DataFrame, pd.DataFrame]]
                ) -> Iterator[pd.DataFrame]:
        for status, left, right, cf in batches:
            lrows = left.to_dict("records")
            rrows = right.to_dict("records")
            cfrows = cf.to_dict("records")
            out = [explain_row(s, lr, rr, c, tolerance)
                   for s, lr, rr, c in zip(status.tolist(), lrows, rrows, cfrows)]
            yield pd.DataFrame(out, columns=EXPLAIN_FIELDS)

    return explain


def build_rows(corpus: DataFrame, left: DataFrame, right: DataFrame, tolerance: float,
               counterfactual: DataFrame | None = None) -> DataFrame:
    """The report rows (ROWS_DDL) for `corpus` (id, text) and two record DataFrames.

    counterfactual: optional DataFrame[id, cf_probabilities, cf_verdict, cf_max_abs_delta]
    (explain.counterfactual.counterfactual_scores), left-joined by id before attribution.
    """
    joined = (
        corpus.select("id", "text", F.lit(True).alias("_in_corpus"))
        .join(_side(left, "l"), "id", "full_outer")
        .join(_side(right, "r"), "id", "full_outer")
    )
    if counterfactual is not None:
        joined = joined.join(counterfactual.select("id", *CF_COLUMNS), "id", "left")
    else:
        joined = joined.select(
            "*", F.lit(None).cast("array<double>").alias("cf_probabilities"),
            F.lit(None).cast("string").alias("cf_verdict"),
            F.lit(None).cast("double").alias("cf_max_abs_delta"))
    words_equal, pieces_equal = _equal_lists("words"), _equal_lists("pieces")
    max_delta, scores_differ = _score_columns(tolerance)
    text_length = F.coalesce(F.length("text"), F.col("l.text_length"), F.col("r.text_length"))
    staged = joined.select(
        "*",
        _status(words_equal, pieces_equal, scores_differ).alias("status"),
        _changes(words_equal, pieces_equal, scores_differ).alias("changes"),
        text_length.alias("text_length"),
        max_delta.alias("max_abs_delta"),
        words_equal.alias("words_equal"),
        pieces_equal.alias("pieces_equal"),
    )
    differs = F.col("status") != F.lit(SAME)
    cf = F.struct(F.col("cf_verdict"), F.col("cf_max_abs_delta"))
    explained = staged.select(
        "*",
        _explain_udf(tolerance)(
            F.col("status"), F.when(differs, F.col("l")), F.when(differs, F.col("r")),
            F.when(differs, cf),
        ).alias("_x"),
    )
    divergence = F.when(
        F.col("_x.div_level").isNotNull(),
        F.struct(*[F.col(f"_x.div_{name}").alias(name) for name in DIVERGENCE_FIELDS]),
    )
    text = F.col("text")
    columns = {
        "id": F.col("id"),
        "status": F.col("status"),
        "changes": F.col("changes"),
        "text": text,
        "text_length": F.col("text_length"),
        "length_bucket": _length_bucket(F.col("text_length")),
        "has_upper": text.rlike(UPPER),
        "has_non_ascii": text.rlike(NON_ASCII),
        "has_inner_punct": text.rlike(INNER_PUNCT),
        "max_abs_delta": F.col("max_abs_delta"),
        "words_equal": F.col("words_equal"),
        "pieces_equal": F.col("pieces_equal"),
        "word_alignment": F.col("_x.word_alignment"),
        "piece_alignment": F.col("_x.piece_alignment"),
        "first_divergence": divergence,
        "cf_verdict": F.col("cf_verdict"),
        "cf_probabilities": F.col("cf_probabilities"),
        "cf_max_abs_delta": F.col("cf_max_abs_delta"),
        "cf_consistent": F.col("_x.cf_consistent"),
    }
    for name in ("cause", "sub_cause", "cause_word", "cause_position", "cause_evidence"):
        columns[name] = F.col(f"_x.{name}")
    for side, alias in (("left", "l"), ("right", "r")):
        for field in ("status", "error", "label", "probabilities", "truncated", "piece_count"):
            columns[f"{side}_{field}"] = F.col(f"{alias}.{field}")
    schema = rows_schema(corpus.sparkSession)
    return explained.select(*[columns[f.name].cast(f.dataType).alias(f.name)
                              for f in schema.fields])
