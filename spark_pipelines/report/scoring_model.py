"""What input-first scoring scored, and the bound on what it did not (summary.json `scoring`).

Only parity_core is imported (report/ layering); the bound's formula is parity_core/sampling.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

INPUT_FIRST = "input-first"
WIDENED = "all (widened from input-first)"


@dataclass(frozen=True)
class Scoring:
    """Rows per scoring reason (report.schema.SCORING_REASONS), the sample and its bound.

    identical_input: rows whose model input both sides fed identically and that no always-scored
    reason picked: the population the sample is drawn from. bound: the Clopper-Pearson upper
    limit, at `confidence`, on the share of those rows whose output differs, given
    sample_differing of sample_size (parity_core/sampling.py); 0 when every one was scored.
    """

    mode: str
    rows: int
    scored: int
    not_scored: int
    reasons: Mapping[str, int]
    texts_scored: int  # distinct texts the producers scored (identical texts scored once)
    identical_input: int
    sample_size: int
    sample_differing: int
    confidence: float
    target: float
    bound: float
    seed: int

    @property
    def widened(self) -> bool:
        return self.mode == WIDENED

    @property
    def holds(self) -> bool:
        """The sample found no identical-input row whose output differs."""
        return self.sample_differing == 0

    @property
    def statement(self) -> str:
        """The bound in words, as the page and the verdict line say it."""
        sample = (f"sample: {self.sample_differing:,} of {self.sample_size:,} identical-input "
                  f"rows differ")
        if self.widened:
            return (f"every row scored: the input-first {sample}, so numerics differ where "
                    "the inputs are identical and the run was widened to every row")
        if not self.holds:
            return (f"{sample}: the unscored rows are NOT bounded (numerics differ where the "
                    "inputs are identical); score every row (--scoring all)")
        if self.not_scored == 0:
            return f"{self.scored:,} of {self.rows:,} rows scored; none left unscored"
        most = int(self.bound * self.identical_input)
        return (f"{self.scored:,} of {self.rows:,} rows scored; {sample}: with "
                f"{self.confidence:.0%} confidence fewer than {self.bound:.3%} of the "
                f"{self.identical_input:,} identical-input rows differ (at most {most:,} of "
                f"the {self.not_scored:,} unscored rows)")

    def failure(self) -> str | None:
        """The gate's reason when the bound does not hold (None when it does or was widened)."""
        if self.holds or self.widened:
            return None
        return (f"input-first sample: {self.sample_differing:,} of {self.sample_size:,} "
                "identical-input rows differ in output; unscored rows unbounded")
