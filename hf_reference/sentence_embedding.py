"""The sentence-embedding reference (sentence-transformers itself) and the cause re-computations.

reference(): sentence-transformers runs the folder with its own pooling, Normalize and
max_seq_length; one record per row (vector float32, dimension, norm, pieces, ids). A blank text
is embedded as sentence-transformers embeds it ([CLS][SEP]), as the classifier's reference
scores it; a null or non-string text (None here) is `invalid_text` with no vector, as for the
classifier.

candidates(): the HF model's own token outputs (last_hidden_state, pooler_output) pooled every
way a Spark NLP annotator might (hf_reference/sentence_pooling.py), with and without L2, at the
reference's max length and at Spark NLP's default 128, plus the flattened token matrix (what
BertSentenceEmbeddings returns on a token export). The join names the candidate that reproduces
Spark NLP's vector: that is the cause, proven by re-computation.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from parity_core.records import STATUS_INVALID_TEXT
from parity_core.tasks.sentence_embedding import POOLINGS, read_spec

SPARKNLP_DEFAULT_MAX_LENGTH = 128
BATCH = 32


def _st_model(folder: str | Path) -> Any:
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(folder), device="cpu", local_files_only=True)


def reference(folder: str | Path, ids: Sequence[str], texts: Sequence[str | None]
              ) -> list[dict[str, Any]]:
    """One record per row: sentence-transformers' vector with the folder's own settings."""
    model = _st_model(folder)
    tokenizer = model.tokenizer
    present = [i for i, t in enumerate(texts) if t is not None]
    vectors = model.encode([texts[i] for i in present], batch_size=BATCH,
                           convert_to_numpy=True).astype(np.float32)
    by_row = dict(zip(present, vectors))
    records = []
    for i, (row_id, text) in enumerate(zip(ids, texts)):
        vector = by_row.get(i)
        if vector is None:
            records.append({"id": row_id, "status": STATUS_INVALID_TEXT, "vector": None,
                            "dimension": None, "norm": None, "pieces": None,
                            "input_ids": None})
            continue
        encoded = tokenizer(text, truncation=True, max_length=model.max_seq_length)
        records.append({"id": row_id, "status": "ok", "vector": vector.tolist(),
                        "dimension": int(vector.shape[0]),
                        "norm": float(np.linalg.norm(vector.astype(np.float64))),
                        "pieces": tokenizer.convert_ids_to_tokens(encoded["input_ids"]),
                        "input_ids": list(encoded["input_ids"])})
    return records


def _token_outputs(encoder: Any, tokenizer: Any, texts: Sequence[str], max_length: int,
                   pad_to: int | None = None) -> tuple[Any, Any, Any]:
    import torch

    padding = "max_length" if pad_to else True
    batch = tokenizer(list(texts), truncation=True, max_length=pad_to or max_length,
                      padding=padding, return_tensors="pt")
    if pad_to:  # keep the text's own truncation (max_length), pad to the batch's length
        kept = tokenizer(list(texts), truncation=True, max_length=max_length)["input_ids"]
        for row, ids in enumerate(kept):
            batch["input_ids"][row, len(ids):] = tokenizer.pad_token_id
            batch["attention_mask"][row, len(ids):] = 0
    with torch.inference_mode():
        out = encoder(**batch)
    return out.last_hidden_state, out.pooler_output, batch["attention_mask"]


def load_encoder(folder: str | Path) -> tuple[Any, Any]:
    """The checkpoint's transformer and tokenizer (token outputs for the re-computations)."""
    from transformers import AutoModel, AutoTokenizer

    encoder = AutoModel.from_pretrained(str(folder), local_files_only=True).eval()
    return encoder, AutoTokenizer.from_pretrained(str(folder), local_files_only=True)


def candidates(model: tuple[Any, Any], texts: Sequence[str], max_lengths: Sequence[int]
               ) -> dict[str, np.ndarray]:
    """name -> [rows, dim] float32: every pooling x {raw, l2} x max length, from token outputs."""
    from hf_reference.sentence_pooling import normalize, pool

    encoder, tokenizer = model
    found: dict[str, list[np.ndarray]] = {}
    for start in range(0, len(texts), BATCH):
        chunk = texts[start:start + BATCH]
        for length in max_lengths:
            states, pooler, mask = _token_outputs(encoder, tokenizer, chunk, length)
            for pooling in POOLINGS:
                pooled = pool(states, mask, pooling, pooler)
                for l2, vectors in ((False, pooled), (True, normalize(pooled))):
                    name = f"{pooling}{'+l2' if l2 else ''}@{length}"
                    found.setdefault(name, []).append(vectors.numpy().astype(np.float32))
    return {name: np.concatenate(parts) for name, parts in found.items()}


