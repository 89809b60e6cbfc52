"""The one "rows differ" rule at the readers without Spark: the controlled experiment's `changed`
and the fix's figures (label agreement, max |Δp|) decide as the report does (the task's rule,
parity_core/tasks/sequence_classification; tests/parity_core/tasks/cases.py)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from spark_pipelines.compare.experiment import changed
from spark_pipelines.fix.metrics import figures, labels_agree
from spark_pipelines.report import schema
from tests.parity_core.tasks.cases import CASES, TOLERANCE, Case

PIECES = [{"piece": "[CLS]", "id": 101}, {"piece": "good", "id": 2204},
          {"piece": "[SEP]", "id": 102}]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_experiment_changed_is_the_reports_rule_on_equal_inputs(case: Case):
    """Same status and pieces: changed iff the report's status would be label_differs or
    scores_differ. Differs from before the one rule only where a side's probabilities are
    missing, of another length, NaN or +inf on both sides, or hold a null (which raised)."""
    left = {"status": "ok", "pieces": PIECES, **case.left}
    right = {"status": "ok", "pieces": PIECES, **case.right}
    assert changed(left, right, TOLERANCE) is (case.label_differs or case.scores_differ)


def test_experiment_still_counts_logits_and_inputs():
    base = {"status": "ok", "pieces": PIECES, "label": "a", "probabilities": [0.0, 1.0],
            "logits": [-9.0, 9.0]}
    assert not changed(base, dict(base), TOLERANCE)
    # a saturated softmax: same probabilities to 1e-3, the logits moved (max_length flip)
    assert changed(base, {**base, "logits": [-9.5, 9.0]}, TOLERANCE)
    assert changed(base, {**base, "pieces": PIECES[:2]}, TOLERANCE)
    assert changed(base, {**base, "status": "error"}, TOLERANCE)


def _rows(cases: list[tuple[str, str, str | None, str | None, list | None, list | None]]
          ) -> pd.DataFrame:
    return pd.DataFrame([{"id": i, "status": status, "left_label": ll, "right_label": rl,
                          "left_probabilities": lp, "right_probabilities": rp,
                          "pieces_equal": True}
                         for i, status, ll, rl, lp, rp in cases])


def test_fix_figures_are_the_summarys():
    rows = _rows([
        ("a", schema.SAME, "pos", "pos", [0.2, 0.8], [0.2, 0.8]),
        ("b", schema.LABEL_DIFFERS, "pos", "neg", [0.4, 0.6], [0.6, 0.4]),
        ("c", schema.ERROR_RIGHT, "pos", None, [0.4, 0.6], None),
        ("d", schema.UNSCORED_BOTH, None, None, None, None),
        # ids a run has that the corpus lacks enter no rate (summary: corpus rows only)
        ("x", schema.NOT_IN_CORPUS, "pos", "neg", [0.0, 1.0], [1.0, 0.0]),
    ])
    got = figures(rows)
    assert (got.rows, got.labeled_both, got.labels_agree) == (5, 2, 1)
    assert got.max_abs_delta == pytest.approx(0.2)  # not 1.0: x is not in the corpus
    assert got.within_tight_delta == 1
    assert list(labels_agree(rows)) == [True, False, False, False, False]


def test_fix_max_delta_is_nan_as_in_the_summary_and_shown_as_none():
    """A NaN |Δp| is the largest (summary.json: max NaN, written as null); before the one rule
    the fix skipped it and showed the largest number instead."""
    rows = _rows([
        ("a", schema.SCORES_DIFFER, "pos", "pos", [0.2, 0.8], [0.3, 0.7]),
        ("b", schema.SCORES_DIFFER, "pos", "pos", [math.nan, 0.5], [0.5, 0.5]),
        ("c", schema.SAME, "pos", "pos", [math.nan, 0.5], [math.nan, 0.5]),
    ])
    got = figures(rows)
    assert got.max_abs_delta is None
    assert got.within_tight_delta == 1  # c: two NaNs at one position are equal (|Δp| 0)
