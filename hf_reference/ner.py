"""The Hugging Face side of a token-classification (NER) check, and its counterfactual.

Per word: the words are the deployment's (Spark NLP's token spans, code points, end exclusive),
so both sides label the same units. A word's Hugging Face label and probabilities are those of
the first piece whose offset starts inside the word: what the pipeline's "first" aggregation
reads, and the piece Spark NLP labels a word by. Pieces past the tokenizer's limit leave their
words without output (`None`), never a guess.

Entities: the token-classification pipeline's own grouping, with the aggregation strategy the
report names (conf: `ner.aggregation`, "first" by default).

Counterfactual: the same torch model on Spark NLP's exact model input (its input_ids,
attention_mask, token_type_ids, from Spark NLP's own tokenizer code) gives per-position
probabilities; the caller reads them at the positions Spark NLP reads, so when they reproduce
Spark NLP's probabilities the difference is proven to come from the input, not the runtime.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from parity_core.families.unicode import trim_leading_space
from parity_core.tasks.token_classification import DEFAULT_AGGREGATION

Span = tuple[int, int]


@dataclass(frozen=True)
class WordOutput:
    """One word's output: label and probabilities in label order (None: no output), and the
    pieces the tokenizer made of it."""

    label: str | None
    probs: list[float] | None
    pieces: list[str]
    piece_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class RowOutput:
    """One row's outputs per word, and the model input Hugging Face built for it."""

    words: list[WordOutput]
    input_ids: list[int]


@dataclass
class NerModel:
    """A loaded token classifier, its tokenizer and its label names in id order."""

    model: Any
    tokenizer: Any
    labels: list[str]
    max_length: int

    @classmethod
    def load(cls, checkpoint: str, max_length: int | None = None) -> NerModel:
        import torch
        from transformers import AutoModelForTokenClassification, AutoTokenizer

        torch.manual_seed(0)
        model = AutoModelForTokenClassification.from_pretrained(
            checkpoint, local_files_only=True, use_safetensors=True).eval()
        tokenizer = AutoTokenizer.from_pretrained(checkpoint, local_files_only=True)
        labels = [model.config.id2label[i] for i in range(model.config.num_labels)]
        limit = max_length or min(int(tokenizer.model_max_length),
                                  int(model.config.max_position_embeddings))
        return cls(model, tokenizer, labels, limit)

    def _probs(self, feed: dict[str, Any]) -> np.ndarray:
        import torch

        with torch.inference_mode():
            logits = self.model(**feed).logits
        return torch.softmax(logits.float(), dim=-1).numpy()

    def words(self, texts: Sequence[str], words: Sequence[Sequence[Span]], batch: int = 16
              ) -> list[RowOutput]:
        """Per row, each word's output from the first piece starting inside it (batched, padded
        on the right: padding changes no attended position's logits beyond float noise)."""
        out = []
        for at in range(0, len(texts), batch):
            enc = self.tokenizer(list(texts[at:at + batch]), truncation=True, padding=True,
                                 max_length=self.max_length, return_offsets_mapping=True,
                                 return_special_tokens_mask=True, return_tensors="pt")
            offsets = enc.pop("offset_mapping").tolist()
            special = enc.pop("special_tokens_mask").tolist()
            probs = self._probs(dict(enc))
            for row in range(probs.shape[0]):
                kept = int(enc["attention_mask"][row].sum())
                ids = enc["input_ids"][row][:kept].tolist()
                out.append(self._row(texts[at + row], words[at + row], offsets[row][:kept],
                                     special[row][:kept], probs[row], ids))
        return out

    def _row(self, text: str, words: Sequence[Span], offsets: list[list[int]],
             special: list[int], probs: np.ndarray, ids: list[int]) -> RowOutput:
        """Each word's pieces are those whose span (the span rule: leading whitespace left out,
        as DeBERTa-v2's tokenizer gives a `▁` piece the space before it) starts inside it."""
        tokens = self.tokenizer.convert_ids_to_tokens(ids)
        spans = [trim_leading_space(text, s, e) for s, e in offsets]
        starts = [(i, s) for i, (s, e) in enumerate(spans) if not special[i] and e > s]
        out = []
        for begin, end in words:
            inside = [i for i, s in starts if begin <= s < end]
            if not inside:
                out.append(WordOutput(None, None, []))
                continue
            first = probs[inside[0]]
            out.append(WordOutput(self.labels[int(first.argmax())], [float(p) for p in first],
                                  [tokens[i] for i in inside], [ids[i] for i in inside]))
        return RowOutput(out, ids)

    def on_inputs(self, inputs: Sequence[tuple[list[int], list[int], list[int] | None]],
                  names: Sequence[str], batch: int = 16) -> list[np.ndarray]:
        """Per-position probabilities on exact model inputs (the counterfactual), batched with
        pad id 0 and mask 0 past each input, as Spark NLP batches them."""
        import torch

        out = []
        for at in range(0, len(inputs), batch):
            chunk = inputs[at:at + batch]
            width = max(len(ids) for ids, _, _ in chunk)

            def padded(rows: list[list[int]], width: int = width) -> Any:
                return torch.tensor([r + [0] * (width - len(r)) for r in rows], dtype=torch.long)

            feed = {"input_ids": padded([list(c[0]) for c in chunk]),
                    "attention_mask": padded([list(c[1]) for c in chunk])}
            if "token_type_ids" in names:
                feed["token_type_ids"] = padded([list(c[2] or [0] * len(c[0])) for c in chunk])
            probs = self._probs(feed)
            out.extend(probs[row, :len(chunk[row][0])] for row in range(len(chunk)))
        return out


def entities(checkpoint: str, texts: Sequence[str], aggregation: str = DEFAULT_AGGREGATION,
             batch_size: int = 32) -> list[list[tuple[int, int, str, float]]]:
    """The HF token-classification pipeline's grouped entities per text: (start, end, type,
    score), spans by the span rule (leading whitespace left out: DeBERTa-v2's offsets give an
    entity's first `▁` piece the space before it); the pipeline truncates nothing itself, so
    texts past the model's limit are split by its stride-less default (an error): callers pass
    texts within the limit."""
    from transformers import pipeline

    tagger = pipeline("token-classification", model=checkpoint,
                      aggregation_strategy=aggregation, device="cpu")
    found = tagger(list(texts), batch_size=batch_size)
    return [[(*trim_leading_space(text, int(e["start"]), int(e["end"])), str(e["entity_group"]),
              float(e["score"])) for e in row] for text, row in zip(texts, found)]
