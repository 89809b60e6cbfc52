"""The export check's bound (hf_reference/export_check.py) on logits with known differences.

The figures are the issue's: fine-tuned classifiers with logits up to ±12 whose faithful ONNX
export differs from torch by 2.4e-4, which the former absolute bound (1e-4) refused.
"""

from __future__ import annotations

import numpy as np
import pytest

from hf_reference.export_check import DEFAULT_BOUND, OVERRIDE_HINT, ExportBound, measure
from parity_core.errors import BadInput


def confident_logits(rows: int = 30) -> np.ndarray:
    """Three-label logits of a confident classifier: the winner near +12, the rest near -6."""
    rng = np.random.default_rng(0)
    logits = rng.uniform(-7.0, -5.0, size=(rows, 3))
    logits[np.arange(rows), rng.integers(0, 3, rows)] = rng.uniform(10.0, 12.0, rows)
    return logits.astype(np.float32)


def test_a_faithful_export_with_large_logits_passes_the_default_bound():
    torch_logits = confident_logits()
    onnx_logits = torch_logits + np.float32(2.4e-4) * np.sign(torch_logits)
    check = measure([torch_logits], [onnx_logits], DEFAULT_BOUND)
    assert check.passed and check.argmax_differences == 0
    assert check.max_abs_delta == pytest.approx(2.4e-4, rel=0.05)
    assert check.max_abs_logit > 10
    # The former absolute bound refuses the same export: the bug.
    assert not measure([torch_logits], [onnx_logits], ExportBound(atol=1e-4, rtol=0.0)).passed
    line = check.line()
    assert "max |Δlogit| 2.4" in line and "0.0001 + 0.001·|logit|" in line
    assert "0 argmax differences" in line


def test_a_broken_export_is_refused_in_one_line_naming_figure_bound_and_option():
    torch_logits = confident_logits()
    onnx_logits = torch_logits * np.float32(0.9)  # 10% off: a wrong graph, not rounding
    check = measure([torch_logits], [onnx_logits], DEFAULT_BOUND)
    assert not check.passed and check.worst_share > 50
    from hf_reference.export_check import refuse_unless_within

    with pytest.raises(BadInput) as refused:
        refuse_unless_within(check, "ONNX export of /ckpt")
    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith("ONNX export of /ckpt: the ONNX export differs from torch by "
                              f"|Δlogit| {check.worst_delta:.2e} at logit ")
    assert f"above the bound 0.0001 + 0.001·|logit| = {check.worst_bound:.2e}" in message
    assert OVERRIDE_HINT in message


def test_argmax_differences_are_counted_and_the_worst_element_is_the_closest_to_its_bound():
    torch_logits = np.array([[1.0, 1.00001, -3.0], [0.0, 20.0, -20.0]], np.float32)
    onnx_logits = np.array([[1.00002, 1.0, -3.0], [5e-5, 20.001, -20.0]], np.float32)
    check = measure([torch_logits[:1], torch_logits[1:]], [onnx_logits[:1], onnx_logits[1:]],
                    DEFAULT_BOUND)
    assert check.argmax_differences == 1 and check.texts == 2
    assert check.max_abs_delta == pytest.approx(1e-3, rel=0.01)  # at logit 20: within bound
    assert check.worst_logit == pytest.approx(0.0)  # 5e-5 against a bound of 1e-4
    assert check.worst_share == pytest.approx(0.5, rel=0.01) and check.passed


@pytest.mark.parametrize("atol, rtol", [(-1e-4, 1e-3), (1e-4, float("nan"))])
def test_a_bound_that_is_not_a_finite_non_negative_number_is_refused(atol, rtol):
    with pytest.raises(BadInput, match="--export-"):
        ExportBound(atol=atol, rtol=rtol)
