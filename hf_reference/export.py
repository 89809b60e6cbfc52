"""ONNX export of a supported checkpoint, in the form Spark NLP's loadSavedModel reads.

The folder gets model.onnx (the family's inputs, output `logits`, opset 17, dynamic batch and
sequence axes), the family's assets (assets/vocab.txt and assets/labels.txt in id order, plus
assets/merges.txt for a BPE family; the SentencePiece .model file instead of vocab.txt for
XLM-R, DeBERTa-v2 and ALBERT), and a manifest with the
sha256 of weights, vocab, labels and ONNX. The export is checked against torch with
onnxruntime on a fixed set of varied sentences (plus any given), and refused (BadInput: exit 2
from a command) when a logit differs by more than atol + rtol * |logit| (export_check.py: the
bound, its defaults and why): a bad export must not pass as a Spark NLP difference.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hf_reference.export_check import (
    DEFAULT_BOUND,
    ExportBound,
    LogitCheck,
    measure,
    refuse_unless_within,
)
from parity_core.checkpoint import CheckpointInfo
from parity_core.fingerprint import package_versions, sha256_file, write_model_manifest
from parity_core.tasks.token_classification import config_architecture, is_token_classification

OPSET = 17
CHECK_MAX_LENGTH = 128
LIBRARIES = ("torch", "transformers", "tokenizers", "onnx", "onnxruntime")
# Varied English: short and long, casing, punctuation, contractions, numbers, accents, emoji.
CHECK_TEXTS = (
    "A wonderful, warm film.",
    "Dull.",
    "I don't think it's good, and I won't pretend otherwise.",
    "The plot follows a retired detective who returns to solve one last case.",
    "ABSOLUTELY TERRIBLE!!!",
    "an unexpectedly moving portrait of grief, told with restraint and humour",
    "It's 3.14 hours long -- or it feels that way.",
    "Self-indulgent, over-long and under-written.",
    "Café society, naïve heroes and a piñata: what's not to like?",
    "Five stars 😀🎉",
    "The cast (led by a superb newcomer) carries a thin script.",
    "Neither funny nor scary; just loud.",
    "If you loved the first one, you'll like this one too.",
    "She says \"never again\" and means it.",
    "A 1990s throwback with $100 million worth of explosions.",
    "e-mail, U.S. politics, and the internet at 2 a.m.",
    "Wait... what?",
    "The dialogue is sharp, the pacing is brisk and the ending lands.",
    "Too long by half an hour.",
    "Visually stunning but emotionally hollow.",
    "A documentary about bees that is, somehow, thrilling.",
    "Nothing happens, slowly.",
    "The second act drags, but the finale is worth the wait.",
    "It rains for most of the film, which suits the mood.",
    "Think of it as a love letter to old Hollywood musicals.",
    "A misfire from a director who usually knows better.",
    "Smart, funny and surprisingly tender.",
    "The villain's plan makes no sense whatsoever.",
    "x",
    " ".join(["a long review that keeps going and going"] * 30),
)


@dataclass(frozen=True)
class ExportResult:
    """What the export wrote and how closely ONNX matched torch."""

    folder: Path
    max_abs_logit_delta: float
    check: LogitCheck  # the final model's (int8 when quantized)
    seconds: float
    manifest: dict[str, Any]


def _is_token_model(model: Any) -> bool:
    return is_token_classification(type(model).__name__)


def _logits_module(model: Any, names: tuple[str, ...]) -> Any:
    """A torch module taking the family's inputs positionally and returning only `logits`."""
    import torch

    class Logits(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *inputs: Any) -> Any:
            return self.model(**dict(zip(names, inputs))).logits

    return Logits().eval()


def _load(info: CheckpointInfo) -> tuple[Any, Any]:
    from transformers import (
        AutoModelForSequenceClassification,
        AutoModelForTokenClassification,
        AutoTokenizer,
    )

    token = is_token_classification(config_architecture(info.folder))
    auto = AutoModelForTokenClassification if token else AutoModelForSequenceClassification
    model = auto.from_pretrained(
        str(info.folder), use_safetensors=True, local_files_only=True, trust_remote_code=False)
    tokenizer = AutoTokenizer.from_pretrained(str(info.folder), local_files_only=True,
                                              trust_remote_code=False)
    return model.eval(), tokenizer


def _write_onnx(model: Any, tokenizer: Any, names: tuple[str, ...], path: Path) -> None:
    import onnx
    import torch

    sample = tokenizer(["a sample to trace", "and a second, longer one"], padding=True,
                       return_tensors="pt")
    inputs = tuple(sample[n] if n in sample else torch.zeros_like(sample["input_ids"])
                   for n in names)
    axes = {name: {0: "batch", 1: "sequence"} for name in names}
    # A token classifier's logits have a position axis too (batch, sequence, labels).
    axes["logits"] = {0: "batch", 1: "sequence"} if _is_token_model(model) else {0: "batch"}
    torch.onnx.export(_logits_module(model, names), inputs, str(path), input_names=list(names),
                      output_names=["logits"], dynamic_axes=axes, opset_version=OPSET,
                      dynamo=False)
    onnx.checker.check_model(str(path))


def check_against_torch(model: Any, tokenizer: Any, onnx_path: Path, names: tuple[str, ...],
                        texts: list[str], bound: ExportBound) -> LogitCheck:
    """ONNX vs torch logits on texts (batches of 16 with padding), measured against bound."""
    import onnxruntime
    import torch

    session = onnxruntime.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    expected_all, got_all = [], []
    for start in range(0, len(texts), 16):
        batch = tokenizer(texts[start:start + 16], truncation=True, max_length=CHECK_MAX_LENGTH,
                          padding=True, return_tensors="pt")
        feed = {n: (batch[n] if n in batch else torch.zeros_like(batch["input_ids"]))
                for n in names}
        with torch.inference_mode():
            expected = model(**feed).logits.numpy()
        got = session.run(["logits"], {n: v.numpy().astype(np.int64) for n, v in feed.items()})[0]
        if expected.ndim == 3:  # token logits: compare the attended positions (batches differ
            attended = feed["attention_mask"].numpy().astype(bool)  # in width)
            expected, got = expected[attended], got[attended]
        expected_all.append(expected)
        got_all.append(got)
    return measure(expected_all, got_all, bound)


