"""Before/after figures of one Spark NLP run against the Hugging Face records, from report rows.

Read from the report's rows/ (pandas: one small row per corpus id), so the figures are the join's
own decisions: label agreement over the rows both sides label (docs/report.md's definition), exact
piece agreement over every row (`pieces_equal`), max |Δp| and the rows within 1e-5.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

ROW_COLUMNS = ("id", "status", "text", "left_label", "right_label", "max_abs_delta",
               "pieces_equal", "words_equal", "cause", "sub_cause", "cause_evidence",
               "deployment_cause")
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


def labels_agree(rows: pd.DataFrame) -> pd.Series:
    """Per row: both sides gave a label and it is the same one."""
    both = rows["left_label"].notna() & rows["right_label"].notna()
    return both & (rows["left_label"] == rows["right_label"])


def figures(rows: pd.DataFrame) -> RunFigures:
    """The run's figures from its report rows."""
    both = rows["left_label"].notna() & rows["right_label"].notna()
    deltas = rows["max_abs_delta"].dropna()
    worst = None if deltas.empty else float(deltas.max())
    return RunFigures(
        rows=len(rows), labeled_both=int(both.sum()), labels_agree=int(labels_agree(rows).sum()),
        pieces_same=int((rows["pieces_equal"] == True).sum()),  # noqa: E712 (null: no pieces)
        max_abs_delta=None if worst is None or math.isnan(worst) else worst,
        within_tight_delta=int((deltas <= TIGHT_DELTA).sum()))


def regressions(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Rows whose labels agree before the change and not after, with the after row's cause."""
    joined = before[["id"]].assign(agree_before=labels_agree(before).to_numpy()).merge(
        after.assign(agree_after=labels_agree(after).to_numpy()), on="id", how="inner")
    lost = joined[joined["agree_before"] & ~joined["agree_after"]]
    return lost.drop(columns=["agree_before", "agree_after"]).sort_values("id")
