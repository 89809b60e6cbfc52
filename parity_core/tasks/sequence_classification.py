"""Sequence classification: one label per row, with a probability per label.

Its output columns in the prediction record, and the one rule by which two outputs differ, used
by every reader: the report's join (compare/rows.py, through the Spark form in
explain/task_columns.py), the counterfactual's choice of rows to re-run, the controlled
experiment, the summary's and the fix's label agreement and max |Δp|, and the gate.

The NaN/null rule, stated once (it is Spark's own order, which the report has always used):
- per label position, |Δp| = |a - b|; two NaNs at one position are equal (|Δp| 0); one NaN, or
  +inf against +inf (inf - inf is NaN), gives NaN; a null element gives a null |Δp|;
- a NaN |Δp| exceeds every tolerance (Spark orders NaN above every number); a null one exceeds
  none (nothing was compared there);
- the largest |Δp| skips nulls and is NaN if any is NaN; None when the two lists are not
  comparable (a side has none, or they differ in length) or are empty;
- the scores differ when exactly one side has probabilities, the lengths differ, or some |Δp|
  exceeds the tolerance; two sides without probabilities do not differ;
- the labels differ unless both are null or both are equal (null-safe equality); they agree
  (label agreement) only when both sides have a label and it is the same one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pyarrow as pa

from parity_core.tasks import OutputDiff, Task

NAME = "sequence_classification"
LABEL = "label"
SCORES = "probabilities"

# Several predictions of one row are averaged (probabilities, then argmax): Spark NLP's own
# document-level rule (coalesceSentences), and the one that uses every sentence the deployment
# scored, where "the first sentence" would silently drop the rest of the text.
LABEL_RULE_MEAN = "mean_of_probabilities"

OUTPUT_FIELDS = (
    pa.field(LABEL, pa.string()),
    pa.field("label_id", pa.int32()),
    pa.field(SCORES, pa.list_(pa.float64())),
    pa.field("logits", pa.list_(pa.float64())),
    # How many predictions the framework made for the row (a sentence detector upstream makes
    # one per sentence) and the rule that made the recorded label of several (LABEL_RULE_MEAN).
    # Null where the producer makes one prediction per text by construction (Hugging Face).
    pa.field("predictions", pa.int32()),
    pa.field("label_rule", pa.string()),
)

Scores = Sequence[float | None] | None


def element_delta(a: float | None, b: float | None) -> float | None:
    """|a - b| at one label position: null if either is null, 0 for two NaNs."""
    if a is None or b is None:
        return None
    if math.isnan(a) and math.isnan(b):
        return 0.0
    return abs(a - b)


def exceeds(delta: float | None, tolerance: float) -> bool:
    """Whether one |Δ| is beyond `tolerance`: NaN always, null never."""
    return delta is not None and (math.isnan(delta) or delta > tolerance)


def largest_delta(deltas: Iterable[float | None]) -> float | None:
    """The largest of some |Δ| as Spark's max/array_max gives it: nulls skipped, NaN above every
    number; None when there is none."""
    best: float | None = None
    for delta in deltas:
        if delta is None:
            continue
        if best is None or math.isnan(delta) or (not math.isnan(best) and delta > best):
            best = delta
    return best


def comparable(left: Scores, right: Scores) -> bool:
    """Both sides have scores, as many on each side."""
    return left is not None and right is not None and len(left) == len(right)


def max_abs_delta(left: Scores, right: Scores) -> float | None:
    """The row's max |Δp| (the report's max_abs_delta); None when not comparable."""
    if not comparable(left, right):
        return None
    return largest_delta(element_delta(a, b) for a, b in zip(left, right))  # type: ignore[arg-type]


def scores_differ(left: Scores, right: Scores, tolerance: float) -> bool:
    """The scores differ: one side lacks them, the lengths differ, or some |Δ| exceeds."""
    if left is None and right is None:
        return False
    if not comparable(left, right):
        return True
    return any(exceeds(element_delta(a, b), tolerance)
               for a, b in zip(left, right))  # type: ignore[arg-type]


def labels_differ(left: str | None, right: str | None) -> bool:
    """Null-safe inequality: a label against no label differs, two missing labels do not."""
    return left != right


def labelled(left: str | None, right: str | None) -> bool:
    """Both sides gave a label: the rows label agreement counts."""
    return left is not None and right is not None


def labels_agree(left: str | None, right: str | None) -> bool:
    """Both sides gave a label and it is the same one."""
    return labelled(left, right) and left == right


def compare(left: Mapping[str, Any], right: Mapping[str, Any], tolerance: float) -> OutputDiff:
    """The one comparison of two records' outputs."""
    lp, rp = left.get(SCORES), right.get(SCORES)
    return OutputDiff(label_differs=labels_differ(left.get(LABEL), right.get(LABEL)),
                      scores_differ=scores_differ(lp, rp, tolerance),
                      max_abs_delta=max_abs_delta(lp, rp))


TASK = Task(name=NAME, output_fields=OUTPUT_FIELDS, label=LABEL, scores=SCORES,
            row_outputs=(LABEL, SCORES, "predictions"), compare=compare)
