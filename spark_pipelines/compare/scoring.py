"""Input-first scoring in the join: every corpus row's result from the rows that were scored.

The producers scored the selection's corpus/ (one id per distinct text: scored_as); the report
rows of that run are fanned back to every corpus row with that text, each under its own id, and
the rows that were not scored get status input_identical_not_scored with their text's columns
and nothing else: no label, no delta, no `changes`, so nothing reads as agreement. When the run
was widened (the producers scored every row), each row keeps its own result and the selection
only says why it would have been scored.

The sample's result is read from the fanned rows: a SAMPLE row whose status is in
report.schema.OUTPUT_DIFFERS_STATUSES differs in output although its input is identical.
"""

from __future__ import annotations

from typing import Any

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from parity_core.sampling import upper_bound
from spark_pipelines.compare.rows import rows_schema, text_columns
from spark_pipelines.report.schema import (
    INPUT_IDENTICAL_NOT_SCORED,
    NOT_SCORED,
    OUTPUT_DIFFERS_STATUSES,
    SAME_TEXT,
    SAMPLE,
    SCORING_REASONS,
)
from spark_pipelines.report.scoring_model import INPUT_FIRST, WIDENED, Scoring


def fan_out(scored: DataFrame, selection: DataFrame, widened: bool) -> DataFrame:
    """Report rows (ROWS_DDL) for every selection row (id, text, reason, scored_as) from the
    report rows of the scored corpus."""
    key = F.col("id") if widened else F.col("scored_as")
    chosen = selection.select(F.col("id").alias("_id"), F.col("text").alias("_text"),
                              F.col("reason").alias("_reason"), key.alias("_key"))
    joined = chosen.join(scored.withColumnRenamed("id", "_key"), "_key", "left")
    found = F.col("status").isNotNull()
    text = F.col("_text")
    own = text_columns(text, F.length(text))
    columns: dict[str, Any] = {
        "id": F.col("_id"),
        "status": F.when(found, F.col("status")).otherwise(F.lit(INPUT_IDENTICAL_NOT_SCORED)),
        "scoring": F.col("_reason"),
        **{name: F.when(found, F.col(name)).otherwise(value) for name, value in own.items()},
    }
    return joined.select(*[(columns[f.name] if f.name in columns else F.col(f.name))
                           .cast(f.dataType).alias(f.name)
                           for f in rows_schema(scored.sparkSession).fields])


def scoring_summary(rows: DataFrame, texts_scored: int, target: float, confidence: float,
                    seed: int, widened: bool) -> Scoring:
    """The Scoring section from the fanned rows (one group-by over reason x differs)."""
    differs = F.col("status").isin(*OUTPUT_DIFFERS_STATUSES)
    cells = rows.groupBy("scoring", differs.alias("differs")).count().collect()
    reasons = {r: 0 for r in SCORING_REASONS}
    sample_differing = 0
    for cell in cells:
        reasons[cell["scoring"]] = reasons.get(cell["scoring"], 0) + cell["count"]
        if cell["scoring"] == SAMPLE and cell["differs"]:
            sample_differing += cell["count"]
    total = sum(reasons.values())
    not_scored = 0 if widened else reasons[NOT_SCORED]
    identical = reasons[SAMPLE] + reasons[SAME_TEXT] + reasons[NOT_SCORED]
    sampled = reasons[SAMPLE]
    # Nothing left unscored: the share is measured, not bounded.
    bound = (sample_differing / identical if identical else 0.0) if not_scored == 0 else \
        upper_bound(sample_differing, sampled, confidence)
    return Scoring(mode=WIDENED if widened else INPUT_FIRST, rows=total,
                   scored=total - not_scored, not_scored=not_scored, reasons=reasons,
                   texts_scored=texts_scored, identical_input=identical, sample_size=sampled,
                   sample_differing=sample_differing, confidence=confidence, target=target,
                   bound=bound, seed=seed)
