"""Comparison cases shared by the pure rule's test and the Spark form's test: each pins what
parity_core.tasks.sequence_classification.compare says (label differs, scores differ, max |Δp|).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

NAN, INF = math.nan, math.inf
TOLERANCE = 0.001


@dataclass(frozen=True)
class Case:
    name: str
    left: dict[str, Any]
    right: dict[str, Any]
    label_differs: bool
    scores_differ: bool
    max_abs_delta: float | None


def _rec(label: str | None, probabilities: list[float | None] | None) -> dict[str, Any]:
    return {"label": label, "probabilities": probabilities}


CASES = (
    Case("equal", _rec("a", [0.2, 0.8]), _rec("a", [0.2, 0.8]), False, False, 0.0),
    Case("within_tolerance", _rec("a", [0.2, 0.8]), _rec("a", [0.2005, 0.7995]), False, False,
         max(abs(0.2 - 0.2005), abs(0.8 - 0.7995))),
    # binary floats: |0.8 - 0.801| is a hair above 0.001 (0.0010000000000000009)
    Case("tolerance_edge_above", _rec("a", [0.2, 0.8]), _rec("a", [0.2, 0.801]), False, True,
         abs(0.8 - 0.801)),
    Case("tolerance_edge_below", _rec("a", [0.2, 0.8]), _rec("a", [0.2, 0.799001]), False,
         False, abs(0.8 - 0.799001)),
    Case("exactly_tolerance", _rec("a", [0.0, 1.0]), _rec("a", [0.001, 1.0]), False, False,
         0.001),
    Case("label_differs", _rec("a", [0.5, 0.5]), _rec("b", [0.5, 0.5]), True, False, 0.0),
    Case("label_null_one_side", _rec(None, [0.5, 0.5]), _rec("b", [0.5, 0.5]), True, False, 0.0),
    Case("labels_null_both", _rec(None, None), _rec(None, None), False, False, None),
    Case("probabilities_null_one_side", _rec("a", None), _rec("a", [0.5, 0.5]), False, True,
         None),
    Case("lengths_differ", _rec("a", [0.5, 0.5]), _rec("a", [0.5, 0.5, 0.0]), False, True, None),
    Case("empty_both", _rec("a", []), _rec("a", []), False, False, None),
    Case("nan_both_same_position", _rec("a", [NAN, 0.5]), _rec("a", [NAN, 0.5]), False, False,
         0.0),
    Case("nan_one_side", _rec("a", [NAN, 0.5]), _rec("a", [0.5, 0.5]), False, True, NAN),
    Case("nan_one_side_after_a_real_delta", _rec("a", [0.1, 0.5]), _rec("a", [0.4, NAN]), False,
         True, NAN),
    Case("nan_both_other_positions", _rec("a", [NAN, 0.5]), _rec("a", [0.5, NAN]), False, True,
         NAN),
    Case("pos_inf_both", _rec("a", [INF, 0.0]), _rec("a", [INF, 0.0]), False, True, NAN),
    Case("inf_opposite", _rec("a", [INF, 0.0]), _rec("a", [-INF, 0.0]), False, True, INF),
    Case("inf_against_number", _rec("a", [INF, 0.0]), _rec("a", [1.0, 0.0]), False, True, INF),
    Case("null_element", _rec("a", [None, 0.5]), _rec("a", [0.3, 0.5]), False, False, 0.0),
    Case("null_element_and_real_delta", _rec("a", [None, 0.5]), _rec("a", [0.3, 0.9]), False,
         True, 0.4),
)
