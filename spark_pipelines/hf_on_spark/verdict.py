"""The counterfactual verdict and whether it agrees with an attributed cause (pure Python).

Re-running the reference model on the right side's pieces separates tokenization from runtime:
if the re-run reproduces the right side's probabilities, the right output is explained by its
pieces (cause text/words/pieces/truncation/boundary); if not, the runtimes compute differently
(cause numerics).
"""

from __future__ import annotations

from collections.abc import Sequence

REPRODUCED = "reproduced"
NOT_REPRODUCED = "not_reproduced"
CF_ERROR = "error"  # the re-run itself failed (e.g. a sequence longer than the model accepts)
VERDICTS = (REPRODUCED, NOT_REPRODUCED, CF_ERROR)

# Causes whose right-side output is explained by its pieces alone.
TOKENIZATION_CAUSES = frozenset({"text", "words", "pieces", "truncation", "boundary"})


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


def verdict_agrees(cause: str | None, verdict: str | None) -> bool | None:
    """numerics ⇔ not_reproduced; text/words/pieces/truncation/boundary ⇔ reproduced.

    None when there is nothing to check (no cause, no verdict, a status cause, a failed re-run).
    """
    if cause is None or verdict not in (REPRODUCED, NOT_REPRODUCED):
        return None
    if cause == "numerics":
        return verdict == NOT_REPRODUCED
    if cause in TOKENIZATION_CAUSES:
        return verdict == REPRODUCED
    return None