def flattened_tokens(model: tuple[Any, Any], texts: Sequence[str], max_length: int,
                     padded_to: int) -> np.ndarray:
    """Each row's token matrix padded to `padded_to` positions and flattened ([rows, padded_to
    x dim]): what BertSentenceEmbeddings returns when it reads a token output."""
    encoder, tokenizer = model
    parts = []
    for start in range(0, len(texts), BATCH):
        states, _, _ = _token_outputs(encoder, tokenizer, texts[start:start + BATCH],
                                      max_length, pad_to=padded_to)
        parts.append(states.numpy().astype(np.float32).reshape(states.shape[0], -1))
    return np.concatenate(parts)


def spec_of(folder: str | Path) -> dict[str, Any]:
    return read_spec(folder).as_dict()


def padded_means(model: tuple[Any, Any], texts: Sequence[str], max_length: int,
                 up_to: int) -> list[np.ndarray]:
    """Per row, [positions, dim]: the mean over the first L positions for every L from the
    row's own length to `up_to`, padding included (L2-normalised), i.e. what an annotator that
    averages its batch's padding returns when the batch's longest row has L pieces.

    One forward padded to `up_to` serves every L: with the padding masked out of attention,
    the real tokens' states do not depend on L and a pad position's state depends only on its
    own position, so the first L positions of the long forward are the L-padded forward's."""
    import torch

    encoder, tokenizer = model
    out = []
    for start in range(0, len(texts), BATCH):
        chunk = texts[start:start + BATCH]
        states, _, mask = _token_outputs(encoder, tokenizer, chunk, max_length, pad_to=up_to)
        sums = torch.cumsum(states, dim=1)
        for row in range(states.shape[0]):
            own = int(mask[row].sum())
            lengths = torch.arange(own, up_to + 1).unsqueeze(-1).to(states.dtype)
            means = sums[row, own - 1:] / lengths
            out.append(torch.nn.functional.normalize(means, dim=-1).numpy().astype(np.float32))
    return out


def on_pieces(model: tuple[Any, Any], piece_ids: Sequence[Sequence[int]], max_length: int,
              pooling: str, l2: bool, pad_to: int | None = None) -> list[np.ndarray]:
    """The HF model re-run on given word-piece ids (Spark NLP's): [CLS] + the first
    max_length - 2 ids + [SEP], pooled as `pooling` (+ L2), or, with pad_to, the token matrix
    padded to pad_to positions and flattened (BertSentenceEmbeddings on a token export)."""
    import torch

    from hf_reference.sentence_pooling import normalize, pool

    encoder, tokenizer = model
    rows = [[tokenizer.cls_token_id, *list(ids)[: max_length - 2], tokenizer.sep_token_id]
            for ids in piece_ids]
    out: list[np.ndarray] = []
    for start in range(0, len(rows), BATCH):
        chunk = rows[start:start + BATCH]
        width = pad_to or max(len(r) for r in chunk)
        ids = torch.zeros((len(chunk), width), dtype=torch.long)
        mask = torch.zeros_like(ids)
        for i, row in enumerate(chunk):
            ids[i, :len(row)], mask[i, :len(row)] = torch.tensor(row), 1
        with torch.inference_mode():
            result = encoder(input_ids=ids, attention_mask=mask,
                             token_type_ids=torch.zeros_like(ids))
        if pad_to:
            flat = result.last_hidden_state.reshape(len(chunk), -1)
            out.extend(flat.numpy().astype(np.float32))
            continue
        vectors = pool(result.last_hidden_state, mask, pooling, result.pooler_output)
        vectors = normalize(vectors) if l2 else vectors
        out.extend(vectors.numpy().astype(np.float32))
    return out


def batch_first_mask(model: tuple[Any, Any], batches: Sequence[Sequence[Sequence[int]]]
                     ) -> dict[str, list[np.ndarray]]:
    """name -> one vector per row, batch after batch: the HF model run on each batch as a whole
    and pooled the way E5Embeddings 5.5.3 pools its ONNX output (measured: it reproduces 120
    of 120 rows, jobs/sentence_embedding.py). Each row is [CLS] + its piece ids + [SEP]
    (`batches` holds the ids with both), padded to the batch's longest row with the padding
    masked out of attention; every row is then averaged over the FIRST row's positions (the
    annotator's pooling reads the first row's attention mask for the whole batch): a shorter
    row averages padding in, a longer row loses its tail. Names: `mean` and `mean+l2`."""
    import torch

    from hf_reference.sentence_pooling import normalize

    encoder, _ = model
    found: dict[str, list[np.ndarray]] = {}
    for batch in batches:
        width = max(len(row) for row in batch)
        ids = torch.zeros((len(batch), width), dtype=torch.long)
        mask = torch.zeros_like(ids)
        for i, row in enumerate(batch):
            ids[i, :len(row)], mask[i, :len(row)] = torch.tensor(list(row)), 1
        with torch.inference_mode():
            states = encoder(input_ids=ids, attention_mask=mask,
                             token_type_ids=torch.zeros_like(ids)).last_hidden_state
        pooled = states[:, :len(batch[0])].mean(dim=1)
        for name, vectors in (("mean", pooled), ("mean+l2", normalize(pooled))):
            found.setdefault(name, []).extend(vectors.numpy().astype(np.float32))
    return found
