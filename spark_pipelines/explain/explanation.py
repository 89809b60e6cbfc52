"""The row explanation (alignment, first divergence, cause) as Python reaches it.

The explanation has one implementation, the JVM expression hfparity.explain.ExplainExpression
(spark_pipelines/explain/java/hfparity/explain/): rows.build_rows calls it on the executors, so
token lists never cross to Python (compare/pairs.py explains record dicts through that same join,
so tests and the controlled experiment see exactly what a report says).
Every cause and sub-cause it can write, with its meaning and the class of its rule, is listed in
the cause catalogue, explain/causes.py.
"""

from __future__ import annotations

from typing import Any

from pyspark.sql import Column

from spark_pipelines.jvm.functions import jvm_class
from spark_pipelines.report.schema import ALIGNED_TYPE, DIVERGENCE_TYPE

# What the JVM explanation returns (ExplainExpression.TYPE, checked at plan time).
EXPLAIN_CLASS = "hfparity.explain.ExplainExpression"
EXPLAIN_DDL = ", ".join([
    f"word_alignment {ALIGNED_TYPE}",
    f"piece_alignment {ALIGNED_TYPE}",
    f"first_divergence {DIVERGENCE_TYPE}",
    "cause string", "sub_cause string", "cause_word string", "cause_position int",
    "cause_evidence string", "cf_consistent boolean",
])


def explain_function(spark: Any) -> Any:
    """The JVM explanation as a function of six columns (status, left, right, cf_verdict,
    cf_max_abs_delta, tolerance), or twelve (+ the flip columns, compare/rows.py FLIP_COLUMNS),
    returning a Column; fails naming the jar when unavailable."""
    found = jvm_class(spark, EXPLAIN_CLASS)
    if isinstance(found, str):
        raise RuntimeError(f"the row explanation is unavailable: {found}")

    def explain(*columns: Column) -> Column:
        return Column(found.column(EXPLAIN_DDL, *[c._jc for c in columns]))
    return explain
