"""The counterfactual verdict (pure Python).

Re-running the reference model on the right side's pieces separates tokenization from runtime:
if the re-run reproduces the right side's probabilities, the right output is explained by its
pieces; if not, the runtimes compute differently. Whether a verdict agrees with the row's cause
is the report's cf_consistent (hfparity.explain.Attribute.verdictAgrees).
"""

from __future__ import annotations

from collections.abc import Sequence

REPRODUCED = "reproduced"
NOT_REPRODUCED = "not_reproduced"
CF_ERROR = "error"  # the re-run itself failed (e.g. a sequence longer than the model accepts)


def cf_verdict(cf_probabilities: Sequence[float], right_probabilities: Sequence[float],
               tolerance: float) -> tuple[str, float]:
    """(verdict, max |cf - right|): reproduced when the re-run is within tolerance."""
    if len(cf_probabilities) != len(right_probabilities):
        raise ValueError(
            f"counterfactual has {len(cf_probabilities)} classes, right side "
            f"{len(right_probabilities)}"
        )
    delta = max(
        (abs(float(a) - float(b)) for a, b in zip(cf_probabilities, right_probabilities)),
        default=0.0,
    )
    return (REPRODUCED if delta <= tolerance else NOT_REPRODUCED), delta
