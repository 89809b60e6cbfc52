"""The Spark form of each task's output comparison (parity_core/tasks/): the same rule as the
pure Python one, as column expressions, so the join and the counterfactual decide "outputs
differ" on the executors exactly as a Python reader decides it on a record.

Here rather than in compare/ because the counterfactual (explain/) chooses its rows with it and
explain/ may not import compare/; compare/rows.py imports it from here.
tests/spark_pipelines/compare/test_task_columns.py runs both forms over the same cases.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pyspark.sql import Column
from pyspark.sql import functions as F

from parity_core.tasks import Task
from parity_core.tasks import sequence_classification as seq


@dataclass(frozen=True)
class OutputColumns:
    """parity_core.tasks.OutputDiff as columns of one joined row (never null)."""

    label_differs: Column
    scores_differ: Column
    max_abs_delta: Column
    label: str  # the names the report's `changes` lists them under
    scores: str

    @property
    def differ(self) -> Column:
        return self.label_differs | self.scores_differ

    def changes(self, scores_differ: Column | None = None) -> list[tuple[str, Column]]:
        """(name, differs) in the report's `changes` order; scores_differ: the column already
        computed by name, when the caller has one."""
        return [(self.label, self.label_differs),
                (self.scores, self.scores_differ if scores_differ is None else scores_differ)]


def element_delta(a: Column, b: Column) -> Column:
    """seq.element_delta: |a - b|, 0 for two NaNs, null for a null element."""
    return F.when(F.isnan(a) & F.isnan(b), F.lit(0.0)).otherwise(F.abs(a - b))


def exceeds(delta: Column, tolerance: float) -> Column:
    """seq.exceeds, nullable: Spark's `>` orders NaN above every number; null stays null."""
    return delta > F.lit(tolerance)


def largest_delta(deltas: Column) -> Column:
    """seq.largest_delta as an aggregate: Spark's max skips nulls and puts NaN above all."""
    return F.max(deltas)


def _sequence_classification(task: Task, tolerance: float, left: str, right: str
                             ) -> OutputColumns:
    lp, rp = F.col(f"{left}.{task.scores}"), F.col(f"{right}.{task.scores}")
    deltas = F.zip_with(lp, rp, element_delta)
    comparable = lp.isNotNull() & rp.isNotNull() & (F.size(lp) == F.size(rp))
    differ = (F.when(lp.isNull() & rp.isNull(), F.lit(False))
              .when(~comparable, F.lit(True))
              # exists is null when no |Δ| exceeds and one is null: a null |Δ| exceeds nothing
              .otherwise(F.coalesce(F.exists(deltas, lambda d: exceeds(d, tolerance)),
                                    F.lit(False))))
    label_differs = ~F.col(f"{left}.{task.label}").eqNullSafe(F.col(f"{right}.{task.label}"))
    return OutputColumns(label_differs=label_differs, scores_differ=differ,
                         max_abs_delta=F.when(comparable, F.array_max(deltas)),
                         label=task.label, scores=task.scores)


_BUILDERS: dict[str, Callable[[Task, float, str, str], OutputColumns]] = {
    seq.NAME: _sequence_classification,
}


def output_columns(task: Task, tolerance: float, left: str = "l", right: str = "r"
                   ) -> OutputColumns:
    """The task's comparison of the records (or record structs) aliased `left` and `right`."""
    if task.name not in _BUILDERS:
        raise ValueError(f"no Spark comparison for task {task.name!r}")
    return _BUILDERS[task.name](task, tolerance, left, right)
