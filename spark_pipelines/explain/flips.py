"""Which difference flips the label: the reference model re-run on its own input with one of the
other side's differences applied at a time.

The first divergence is where two token sequences part, not necessarily what changes the
prediction. For each row whose labels differ, the left side's model-input pieces are taken and
one non-equal run of the piece alignment (the join's own, from the JVM explanation) is replaced
by the right side's pieces for the same characters; the reference model scores every such
variant. A difference "flips alone" when its variant gets the right side's label. No difference
flipping alone means the flip needs several of them together.

Scoring runs on the executors with mapInArrow, one scorer per Python worker; torch is imported
there only (spark_pipelines.hf.scoring).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pyarrow as pa
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql.pandas.types import from_arrow_schema

from parity_core.records import RECORD_COLUMNS, STATUS_OK
from parity_core.settings import EffectiveSettings
from spark_pipelines.hf.scoring import rerun_arrow_batches

EQUAL = "equal"  # report/schema.py EQUAL (not imported: the join's modules stay torch-free
#                  and this one need not load them)
MAX_TRIED = 64  # differences re-run per row at most (the first ones, in text order)
SPECIALS = frozenset({"[CLS]", "[SEP]"})

FLIP_SCHEMA = pa.schema([
    pa.field("id", pa.string(), nullable=False),
    pa.field("flip_tried", pa.int32()),
    pa.field("flip_alone", pa.list_(pa.int32())),
])
FLIP_DDL = "id string, flip_tried int, flip_alone array<int>"


def variant(left_ids: Sequence[int], right_ids: Sequence[int], ops: Sequence[dict[str, Any]],
            index: int, max_length: int) -> list[int]:
    """The left ids with alignment op `index` replaced by the right side's run, cut to
    max_length ([SEP] kept last). A run the left side lacks is inserted before the next left
    run of the alignment, or before the closing [SEP] when none follows."""
    chosen = ops[index]
    if chosen["left_index"] is not None:
        start, width = chosen["left_index"], len(chosen["left_tokens"] or [])
    else:
        later = [op["left_index"] for op in ops[index + 1:] if op["left_index"] is not None]
        start, width = (later[0] if later else max(len(left_ids) - 1, 0)), 0
    inserted: list[int] = []
    if chosen["right_index"] is not None:
        begin = chosen["right_index"]
        inserted = list(right_ids[begin:begin + len(chosen["right_tokens"] or [])])
    ids = [*left_ids[:start], *inserted, *left_ids[start + width:]]
    if len(ids) > max_length:
        ids = [*ids[:max_length - 1], ids[-1]]
    return ids


def differences(ops: Sequence[dict[str, Any]] | None) -> list[int]:
    """Indexes of the non-equal ops (the differences), in alignment order, at most MAX_TRIED;
    runs of [CLS]/[SEP] alone are not differences (offset-less, they only pair by position)."""
    def special_only(op: dict[str, Any]) -> bool:
        return all(t in SPECIALS for t in [*(op["left_tokens"] or []),
                                           *(op["right_tokens"] or [])])
    return [i for i, op in enumerate(ops or [])
            if op["op"] != EQUAL and not special_only(op)][:MAX_TRIED]


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
    )


def flip_scores(left: DataFrame, right: DataFrame, settings: EffectiveSettings,
                tolerance: float, partitions: int | None = None) -> DataFrame:
    """DataFrame[id, flip_tried, flip_alone] for rows whose labels differ: how many differences
    were re-run one at a time, and the indexes (into piece_alignment) of those that alone give
    the right side's label."""
    chosen = flip_inputs(left, right, tolerance)
    target = partitions or chosen.sparkSession.sparkContext.defaultParallelism
    chosen = chosen.repartition(target, "id")
    settings_json = json.dumps(settings.to_dict(), sort_keys=True)
    max_length = settings.max_length
    rerun = rerun_arrow_batches(
        settings_json, lambda scorer, rows: flip_rows(scorer, rows, max_length), FLIP_SCHEMA)
    return chosen.mapInArrow(rerun, from_arrow_schema(FLIP_SCHEMA))


def flip_rows(scorer: Any, rows: list[dict[str, Any]], max_length: int) -> list[dict[str, Any]]:
    """Score every single-difference variant of each row in one batch; a failed batch gives
    null results (not tried) rather than a failed task."""
    plan: list[tuple[int, int]] = []
    sequences: list[list[int]] = []
    for r, row in enumerate(rows):
        for index in differences(row["ops"]):
            plan.append((r, index))
            sequences.append(variant(row["left_ids"], row["right_ids"], row["ops"], index,
                                     max_length))
    alone: list[list[int]] = [[] for _ in rows]
    tried = [len(differences(row["ops"])) for row in rows]
    try:
        _, probabilities = scorer.score_ids(sequences) if sequences else ([], [])
    except Exception:
        return [{"id": row["id"], "flip_tried": None, "flip_alone": None} for row in rows]
    for (r, index), probs in zip(plan, probabilities):
        label = max(range(len(probs)), key=lambda k: probs[k])
        if label == rows[r]["right_label_id"]:
            alone[r].append(index)
    return [{"id": row["id"], "flip_tried": tried[r], "flip_alone": alone[r]}
            for r, row in enumerate(rows)]
