"""The summary's per-layer localisation: rows/ layer_localisation aggregated inside Spark.

Only a handful of numbers per layer reach the driver (median and max of the rows' max |Δ|, and
the count of rows per first layer past the tolerance), however many rows were localised.
"""

from __future__ import annotations

from types import MappingProxyType

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from spark_pipelines.report.model import LayerLocalisation

NONE_PAST = "(none)"


def layer_localisation(rows: DataFrame) -> LayerLocalisation | None:
    """None when no row carries a localisation (no numerics rows, or no ONNX graph at hand)."""
    loc = rows.where(F.col("layer_localisation").isNotNull()).select(
        F.col("layer_localisation.*"))
    head = loc.where(F.col("error").isNull()).select("layers", "tolerance").limit(1).collect()
    counts = loc.agg(F.count(F.lit(1)).alias("rows"),
                     F.count("error").alias("errors")).collect()[0]
    if not counts["rows"]:
        return None
    if not head:
        return LayerLocalisation(counts["rows"], counts["errors"], 0.0, (), (), (),
                                 MappingProxyType({}))
    per_layer = (loc.where(F.col("error").isNull())
                 .select(F.posexplode("max_abs_delta").alias("k", "d"))
                 .groupBy("k").agg(F.percentile_approx("d", 0.5, 10000).alias("p50"),
                                   F.max("d").alias("max"))
                 .orderBy("k").collect())
    past = (loc.where(F.col("error").isNull())
            .groupBy(F.coalesce("first_past", F.lit(NONE_PAST)).alias("layer")).count()
            .collect())
    layers = tuple(head[0]["layers"])
    order = {name: i for i, name in enumerate((*layers, NONE_PAST))}
    first = {r["layer"]: r["count"] for r in sorted(past, key=lambda r: order[r["layer"]])}
    return LayerLocalisation(
        rows=counts["rows"], errors=counts["errors"], tolerance=float(head[0]["tolerance"]),
        layers=layers, median_abs_delta=tuple(float(r["p50"]) for r in per_layer),
        max_abs_delta=tuple(float(r["max"]) for r in per_layer),
        first_past=MappingProxyType(first))
