"""What a task is, so the join can compare outputs without knowing the task.

Every task shares the input stages of a prediction record (id, status, text hash, words, pieces,
truncation, model input: parity_core/records.py); what a task adds is its output columns and
how two outputs are compared. A new task (a label per word, a vector per row) is one module in
this package with a `TASK`, plus the Spark form of its comparison
(spark_pipelines/explain/task_columns.py); the input stages and the join stay untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa


@dataclass(frozen=True)
class OutputDiff:
    """How two outputs of one row compare: the decisive output (a label) differs, the scores
    differ beyond the tolerance, and the largest |Δ| of the scores (None: not comparable)."""

    label_differs: bool
    scores_differ: bool
    max_abs_delta: float | None

    @property
    def differs(self) -> bool:
        """The outputs differ at all: what the report calls label_differs or scores_differ."""
        return self.label_differs or self.scores_differ


@dataclass(frozen=True)
class Task:
    """One task's part of the record and of the comparison.

    output_fields: the record's output columns, in record order (between the token stages and
    the model-input stage). label / scores: the output whose inequality is `label_differs` and
    the one whose |Δ| is `max_abs_delta` / `scores_differ` (also the names the report's
    `changes` lists). row_outputs: the outputs the report copies per side (left_<name>,
    right_<name>). compare: the one comparison of two records' outputs (pure Python; its Spark
    form must agree, tests/spark_pipelines/compare/test_task_columns.py checks that).
    """

    name: str
    output_fields: tuple[pa.Field, ...]
    label: str
    scores: str
    row_outputs: tuple[str, ...]
    compare: Callable[[Mapping[str, Any], Mapping[str, Any], float], OutputDiff]

    @property
    def output_columns(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.output_fields)
