"""Which rows to score: a reason per row (report.schema.SCORING_REASONS), and one id per text.

Always scored: rows whose model input differs (INPUT_DIFFERS), rows Spark NLP makes no token for
(NO_TOKENS: it predicts nothing), the next row in corpus order after such a row
(AFTER_NO_TOKENS), rows with more sentences than the classifier's batchSize
(SENTENCES_OVER_BATCH: Spark NLP 5.5.3's sequence classifiers batch a row's sentences, padded to
the batch's longest, so a row's output can depend on its own sentences' grouping). Of the rest,
whose input is identical, a seeded sample of n rows (SAMPLE: the n smallest xxhash64(id, seed),
n from parity_core/sampling.sample_size) is scored; a row sharing its text with a scored row is
SAME_TEXT (it takes that row's result); the others are NOT_SCORED. Identical texts are scored
once: scored_as names the id whose records stand for every row with that text.
"""

from __future__ import annotations

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from spark_pipelines.report.schema import (
    AFTER_NO_TOKENS,
    INPUT_DIFFERS,
    NO_TOKENS,
    NOT_SCORED,
    SAME_TEXT,
    SAMPLE,
    SENTENCES_OVER_BATCH,
)


def _after_no_tokens(inputs: DataFrame) -> DataFrame:
    """DataFrame[id, after_empty]: whether the previous row in corpus order has no token. The
    window is over (position, no-token flag) only, so the one-partition sort stays narrow."""
    order = Window.orderBy("position")
    narrow = inputs.select("id", "position", (F.col("tokens") == 0).alias("_empty"))
    return narrow.select("id", F.coalesce(F.lag("_empty").over(order), F.lit(False))
                         .alias("after_empty"))


def always_reasons(inputs: DataFrame, batch_size: int) -> DataFrame:
    """inputs + reason (an always-scored reason, else null)."""
    flagged = inputs.join(_after_no_tokens(inputs), "id")
    reason = (F.when(~F.col("input_equal"), F.lit(INPUT_DIFFERS))
              .when(F.col("tokens") == 0, F.lit(NO_TOKENS))
              .when(F.col("after_empty"), F.lit(AFTER_NO_TOKENS))
              .when(F.col("sentences") > batch_size, F.lit(SENTENCES_OVER_BATCH)))
    return flagged.select("id", "text", reason.alias("reason"))


def sample_ids(reasoned: DataFrame, size: int, seed: int) -> DataFrame:
    """DataFrame[id, sampled]: the `size` identical-input rows of smallest xxhash64(id, seed)."""
    candidates = reasoned.where(F.col("reason").isNull()).select(
        "id", F.xxhash64("id", F.lit(seed)).alias("_h"))
    return candidates.orderBy("_h", "id").limit(size).select("id", F.lit(True).alias("sampled"))


def choose(inputs: DataFrame, batch_size: int, size: int, seed: int) -> DataFrame:
    """DataFrame[id, text, reason, scored_as] for every corpus row; scored_as is null for
    NOT_SCORED rows, else the id whose records stand for the row's text."""
    reasoned = always_reasons(inputs, batch_size)
    reasoned = reasoned.join(sample_ids(reasoned, size, seed), "id", "left").select(
        "id", "text", F.coalesce("reason", F.when(F.col("sampled"), F.lit(SAMPLE)))
        .alias("reason"))
    # A null text is its own group: it is never the same text as another row.
    key = F.coalesce(F.col("text"), F.concat(F.lit("\u0000null:"), F.col("id")))
    keyed = reasoned.select("*", key.alias("_key"))
    chosen = (keyed.where(F.col("reason").isNotNull())
              .groupBy("_key").agg(F.min("id").alias("scored_as")))
    joined = keyed.join(chosen, "_key", "left")
    reason = F.coalesce("reason", F.when(F.col("scored_as").isNotNull(), F.lit(SAME_TEXT)),
                        F.lit(NOT_SCORED))
    return joined.select("id", "text", reason.alias("reason"), "scored_as")
