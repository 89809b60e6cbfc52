"""The reference model: safetensors weights only, no remote code, batched CPU inference.

Any supported sequence-classification family loads (AutoModelForSequenceClassification;
parity_core.checkpoint says which); token_type_ids are passed only to models that take them
(BERT does, DistilBERT does not), as Spark NLP feeds each family's ONNX model.

Batches are sorted by length so padding is small, and run under torch.inference_mode. The model
runs in the configured precision (fp32, bf16, fp16) on the configured device (cpu, cuda);
logits come back as float64 numpy either way.
`predict_ids` takes model-input ids from anywhere, which is what the counterfactual check uses
to re-run the reference model on the other framework's pieces.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import numpy as np

DTYPES = {"fp32": "float32", "bf16": "bfloat16", "fp16": "float16"}


def check_numerics(precision: str, device: str) -> None:
    """Refuse, naming the setting and the fix, a precision or device this torch cannot run: cuda
    without a CUDA device, bf16 on a GPU without bf16, or a dtype whose basic ops fail here.
    fp32 on cpu, the default, is what every torch build runs: no probe, so the job's driver
    does not import torch for it (seconds of its fixed cost)."""
    from parity_core.errors import ConfigError

    if precision not in DTYPES:
        raise ConfigError(f"inference.precision {precision!r}: use one of {', '.join(DTYPES)}")
    if precision == "fp32" and device == "cpu":
        return
    import torch

    if device == "cuda" and not torch.cuda.is_available():
        raise ConfigError("inference.device cuda: this torch "
                          f"({torch.__version__}) sees no CUDA device; use device cpu")
    if device not in ("cpu", "cuda"):
        raise ConfigError(f"inference.device {device!r}: use cpu or cuda")
    if device == "cuda" and precision == "bf16" and not torch.cuda.is_bf16_supported():
        raise ConfigError("inference.precision bf16: this GPU does not support bfloat16; use "
                          "fp16 or fp32")
    dtype = getattr(torch, DTYPES[precision])
    try:  # the ops a BERT layer needs, in that dtype on that device
        x = torch.ones((2, 8), dtype=dtype, device=device)
        torch.nn.functional.layer_norm(torch.softmax(x @ x.T, -1), (2,))
    except RuntimeError as exc:
        raise ConfigError(f"inference.precision {precision} on {device}: torch cannot run it "
                          f"({exc}); use fp32") from exc


def load_model(checkpoint: str | Path, threads: int, precision: str = "fp32",
               device: str = "cpu") -> Any:
    import torch
    from transformers import AutoModelForSequenceClassification

    check_numerics(precision, device)
    torch.set_num_threads(threads)
    folder = Path(checkpoint)
    if not (folder / "model.safetensors").is_file():
        raise FileNotFoundError(
            f"model.checkpoint {folder}: model.safetensors missing (pickle weights are refused)"
        )
    model = AutoModelForSequenceClassification.from_pretrained(
        str(folder), use_safetensors=True, local_files_only=True, trust_remote_code=False
    )
    return model.to(device=device, dtype=getattr(torch, DTYPES[precision])).eval()


def takes_token_type_ids(model: Any) -> bool:
    """Whether the model's forward accepts token_type_ids (BERT yes, DistilBERT no)."""
    return "token_type_ids" in inspect.signature(model.forward).parameters


def predict_ids(model: Any, sequences: list[list[int]], batch_size: int,
                masks: list[list[int]] | None = None,
                type_ids: list[list[int] | None] | None = None) -> np.ndarray:
    """Logits for each id sequence, in input order; batches are length-sorted.

    Without `masks` every position of a sequence is attended (what Hugging Face feeds); with
    them, each row's own mask (another side's exact model input, e.g. Spark NLP's `id != 0`),
    and likewise its token type ids. Padding is always masked out.
    """
    import torch

    logits = np.zeros((len(sequences), model.config.num_labels), dtype=np.float64)
    with_types = takes_token_type_ids(model)
    order = sorted(range(len(sequences)), key=lambda i: len(sequences[i]))
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            chunk = order[start:start + batch_size]
            width = max(len(sequences[i]) for i in chunk)
            ids = torch.zeros((len(chunk), width), dtype=torch.long)
            mask = torch.zeros((len(chunk), width), dtype=torch.long)
            for row, index in enumerate(chunk):
                seq = sequences[index]
                ids[row, : len(seq)] = torch.tensor(seq, dtype=torch.long)
                given = masks[index] if masks is not None else None
                mask[row, : len(seq)] = (torch.tensor(given, dtype=torch.long)
                                         if given is not None else 1)
            inputs = {"input_ids": ids.to(model.device), "attention_mask": mask.to(model.device)}
            if with_types:
                types = torch.zeros_like(ids)
                for row, index in enumerate(chunk):
                    given = type_ids[index] if type_ids is not None else None
                    if given is not None:
                        types[row, : len(given)] = torch.tensor(given, dtype=torch.long)
                inputs["token_type_ids"] = types.to(model.device)
            out = model(**inputs).logits
            logits[chunk] = out.double().cpu().numpy()
    return logits


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)
