"""The bound input-first scoring states: sample size and the exact binomial upper limit."""

from __future__ import annotations

import math

import pytest

from parity_core.sampling import _binomial_cdf, sample_size, upper_bound


def test_sample_size_is_the_smallest_n_whose_empty_sample_meets_the_target():
    n = sample_size(0.001, 0.95)
    assert n == 2995
    assert upper_bound(0, n, 0.95) <= 0.001 < upper_bound(0, n - 1, 0.95)


@pytest.mark.parametrize(("k", "n"), [(1, 2995), (3, 3000), (10, 200)])
def test_upper_bound_is_where_the_binomial_tail_is_one_minus_confidence(k, n):
    p = upper_bound(k, n, 0.95)
    assert _binomial_cdf(k, n, p) == pytest.approx(0.05, rel=1e-6)
    assert k / n < p < 1


def test_rule_of_three_and_edges():
    assert upper_bound(0, 3000, 0.95) == pytest.approx(1 - 0.05 ** (1 / 3000))
    assert upper_bound(0, 3000, 0.95) == pytest.approx(3 / 3000, rel=0.01)
    assert upper_bound(0, 0, 0.95) == 1.0 and upper_bound(5, 5, 0.95) == 1.0
    assert math.isclose(_binomial_cdf(2, 2, 0.3), 1.0)
    with pytest.raises(ValueError, match="bound"):
        sample_size(0.0, 0.95)
