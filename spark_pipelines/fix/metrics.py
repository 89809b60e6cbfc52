"""Before/after figures of one Spark NLP run against the Hugging Face records, from report rows.

Read from the report's rows/ (pandas: one small row per corpus id), so the figures are the join's
own decisions: label agreement over the corpus rows both sides label (docs/report.md's
definition), exact piece agreement over every row (`pieces_equal`), max |Δp| and the rows within
1e-5 over the corpus rows. Label agreement and max |Δp| are the summary's (the task's labelled /
labels_agree / max_abs_delta / largest_delta, corpus rows only), so the fix's "before" figures
are the report's: a NaN |Δp| is the largest, as in summary.json (and shown as none, as there).
The |Δp| of a row comes from its two probability lists, as the join computed max_abs_delta:
pandas reads a null max_abs_delta (nothing compared) and a NaN one alike.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from parity_core.tasks import sequence_classification as task_rule
from spark_pipelines.report.schema import NOT_IN_CORPUS

ROW_COLUMNS = ("id", "status", "text", "left_label", "right_label", "left_probabilities",
               "right_probabilities", "pieces_equal", "words_equal", "cause", "sub_cause",
               "cause_evidence", "deployment_cause")
TIGHT_DELTA = 1e-5


@dataclass(frozen=True)
class RunFigures:
    """What one Spark NLP run scores against the reference, over every corpus row."""

    rows: int
    labeled_both: int
    labels_agree: int
    pieces_same: int
    max_abs_delta: float | None
    within_tight_delta: int

    @property
    def label_agreement(self) -> float:
        return self.labels_agree / self.labeled_both if self.labeled_both else 0.0

    @property
    def piece_agreement(self) -> float:
        return self.pieces_same / self.rows if self.rows else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "label_agreement": self.label_agreement,
                "piece_agreement": self.piece_agreement}


def _missing(value: Any) -> bool:
    """pandas' stand-in for a null cell (None, or NaN in an object column of labels/lists)."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def _per_row(rows: pd.DataFrame, rule: Callable[[Any, Any], bool], left: str, right: str
             ) -> pd.Series:
    """rule(left, right) per row, pandas' missing cells as None."""
    return pd.Series([rule(None if _missing(a) else a, None if _missing(b) else b)
                      for a, b in zip(rows[left], rows[right])], index=rows.index, dtype=bool)


def labels_agree(rows: pd.DataFrame) -> pd.Series:
    """Per row: both sides gave a label and it is the same one (the task's labels_agree)."""
    return _per_row(rows, task_rule.labels_agree, "left_label", "right_label")


def corpus_deltas(rows: pd.DataFrame) -> list[float | None]:
    """Each corpus row's max |Δp| by the task's rule (None: nothing compared; NaN kept)."""
    corpus = rows[rows["status"] != NOT_IN_CORPUS]
    return [task_rule.max_abs_delta(None if _missing(a) else a, None if _missing(b) else b)
            for a, b in zip(corpus["left_probabilities"], corpus["right_probabilities"])]


def figures(rows: pd.DataFrame) -> RunFigures:
    """The run's figures from its report rows."""
    corpus = rows[rows["status"] != NOT_IN_CORPUS]
    deltas = corpus_deltas(rows)
    worst = task_rule.largest_delta(deltas)
    return RunFigures(
        rows=len(rows),
        labeled_both=int(_per_row(corpus, task_rule.labelled, "left_label", "right_label").sum()),
        labels_agree=int(labels_agree(corpus).sum()),
        pieces_same=int((rows["pieces_equal"] == True).sum()),  # noqa: E712 (null: no pieces)
        max_abs_delta=None if worst is None or math.isnan(worst) else float(worst),
        within_tight_delta=sum(1 for d in deltas if d is not None and d <= TIGHT_DELTA))


def regressions(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Rows whose labels agree before the change and not after, with the after row's cause."""
    joined = before[["id"]].assign(agree_before=labels_agree(before).to_numpy()).merge(
        after.assign(agree_after=labels_agree(after).to_numpy()), on="id", how="inner")
    lost = joined[joined["agree_before"] & ~joined["agree_after"]]
    return lost.drop(columns=["agree_before", "agree_after"]).sort_values("id")