def _write_assets(info: CheckpointInfo, model: Any, assets: Path) -> None:
    assets.mkdir(parents=True, exist_ok=True)
    spm_file = info.family.spm_file
    if spm_file is not None:  # SentencePiece: the .model file itself, under the family's name
        (assets / spm_file).write_bytes(info.vocabulary_bytes())
    else:
        (assets / "vocab.txt").write_bytes(info.vocabulary_bytes())
    if "merges.txt" in info.family.assets:  # BPE: pairs in rank order, no "#version" header
        (assets / "merges.txt").write_text("".join(f"{m}\n" for m in info.merges()),
                                           encoding="utf-8")
    labels = [model.config.id2label[i] for i in range(model.config.num_labels)]
    if tuple(labels) != info.labels:
        raise RuntimeError(f"{info.folder}: transformers reads labels {labels}, "
                           f"config.json says {list(info.labels)}")
    (assets / "labels.txt").write_text("".join(f"{x}\n" for x in labels), encoding="utf-8")


def _quantize(model: Any, tokenizer: Any, names: tuple[str, ...], work: Path,
              texts: list[str], say: Callable[[str], None]
              ) -> tuple[LogitCheck, dict[str, Any]]:
    """Replace work/model.onnx (fp32, already checked) by its int8 dynamic quantization, check
    that against torch with the int8 bound; (its check, manifest fields)."""
    from hf_reference.quantize import MAX_INT8_LOGIT_DELTA, quantize_int8

    fp32, int8 = work / "model.onnx", work / "model.int8.onnx"
    fields = quantize_int8(fp32, int8)
    fields["onnx_fp32_sha256"] = sha256_file(fp32)
    check = check_against_torch(model, tokenizer, int8, names, texts,
                                ExportBound(atol=MAX_INT8_LOGIT_DELTA, rtol=0.0))
    say(f"int8 ONNX vs torch on {len(texts)} texts: {check.line()}")
    if check.max_abs_delta > MAX_INT8_LOGIT_DELTA:
        raise RuntimeError(f"int8 quantization of {fp32}: max |Δlogit| {check.max_abs_delta:.2e}"
                           f" > {MAX_INT8_LOGIT_DELTA:.0e}; the quantized model is broken")
    os.replace(int8, fp32)
    return check, fields


def export_checkpoint(info: CheckpointInfo, out_dir: str | Path, extra_texts: Sequence[str] = (),
                      say: Callable[[str], None] = print, quantize: str = "none",
                      bound: ExportBound = DEFAULT_BOUND) -> ExportResult:
    """Export, check against torch within bound, write assets and manifest into out_dir (built
    beside it and renamed, so a failed or refused export leaves no folder that looks finished).
    quantize "int8" then replaces model.onnx by its int8 dynamic quantization
    (hf_reference.quantize)."""
    import torch

    from hf_reference.quantize import QUANTIZATIONS

    if quantize not in QUANTIZATIONS:
        raise ValueError(f"quantize {quantize!r}: use one of {', '.join(QUANTIZATIONS)}")

    started = time.time()
    out = Path(out_dir)
    work = out.with_name(out.name + ".building")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    torch.manual_seed(0)
    model, tokenizer = _load(info)
    names = info.family.onnx_inputs
    _write_onnx(model, tokenizer, names, work / "model.onnx")
    _write_assets(info, model, work / "assets")
    texts = [*CHECK_TEXTS, *extra_texts]
    check = check_against_torch(model, tokenizer, work / "model.onnx", names, texts, bound)
    say(f"ONNX vs torch on {len(texts)} texts: {check.line()}")
    if not check.passed:
        shutil.rmtree(work, ignore_errors=True)
        refuse_unless_within(check, f"ONNX export of {info.folder}")
    fp32_check = check
    quantized: dict[str, Any] = {"quantization": "none"}
    if quantize != "none":
        check, quantized = _quantize(model, tokenizer, names, work, texts, say)
        quantized["onnx_fp32_max_abs_logit_delta"] = fp32_check.max_abs_delta
    manifest = {
        "family": info.family.name,
        "architecture": type(model).__name__ if _is_token_model(model)
        else info.family.architecture,
        "checkpoint": str(info.folder),
        "checkpoint_sha256": sha256_file(info.files.weights),
        "vocab_sha256": hashlib.sha256(info.vocabulary_bytes()).hexdigest(),
        "labels_sha256": sha256_file(work / "assets" / "labels.txt"),
        **({"merges_sha256": sha256_file(work / "assets" / "merges.txt")}
           if (work / "assets" / "merges.txt").is_file() else {}),
        "onnx_sha256": sha256_file(work / "model.onnx"),
        "labels": list(info.labels),
        "onnx_inputs": list(names),
        "onnx_opset": OPSET,
        "onnx_max_abs_logit_delta": check.max_abs_delta,
        "onnx_check": fp32_check.manifest(),
        "onnx_check_texts": len(texts),
        "libraries": package_versions(LIBRARIES),
        **quantized,
    }
    write_model_manifest(work, manifest)
    shutil.rmtree(out, ignore_errors=True)
    os.replace(work, out)
    return ExportResult(out, check.max_abs_delta, check, time.time() - started, manifest)
