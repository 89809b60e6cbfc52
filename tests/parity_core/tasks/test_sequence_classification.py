"""The sequence-classification comparison: the one "outputs differ" rule and its NaN/null cases.

tests/spark_pipelines/compare/test_task_columns.py runs the same CASES through the Spark form and
asserts both agree; this file pins what the rule says for each case.
"""

from __future__ import annotations

import math

import pytest

from parity_core.tasks import sequence_classification as seq
from tests.parity_core.tasks.cases import CASES, TOLERANCE, Case

NAN, INF = math.nan, math.inf


def _same_float(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return (math.isnan(a) and math.isnan(b)) or a == b


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_case_compares_as_pinned(case: Case):
    diff = seq.TASK.compare(case.left, case.right, TOLERANCE)
    assert diff.label_differs is case.label_differs
    assert diff.scores_differ is case.scores_differ
    assert _same_float(diff.max_abs_delta, case.max_abs_delta), diff.max_abs_delta
    assert diff.differs is (case.label_differs or case.scores_differ)


def test_largest_delta_is_sparks_max_nulls_skipped_nan_above_all():
    assert seq.largest_delta([]) is None and seq.largest_delta([None, None]) is None
    assert seq.largest_delta([0.2, None, 0.1]) == 0.2
    assert math.isnan(seq.largest_delta([NAN, 0.5]))
    assert math.isnan(seq.largest_delta([0.5, NAN]))  # order does not matter (Python's max would)
    assert seq.largest_delta([0.5, INF]) == INF


def test_exceeds_nan_always_null_never_edge_not():
    assert seq.exceeds(NAN, 1e9) and seq.exceeds(INF, 1e9)
    assert not seq.exceeds(None, -1.0)
    assert not seq.exceeds(TOLERANCE, TOLERANCE) and seq.exceeds(0.0011, TOLERANCE)


def test_label_agreement_needs_both_labels():
    assert seq.labels_agree("pos", "pos") and not seq.labels_agree("pos", "neg")
    assert not seq.labels_agree(None, None) and not seq.labelled(None, "pos")
    assert not seq.labels_differ(None, None) and seq.labels_differ(None, "pos")
