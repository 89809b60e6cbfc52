"""Score texts into prediction records: every input row yields exactly one record.

Null and non-string texts become `invalid_text` records; empty text is scored (Hugging Face
gives [CLS][SEP] a prediction); an exception in a batch is retried row by row so one bad row
becomes one `error` record instead of a failed task.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hf_reference.inputs import clean_for_tokenizer, model_input
from hf_reference.model import load_model, predict_ids, softmax, takes_token_type_ids
from hf_reference.tokenization import Tokenized, load_tokenizer, tokenize_batch
from parity_core.records import (
    STATUS_ERROR,
    STATUS_INVALID_TEXT,
    STATUS_OK,
    empty_record,
    text_sha256,
)
from parity_core.settings import EffectiveSettings, resolve_threads

# The libraries a Hugging Face run fingerprint names (spark_pipelines/hf/job.py).
LIBRARIES = ("transformers", "tokenizers", "torch", "safetensors")


def numerics_fingerprint(settings: EffectiveSettings) -> dict[str, Any]:
    """How the reference computes: precision, device (with the GPU's name), torch and
    transformers versions; recorded so two environments' runs say how they differ."""
    from hf_reference.versions import package_version

    device_name = "cpu"
    if settings.device == "cuda":  # only a GPU's name needs torch imported in the driver
        import torch

        device_name = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu"
    return {"precision": settings.precision, "device": settings.device,
            "device_name": device_name, "torch": package_version("torch"),
            "transformers": package_version("transformers")}


class ReferenceScorer:
    """Tokenizer + model of one checkpoint, loaded once, used for many batches."""

    def __init__(self, settings: EffectiveSettings, threads: int | None = None) -> None:
        self.settings = settings
        self.threads = threads or resolve_threads(settings)
        self.tokenizer = load_tokenizer(
            settings.checkpoint, settings.do_lower_case, settings.strip_accents
        )
        self.model = load_model(settings.checkpoint, self.threads, settings.precision,
                                settings.device)
        self.with_types = takes_token_type_ids(self.model)
        labels = tuple(self.model.config.id2label[i] for i in range(self.model.config.num_labels))
        if labels != settings.labels:
            raise ValueError(f"checkpoint labels {labels} differ from settings {settings.labels}")

    def score(self, ids: list[str], texts: list[Any]) -> list[dict[str, Any]]:
        """One record per (id, text), in input order."""
        records: list[dict[str, Any] | None] = [None] * len(ids)
        valid: list[int] = []
        for index, text in enumerate(texts):
            if text is None or (isinstance(text, float) and np.isnan(text)):
                records[index] = empty_record(ids[index], STATUS_INVALID_TEXT, "text is null")
            elif not isinstance(text, str):
                records[index] = empty_record(
                    ids[index], STATUS_INVALID_TEXT,
                    f"text is {type(text).__name__}, not a string: {str(text)[:40]!r}",
                )
            else:
                valid.append(index)
        try:
            scored = self._score_valid([ids[i] for i in valid], [texts[i] for i in valid])
        except Exception:  # one bad row must not sink the batch: retry one by one
            scored = [self._score_one(ids[i], texts[i]) for i in valid]
        for index, record in zip(valid, scored):
            records[index] = record
        return [r for r in records if r is not None]

    def _score_one(self, record_id: str, text: str) -> dict[str, Any]:
        try:
            return self._score_valid([record_id], [text])[0]
        except Exception as exc:
            record = empty_record(record_id, STATUS_ERROR, f"{type(exc).__name__}: {exc}"[:500])
            record["text_sha256"] = text_sha256(text)
            record["text_length"] = len(text)
            return record

    def _score_valid(self, ids: list[str], texts: list[str]) -> list[dict[str, Any]]:
        if not ids:
            return []
        tokenized = tokenize_batch(
            self.tokenizer, [clean_for_tokenizer(t) for t in texts], self.settings.max_length
        )
        logits = predict_ids(
            self.model, [t.input_ids for t in tokenized], self.settings.hf_batch_size
        )
        probabilities = softmax(logits)
        return [
            self._record(record_id, text, tok, row_logits, row_probs)
            for record_id, text, tok, row_logits, row_probs in zip(
                ids, texts, tokenized, logits, probabilities
            )
        ]

    def _record(self, record_id: str, text: str, tok: Tokenized, logits: np.ndarray,
                probabilities: np.ndarray) -> dict[str, Any]:
        label_id = int(np.argmax(logits))
        return {
            "id": record_id,
            "status": STATUS_OK,
            "error": None,
            "text_sha256": text_sha256(text),
            "text_length": len(text),
            "words": tok.words,
            "pieces": tok.pieces,
            "pieces_note": None,
            "piece_count": tok.piece_count,
            "truncated": tok.truncated,
            "label": self.settings.labels[label_id],
            "label_id": label_id,
            "probabilities": [float(p) for p in probabilities],
            "logits": [float(x) for x in logits],
            # predict_ids feeds these: every position attended, token types all 0 (BERT only).
            **dict(zip(("input_ids", "attention_mask", "token_type_ids"),
                       model_input(tok, self.with_types))),
        }

    def score_ids(self, sequences: list[list[int]], masks: list[list[int]] | None = None,
                  type_ids: list[list[int] | None] | None = None
                  ) -> tuple[np.ndarray, np.ndarray]:
        """(logits, probabilities) for given model-input ids (and, when given, the exact
        attention masks and token type ids another side fed): the counterfactual re-run."""
        logits = predict_ids(self.model, sequences, self.settings.hf_batch_size, masks, type_ids)
        return logits, softmax(logits)
