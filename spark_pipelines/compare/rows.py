"""One report row per corpus id: the join of the corpus with both runs, inside Spark.

Everything that Spark SQL can say (statuses, deltas, equality of the token lists, slices) is a
column expression; whether the outputs differ is the task's comparison (parity_core/tasks/,
in its Spark form from explain/task_columns.py), so the join knows the input stages and nothing
of a task's outputs but their names; the alignment of the token sequences and the cause of a
disagreement come from one JVM expression (explain/explanation.py:
hfparity.explain.ExplainExpression) that runs on the executors for rows that are not `same`,
reading the records as Spark holds them, so no token list is converted, none crosses to Python
and nothing is collected to the driver.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import StructType

from parity_core.records import RECORD_COLUMNS, STATUS_ERROR, STATUS_OK, TASK
from parity_core.tasks import Task
from spark_pipelines.compare.model_input import model_input_equal
from spark_pipelines.explain.causes import NUMERICS
from spark_pipelines.explain.deployment_causes import DeploymentFacts, deployment_columns
from spark_pipelines.explain.explanation import explain_function
from spark_pipelines.explain.task_columns import OutputColumns, output_columns
from spark_pipelines.report.schema import (
    ERROR_LEFT,
    ERROR_RIGHT,
    FLIP_WORDS_TYPE,
    LABEL_DIFFERS,
    LENGTH_BUCKETS,
    MISSING_LEFT,
    MISSING_RIGHT,
    NOT_IN_CORPUS,
    ROWS_DDL,
    SAME,
    SCORES_DIFFER,
    TOKENS_DIFFER,
    UNSCORED_BOTH,
)

# Java regexes for the slices (Spark's rlike): upper/title-case letter, any non-ASCII code
# point, punctuation between two letters/digits of one whitespace-separated word.
UPPER = r"[\p{Lu}\p{Lt}]"
NON_ASCII = r"[^\x00-\x7F]"
INNER_PUNCT = r"[\p{L}\p{N}]\p{P}+[\p{L}\p{N}]"

CF_COLUMNS = ("cf_probabilities", "cf_verdict", "cf_max_abs_delta")
NOT_REPRODUCED = "not_reproduced"  # the counterfactual's verdict (explain/verdict.py)
# From explain/flips.py, joined in with the counterfactual when it ran (else null); all of them
# go to the JVM explanation too, which words the flip evidence from them.
FLIP_COLUMNS = {"flip_tried": "int", "flip_alone": "array<int>", "flip_words_tried": "int",
                "flip_word_alone": FLIP_WORDS_TYPE, "decisive_unit": "string",
                "decisive_word": "string"}


def rows_schema(spark: Any) -> StructType:
    """ROWS_DDL as a StructType (parsing DDL needs a session)."""
    return spark.createDataFrame([], ROWS_DDL).schema


def _side(records: DataFrame, name: str) -> DataFrame:
    return records.select(F.col("id"), F.struct(*[F.col(c) for c in RECORD_COLUMNS]).alias(name))


def _equal_lists(column: str) -> Column:
    """l.<column> = r.<column> where both sides have the list, else null."""
    lc, rc = F.col(f"l.{column}"), F.col(f"r.{column}")
    return F.when(lc.isNotNull() & rc.isNotNull(), lc == rc)


def _status(outputs: OutputColumns, words_equal: Column, pieces_equal: Column,
            scores_differ: Column) -> Column:
    """schema.py's order: first that applies wins. Both sides unscored with different
    statuses: the side whose status is `error`, else left; with the same status:
    unscored_both."""
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
        .when(ls != STATUS_OK, F.lit(UNSCORED_BOTH))
        .when(outputs.label_differs, F.lit(LABEL_DIFFERS))
        .when(scores_differ, F.lit(SCORES_DIFFER))
        .when(F.coalesce(tokens_differ, F.lit(False)), F.lit(TOKENS_DIFFER))
        .otherwise(F.lit(SAME))
    )


def _changes(outputs: OutputColumns, words_equal: Column, pieces_equal: Column,
             scores_differ: Column) -> Column:
    """What differs between two present records; a missing side is a status change only."""
    def both(column: str) -> Column:
        return F.col(f"l.{column}").isNotNull() & F.col(f"r.{column}").isNotNull()

    def differs(column: str) -> Column:
        return ~F.col(f"l.{column}").eqNullSafe(F.col(f"r.{column}"))

    checks = [
        ("status", differs("status")),
        ("text", both("text_sha256") & differs("text_sha256")),
        *outputs.changes(scores_differ),
        ("words", words_equal == F.lit(False)),
        ("pieces", pieces_equal == F.lit(False)),
        ("truncation", both("truncated") & differs("truncated")),
        # same pieces, other model input (ids of special tokens, mask, type ids): the
        # model_input stage (compare/model_input.py: the one rule)
        ("model_input", (pieces_equal == F.lit(True))
         & (model_input_equal("l.", "r.") == F.lit(False))),
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


def text_columns(text: Column, text_length: Column) -> dict[str, Column]:
    """The report columns that describe a row's text (its length bucket and slices): every
    report row has them, scored or not (compare/scoring.py)."""
    return {
        "text": text,
        "text_length": text_length,
        "length_bucket": _length_bucket(text_length),
        "has_upper": text.rlike(UPPER),
        "has_non_ascii": text.rlike(NON_ASCII),
        "has_inner_punct": text.rlike(INNER_PUNCT),
    }


def report_ids(corpus: DataFrame, left: DataFrame, right: DataFrame) -> DataFrame:
    """Every id of the corpus or either run, once: the frame the three inputs are left-joined to.

    Why not two full outer joins: a full outer join's output is not partitioned by its key, so
    Spark shuffled the corpus-and-left join (text plus a whole record per row) a second time
    before joining the right side. Left joins keep this frame's hash partitioning by id, so each
    input is shuffled once, plus one shuffle of the ids alone. Ids must be set and unique on
    each input (compare.inputs and corpus_io refuse anything else).
    """
    return (corpus.select("id").unionByName(left.select("id")).unionByName(right.select("id"))
            .distinct())


def _localised(explained: DataFrame,
               localiser: Callable[[DataFrame], DataFrame] | None) -> DataFrame:
    """explained + layer_localisation: the localiser's result for rows whose numbers differ on
    the same pieces (cause numerics, or the counterfactual on the right side's pieces did not
    reproduce it: a tokenization difference that also carries a numerics one); else null.
    explained is persisted first, so the counterfactual and explainer run once."""
    if localiser is None:
        return explained.select("*", F.lit(None).alias("layer_localisation"))
    explained = explained.persist()
    numerics = explained.where(
        (F.col("_x.cause") == F.lit(NUMERICS)) | (F.col("cf_verdict") == F.lit(NOT_REPRODUCED))
    ).select("id", F.col("r.pieces").alias("pieces"))
    return explained.join(localiser(numerics), "id", "left")


def build_rows(corpus: DataFrame, left: DataFrame, right: DataFrame, tolerance: float,
               counterfactual: DataFrame | None = None,
               deployment: DeploymentFacts | None = None,
               localiser: Callable[[DataFrame], DataFrame] | None = None,
               task: Task = TASK) -> DataFrame:
    """The report rows (ROWS_DDL) for `corpus` (id, text) and two record DataFrames.

    counterfactual: optional DataFrame[id, cf_probabilities, cf_verdict, cf_max_abs_delta]
    (explain/counterfactual.py: counterfactual_scores), left-joined by id before attribution.
    deployment: the deployment audit and label permutation that name a deployment cause.
    localiser: DataFrame[id, pieces] -> DataFrame[id, layer_localisation] for numerics rows
    (explain/localisation.py: localise_layers, bound by the job).
    task: whose outputs are compared (parity_core/tasks/); the input stages are every task's.
    """
    joined = (
        report_ids(corpus, left, right)
        .join(corpus.select("id", "text", F.lit(True).alias("_in_corpus")), "id", "left")
        .join(_side(left, "l"), "id", "left")
        .join(_side(right, "r"), "id", "left")
    )
    if counterfactual is not None:
        flips = [F.col(c) if c in counterfactual.columns else F.lit(None).cast(t).alias(c)
                 for c, t in FLIP_COLUMNS.items()]
        joined = joined.join(counterfactual.select("id", *CF_COLUMNS, *flips), "id", "left")
    else:
        joined = joined.select(
            "*", F.lit(None).cast("array<double>").alias("cf_probabilities"),
            F.lit(None).cast("string").alias("cf_verdict"),
            F.lit(None).cast("double").alias("cf_max_abs_delta"),
            *[F.lit(None).cast(t).alias(c) for c, t in FLIP_COLUMNS.items()])
    outputs = output_columns(task, tolerance)
    # Computed once and referred to by name: status and changes both need them, and comparing
    # two token arrays is the dearest expression here.
    compared = joined.select(
        "*",
        _equal_lists("words").alias("words_equal"),
        _equal_lists("pieces").alias("pieces_equal"),
        outputs.scores_differ.alias("_scores_differ"),
        outputs.max_abs_delta.alias("max_abs_delta"),
    )
    words_equal, pieces_equal = F.col("words_equal"), F.col("pieces_equal")
    text_length = F.coalesce(F.length("text"), F.col("l.text_length"), F.col("r.text_length"))
    staged = compared.select(
        "*",
        _status(outputs, words_equal, pieces_equal, F.col("_scores_differ")).alias("status"),
        _changes(outputs, words_equal, pieces_equal, F.col("_scores_differ")).alias("changes"),
        text_length.alias("text_length"),
    )
    explain = explain_function(corpus.sparkSession)
    explained = staged.select(
        "*",
        F.when(F.col("status") != F.lit(SAME), explain(
            F.col("status"), F.col("l"), F.col("r"), F.col("cf_verdict"),
            F.col("cf_max_abs_delta"), F.lit(float(tolerance)),
            # the flip re-run comes with the counterfactual only
            *([F.col(c) for c in FLIP_COLUMNS] if counterfactual is not None
              else []))).alias("_x"),
    )
    explained = _localised(explained, localiser)
    deployment_cause, deployment_evidence = deployment_columns(deployment)
    columns = {
        "deployment_cause": deployment_cause,
        "deployment_evidence": deployment_evidence,
        "id": F.col("id"),
        "status": F.col("status"),
        "changes": F.col("changes"),
        **text_columns(F.col("text"), F.col("text_length")),
        "max_abs_delta": F.col("max_abs_delta"),
        "words_equal": F.col("words_equal"),
        "pieces_equal": F.col("pieces_equal"),
        "word_alignment": F.col("_x.word_alignment"),
        "piece_alignment": F.col("_x.piece_alignment"),
        "first_divergence": F.col("_x.first_divergence"),
        "cf_verdict": F.col("cf_verdict"),
        "cf_probabilities": F.col("cf_probabilities"),
        "cf_max_abs_delta": F.col("cf_max_abs_delta"),
        "cf_consistent": F.col("_x.cf_consistent"),
        "layer_localisation": F.col("layer_localisation"),
        "scoring": F.lit(None),  # every row scored; compare/scoring.py sets it input-first
        **{c: F.col(c) for c in FLIP_COLUMNS},
    }
    for name in ("cause", "sub_cause", "cause_word", "cause_position", "cause_evidence"):
        columns[name] = F.col(f"_x.{name}")
    for side, alias in (("left", "l"), ("right", "r")):
        # input stages, then the task's outputs; ROWS_DDL fixes the written order
        for field in ("status", "error", "truncated", "piece_count", *task.row_outputs):
            columns[f"{side}_{field}"] = F.col(f"{alias}.{field}")
    schema = rows_schema(corpus.sparkSession)
    return explained.select(*[columns[f.name].cast(f.dataType).alias(f.name)
                              for f in schema.fields])
