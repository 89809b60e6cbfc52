"""Re-run the reference model on the right side's pieces: tokenization or runtime?

For each row that disagrees, the Hugging Face reference scores the RIGHT side's model-input ids.
If that reproduces the right side's probabilities, the right output is explained by its pieces
(a tokenization cause); if not, the two runtimes compute differently (numerics). Scoring runs on
the executors with mapInArrow, one scorer per Python worker; torch is imported there only.
"""

from __future__ import annotations

import json

import pyarrow as pa
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.pandas.types import from_arrow_schema

from parity_core.records import TASK
from parity_core.settings import EffectiveSettings
from parity_core.tasks import Task
from spark_pipelines.explain.rerun import score_rows
from spark_pipelines.explain.task_columns import output_columns
from spark_pipelines.explain.verdict import CF_ERROR, NOT_REPRODUCED, REPRODUCED
from spark_pipelines.hf.scoring import rerun_arrow_batches

__all__ = [
    "CF_ERROR", "CF_SCHEMA", "NOT_REPRODUCED", "REPRODUCED", "counterfactual_scores",
    "disagreement_filter",
]

CF_SCHEMA = pa.schema([
    pa.field("id", pa.string(), nullable=False),
    pa.field("cf_probabilities", pa.list_(pa.float64())),
    pa.field("cf_logits", pa.list_(pa.float64())),
    pa.field("cf_verdict", pa.string()),
    pa.field("cf_max_abs_delta", pa.float64()),
])


def disagreement_filter(tolerance: float, left: str = "l", right: str = "r",
                        task: Task = TASK) -> Column:
    """Rows worth a re-run: the outputs differ (the task's one rule, as the report's status
    decides it: label or some |Δp| beyond tolerance, NaN/null as parity_core/tasks says), or
    the piece ids or the attention mask differ; and the right side is scored and has pieces.
    `left`/`right` are the join's aliases."""
    def lc(name: str) -> Column:
        return F.col(f"{left}.{name}")

    def rc(name: str) -> Column:
        return F.col(f"{right}.{name}")

    piece_ids = F.transform(lc("pieces"), lambda p: p.id)
    right_ids = F.transform(rc("pieces"), lambda p: p.id)
    disagree = (
        output_columns(task, tolerance, left, right).differ
        | ~piece_ids.eqNullSafe(right_ids)
        # same pieces, other model input (a mask); null (not recorded) on a side: no claim
        | F.coalesce(~lc("attention_mask").eqNullSafe(rc("attention_mask"))
                     & lc("attention_mask").isNotNull() & rc("attention_mask").isNotNull(),
                     F.lit(False))
    )
    right_usable = (
        (rc("status") == "ok") & rc(task.scores).isNotNull()
        & rc("pieces").isNotNull() & (F.size(rc("pieces")) > 0)
    )
    return disagree & right_usable


def counterfactual_scores(left_records: DataFrame, right_records: DataFrame,
                          settings: EffectiveSettings, tolerance: float,
                          partitions: int | None = None) -> DataFrame:
    """DataFrame[id, cf_probabilities, cf_logits, cf_verdict, cf_max_abs_delta] for the rows
    that disagree and whose right side has pieces; the reference model (`settings`) scores the
    right side's exact model input (its input_ids, attention_mask and token_type_ids; for
    records without them, its piece ids with [CLS]/[SEP] added when not recorded)."""
    joined = left_records.alias("l").join(right_records.alias("r"), F.col("l.id") == F.col("r.id"))
    chosen = joined.where(disagreement_filter(tolerance)).select(
        F.col("r.id").alias("id"),
        F.col("r.pieces").alias("pieces"),
        F.col("r.probabilities").alias("right_probabilities"),
        F.col("r.input_ids").alias("input_ids"),
        F.col("r.attention_mask").alias("attention_mask"),
        F.col("r.token_type_ids").alias("token_type_ids"),
    )
    target = partitions or chosen.sparkSession.sparkContext.defaultParallelism
    chosen = chosen.repartition(target, "id")  # hash by id: deterministic on task retry
    settings_json = json.dumps(settings.to_dict(), sort_keys=True)
    rerun = rerun_arrow_batches(
        settings_json, lambda scorer, rows: score_rows(scorer, rows, tolerance), CF_SCHEMA)
    return chosen.mapInArrow(rerun, from_arrow_schema(CF_SCHEMA))
