"""The bound on rows that were not scored: sample size and the exact binomial upper bound.

Input-first scoring (docs/input-first.md) scores every row whose model input differs and a seeded
random sample of the rows whose input is identical. If k of the n sampled identical-input rows
differ, the share p of identical-input rows that differ is bounded, with confidence c, by the
Clopper-Pearson upper limit: the p at which P(X <= k | n, p) = 1 - c (for k = 0 this is
1 - (1 - c)^(1/n), about 3/n at 95%: the rule of three). Sampling without replacement from a
finite set makes the binomial bound conservative, never optimistic.
"""

from __future__ import annotations

import math


def sample_size(bound: float, confidence: float) -> int:
    """The smallest n for which a sample with no differing row bounds p below `bound` with
    `confidence`: n = ceil(ln(1 - c) / ln(1 - bound)) (2,995 for 0.1% at 95%)."""
    _check(bound, confidence)
    return math.ceil(math.log(1.0 - confidence) / math.log(1.0 - bound))


def _binomial_cdf(k: int, n: int, p: float) -> float:
    """P(X <= k) for X ~ Binomial(n, p), summed in log space (n in the thousands)."""
    if p <= 0.0:
        return 1.0
    if p >= 1.0:
        return 1.0 if k >= n else 0.0
    log_p, log_q = math.log(p), math.log1p(-p)
    return min(1.0, sum(math.exp(math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1)
                                 + i * log_p + (n - i) * log_q) for i in range(k + 1)))


def upper_bound(differing: int, sampled: int, confidence: float) -> float:
    """Clopper-Pearson upper limit on the differing share, given `differing` of `sampled`."""
    _check(0.5, confidence)
    if sampled <= 0:
        return 1.0
    if differing >= sampled:
        return 1.0
    if differing == 0:
        return 1.0 - (1.0 - confidence) ** (1.0 / sampled)
    low, high = differing / sampled, 1.0
    for _ in range(100):  # bisection: the cdf falls as p grows
        mid = (low + high) / 2
        if _binomial_cdf(differing, sampled, mid) > 1.0 - confidence:
            low = mid
        else:
            high = mid
    return high


def _check(bound: float, confidence: float) -> None:
    if not 0.0 < bound < 1.0:
        raise ValueError(f"bound {bound}: must be between 0 and 1")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence {confidence}: must be between 0 and 1")
