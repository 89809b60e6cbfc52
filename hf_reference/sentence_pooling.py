"""The poolings of token states into one vector, in torch: one home for their arithmetic.

Used twice, so both mean the same thing: set-up bakes the checkpoint's own pooling into an ONNX
graph (hf_reference/setup_models/sentence_models.py, so a Spark NLP annotator that reads one
output returns the sentence-transformers vector), and the cause re-computation pools the HF
model's own token outputs every way Spark NLP might (hf_reference/sentence_embedding.py).
sentence-transformers itself stays the reference: these formulas are checked against it.
"""

from __future__ import annotations

from typing import Any

import torch


def pool(states: torch.Tensor, mask: torch.Tensor, pooling: str,
         pooler: torch.Tensor | None = None) -> torch.Tensor:
    """[batch, tokens, dim] states and a [batch, tokens] 0/1 mask -> [batch, dim].

    mean: over the mask; mean_with_padding: over every position (a mask of ones, what an
    annotator does when its mask ignores padding); mean_sqrt_len: sum / sqrt(count); cls: the
    first token; max: over the mask; pooler: the model's pooler output (CLS -> dense -> tanh).
    """
    weights = mask.unsqueeze(-1).to(states.dtype)
    if pooling == "cls":
        return states[:, 0]
    if pooling == "pooler":
        if pooler is None:
            raise ValueError("pooler pooling needs the model's pooler output")
        return pooler
    if pooling == "mean_with_padding":
        return states.mean(dim=1)
    if pooling == "max":
        masked = states.masked_fill(weights == 0, torch.finfo(states.dtype).min)
        return masked.max(dim=1).values
    summed = (states * weights).sum(dim=1)
    count = weights.sum(dim=1).clamp(min=1e-9)
    if pooling == "mean":
        return summed / count
    if pooling == "mean_sqrt_len":
        return summed / count.sqrt()
    raise ValueError(f"unknown pooling {pooling!r}")


def normalize(vectors: torch.Tensor) -> torch.Tensor:
    """L2 normalisation as sentence-transformers' Normalize module does it."""
    return torch.nn.functional.normalize(vectors, p=2, dim=1)


class TraceableEmbeddings(torch.nn.Module):
    """BERT's embedding sum (word + token type + position, then LayerNorm) written out.

    torch 2.15's TorchScript ONNX exporter turns transformers 5.23's BertEmbeddings.forward into
    a graph that is right only at the traced batch shape (measured: |Δ| ~5 at another shape);
    the same arithmetic written here exports correctly at every shape. Set-up checks the
    export against torch either way."""

    def __init__(self, embeddings: Any) -> None:
        super().__init__()
        self.inner = embeddings

    def forward(self, input_ids: torch.Tensor | None = None,
                token_type_ids: torch.Tensor | None = None, **_: Any) -> torch.Tensor:
        inner = self.inner
        positions = torch.arange(input_ids.shape[1], device=input_ids.device).unsqueeze(0)
        summed = (inner.word_embeddings(input_ids) + inner.token_type_embeddings(token_type_ids)
                  + inner.position_embeddings(positions))
        return inner.LayerNorm(summed)


def traceable(encoder: Any) -> Any:
    """The encoder with TraceableEmbeddings in place (for export only; weights shared)."""
    if not isinstance(encoder.embeddings, TraceableEmbeddings):
        encoder.embeddings = TraceableEmbeddings(encoder.embeddings)
    return encoder


class PooledEncoder(torch.nn.Module):
    """A BERT-family encoder followed by one pooling (and optionally L2): the sentence vector as
    one graph output, for an ONNX export."""

    def __init__(self, encoder: Any, pooling: str, l2: bool) -> None:
        super().__init__()
        self.encoder, self.pooling, self.l2 = encoder, pooling, l2

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                token_type_ids: torch.Tensor) -> torch.Tensor:
        out = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                           token_type_ids=token_type_ids)
        vectors = pool(out.last_hidden_state, attention_mask, self.pooling,
                       getattr(out, "pooler_output", None))
        return normalize(vectors) if self.l2 else vectors


class TokenEncoder(torch.nn.Module):
    """The encoder's (last_hidden_state, pooler_output) by keyword: the plain export's graph."""

    def __init__(self, encoder: Any) -> None:
        super().__init__()
        self.encoder = encoder

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                token_type_ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                           token_type_ids=token_type_ids)
        return out.last_hidden_state, out.pooler_output
