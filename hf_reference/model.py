"""The reference model: safetensors weights only, no remote code, batched CPU inference.

Any supported sequence-classification family loads (AutoModelForSequenceClassification;
parity_core.checkpoint says which); token_type_ids are passed only to models that take them
(BERT does, DistilBERT does not), as Spark NLP feeds each family's ONNX model.

Batches are sorted by length so padding is small, and run under torch.inference_mode.
`predict_ids` takes model-input ids from anywhere, which is what the counterfactual check uses
to re-run the reference model on the other framework's pieces.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import numpy as np


def load_model(checkpoint: str | Path, threads: int) -> Any:
    import torch
    from transformers import AutoModelForSequenceClassification

    torch.set_num_threads(threads)
    folder = Path(checkpoint)
    if not (folder / "model.safetensors").is_file():
        raise FileNotFoundError(
            f"model.checkpoint {folder}: model.safetensors missing (pickle weights are refused)"
        )
    model = AutoModelForSequenceClassification.from_pretrained(
        str(folder), use_safetensors=True, local_files_only=True, trust_remote_code=False
    )
    return model.eval()


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
            inputs = {"input_ids": ids, "attention_mask": mask}
            if with_types:
                types = torch.zeros_like(ids)
                for row, index in enumerate(chunk):
                    given = type_ids[index] if type_ids is not None else None
                    if given is not None:
                        types[row, : len(given)] = torch.tensor(given, dtype=torch.long)
                inputs["token_type_ids"] = types
            out = model(**inputs).logits
            logits[chunk] = out.double().numpy()
    return logits


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)
