"""Which difference flips the label: the reference model re-run on its own input with the other
side's differences applied, one piece difference at a time, then one word's at a time.

The first divergence is where two token sequences part, not necessarily what changes the
prediction. For each row whose labels differ, the left side's model-input pieces are taken and
non-equal runs of the piece alignment (the join's own, from the JVM explanation) are replaced
by the right side's pieces for the same characters; the reference model scores every such
variant. What is tried and what decides (a piece, a word, several words, or not the pieces at
all) is explain/decisive.py's rule; this module runs it.

Scoring runs on the executors with mapInArrow, one scorer per Python worker; torch is imported
there only (spark_pipelines.hf.scoring).
"""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql.pandas.types import from_arrow_schema

from parity_core.records import RECORD_COLUMNS, STATUS_OK
from parity_core.settings import EffectiveSettings
from spark_pipelines.explain.decisive import outcome, trials
from spark_pipelines.hf.scoring import rerun_arrow_batches

FLIP_WORD = pa.struct([
    pa.field("word", pa.string()),
    pa.field("begin", pa.int32()),
    pa.field("end", pa.int32()),
    pa.field("differences", pa.list_(pa.int32())),
])
FLIP_SCHEMA = pa.schema([
    pa.field("id", pa.string(), nullable=False),
    pa.field("flip_tried", pa.int32()),
    pa.field("flip_alone", pa.list_(pa.int32())),
    pa.field("flip_words_tried", pa.int32()),
    pa.field("flip_word_alone", pa.list_(FLIP_WORD)),
    pa.field("decisive_unit", pa.string()),
    pa.field("decisive_word", pa.string()),
])
# The report row schema's flip columns (report/schema.py ROWS_DDL) are these; build_rows casts
# to them.


def flip_inputs(left: DataFrame, right: DataFrame, tolerance: float) -> DataFrame:
    """Rows both sides labelled differently, with pieces on both sides: id, both sides' piece ids,
    the left label id, the right label, and the piece alignment from the join's explanation."""
    from spark_pipelines.explain.explanation import explain_function

    def side(records: DataFrame, name: str) -> DataFrame:
        return records.select("id", F.struct(*[F.col(c) for c in RECORD_COLUMNS]).alias(name))

    joined = side(left, "l").join(side(right, "r"), "id")
    usable = ((F.col("l.status") == STATUS_OK) & (F.col("r.status") == STATUS_OK)
              & (F.col("l.label") != F.col("r.label"))
              & F.col("l.pieces").isNotNull() & F.col("r.pieces").isNotNull())
    explain = explain_function(left.sparkSession)
    explained = joined.where(usable).select(
        "id", "l", "r",
        explain(F.lit("label_differs"), F.col("l"), F.col("r"), F.lit(None).cast("string"),
                F.lit(None).cast("double"), F.lit(float(tolerance))).alias("_x"))
    return explained.select(
        "id",
        F.transform("l.pieces", lambda p: p["id"]).alias("left_ids"),
        F.transform("r.pieces", lambda p: p["id"]).alias("right_ids"),
        F.col("l.label_id").alias("left_label_id"),
        F.col("r.label_id").alias("right_label_id"),
        F.col("_x.piece_alignment").alias("ops"),
        F.col("r.words").alias("right_words"),
        F.col("l.words").alias("left_words"),
    )


def flip_scores(left: DataFrame, right: DataFrame, settings: EffectiveSettings,
                tolerance: float, partitions: int | None = None) -> DataFrame:
    """DataFrame[FLIP_SCHEMA] for rows whose labels differ: how many piece differences were re-run
    one at a time and the indexes (into piece_alignment) of those that alone give the right
    side's label; how many words, and those whose differences together do; the decisive unit
    and word (explain/decisive.py)."""
    chosen = flip_inputs(left, right, tolerance)
    target = partitions or chosen.sparkSession.sparkContext.defaultParallelism
    chosen = chosen.repartition(target, "id")
    settings_json = json.dumps(settings.to_dict(), sort_keys=True)
    max_length = settings.max_length
    rerun = rerun_arrow_batches(
        settings_json, lambda scorer, rows: flip_rows(scorer, rows, max_length), FLIP_SCHEMA)
    return chosen.mapInArrow(rerun, from_arrow_schema(FLIP_SCHEMA))


def flip_rows(scorer: Any, rows: list[dict[str, Any]], max_length: int) -> list[dict[str, Any]]:
    """Score every variant of each row (explain/decisive.py: trials) in one batch; a failed
    batch gives null results (not tried) rather than a failed task."""
    planned = [trials(row, max_length) for row in rows]
    sequences = [ids for found in planned for _, _, ids in found.variants]
    try:
        _, probabilities = scorer.score_ids(sequences) if sequences else ([], [])
    except Exception:
        return [{"id": row["id"]} for row in rows]
    results, at = [], 0
    for row, found in zip(rows, planned):
        flipped = {}
        for kind, key, _ in found.variants:
            probs = probabilities[at]
            at += 1
            flipped[(kind, key)] = max(range(len(probs)), key=lambda k: probs[k]) \
                == row["right_label_id"]
        results.append({"id": row["id"], **outcome(found, flipped)})
    return results
