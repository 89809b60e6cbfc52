"""int8 dynamic quantization of an fp32 ONNX export, as Spark NLP users deploy it.

onnxruntime's dynamic quantization stores MatMul weights as int8 (per tensor, signed) and
quantizes activations at run time; nothing is calibrated, so the same export always gives the
same model. The fp32 export's check against torch (|Δlogit| ≤ atol + rtol·|logit|,
hf_reference/export_check.py) stays the proof that the export itself is right; the quantized
model is then checked against torch on the same texts with a looser absolute bound,
MAX_INT8_LOGIT_DELTA, which catches a broken quantization (garbage scales, a wrong graph) but
not the quantization noise the report is there to measure.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

QUANTIZATIONS = ("none", "int8")
INT8 = "int8"
# Quantization noise on our models' check texts stays far below this (docs/numerics.md);
# a logit off by more than 1.0 moves a probability by tens of points: that is a broken model.
MAX_INT8_LOGIT_DELTA = 1.0


def quantize_int8(fp32_onnx: Path, out_onnx: Path) -> dict[str, Any]:
    """Write the int8 dynamic quantization of fp32_onnx to out_onnx; the manifest fields that
    say how it was made."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    out_onnx.parent.mkdir(parents=True, exist_ok=True)
    quantize_dynamic(str(fp32_onnx), str(out_onnx), weight_type=QuantType.QInt8,
                     per_channel=False, reduce_range=False)
    return {"quantization": INT8,
            "quantization_method": "onnxruntime.quantization.quantize_dynamic QInt8 per-tensor"}


def copy_assets(source: Path, target: Path) -> None:
    """assets/ (vocab.txt, labels.txt) travel unchanged with the quantized model."""
    shutil.copytree(source / "assets", target / "assets", dirs_exist_ok=True)
