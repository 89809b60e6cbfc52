"""Hugging Face tokenization with character offsets: words, model-input pieces, truncation facts.

Texts are encoded once without truncation, so the piece count before truncation is known; the
model input is then cut the way transformers' `truncation=True` cuts a single sequence: the
first max_length-2 pieces between [CLS] and [SEP]. Offsets are code points, end exclusive, and
leave out a span's leading whitespace (the Hugging Face side of the span rule,
parity_core/families/unicode.py): DeBERTa-v2's fast tokenizer (transformers 5) gives a `▁` piece
the offset of the space before it, where XLM-R's and ALBERT's start at the word, so DeBERTa's
words would read ' Schmidt' against Spark NLP's 'Schmidt'.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from parity_core.families.unicode import trim_leading_space


@dataclass(frozen=True)
class Tokenized:
    """One text as the reference model sees it."""

    words: list[dict[str, Any]]  # text, begin, end
    pieces: list[dict[str, Any]]  # piece, id, begin, end (model input, truncated)
    input_ids: list[int]
    piece_count: int  # pieces before truncation, [CLS] and [SEP] included
    truncated: bool


def load_tokenizer(checkpoint: str | Path, do_lower_case: bool, strip_accents: bool) -> Any:
    """The checkpoint's fast tokenizer, with casing and accent handling set explicitly."""
    from transformers import AutoTokenizer

    logging.getLogger("transformers.tokenization_utils_base").setLevel(logging.ERROR)
    return AutoTokenizer.from_pretrained(
        str(checkpoint),
        do_lower_case=do_lower_case,
        strip_accents=strip_accents,
        local_files_only=True,
        trust_remote_code=False,
    )


def _words_from_pieces(text: str, word_ids: list[int | None], offsets: list[tuple[int, int]]
                       ) -> list[dict[str, Any]]:
    """Group pieces by the word they came from; a word spans its first to last piece."""
    spans: dict[int, list[int]] = {}
    for word_id, (begin, end) in zip(word_ids, offsets):
        if word_id is None:
            continue
        begin, end = trim_leading_space(text, begin, end)
        span = spans.setdefault(word_id, [begin, end])
        span[0] = min(span[0], begin)
        span[1] = max(span[1], end)
    return [
        {"text": text[begin:end], "begin": begin, "end": end}
        for begin, end in (spans[key] for key in sorted(spans))
    ]


def _encode(tokenizer: Any, texts: list[str], offsets: bool) -> Any:
    """The one tokenizer call both paths make: untruncated, special tokens added, so the piece
    count before truncation is known (tokenize_batch, input_ids_batch)."""
    return tokenizer(
        texts,
        add_special_tokens=True,
        truncation=False,
        return_offsets_mapping=offsets,
        return_attention_mask=False,
        return_token_type_ids=False,
        verbose=False,
    )


def kept_positions(count: int, max_length: int) -> list[int]:
    """[CLS] + the first max_length-2 pieces + [SEP]: the positions transformers'
    truncation=True keeps of a single sequence of `count` pieces."""
    return [*range(max_length - 1), count - 1] if count > max_length else list(range(count))


def input_ids_batch(tokenizer: Any, texts: list[str], max_length: int) -> list[list[int]]:
    """The model-input ids of many texts, without words, pieces or offsets: what tokenize_batch
    gives as `input_ids`, at the cost of the tokenizer alone (input-first's input pass)."""
    encodings = _encode(tokenizer, texts, offsets=False)
    out: list[list[int]] = []
    for ids in encodings["input_ids"]:
        out.append([int(ids[i]) for i in kept_positions(len(ids), max_length)])
    return out


def tokenize_batch(tokenizer: Any, texts: list[str], max_length: int) -> list[Tokenized]:
    """Tokenize many texts in one call to the Rust tokenizer (fast path for batches)."""
    encodings = _encode(tokenizer, texts, offsets=True)
    special = set(tokenizer.all_special_ids)
    out: list[Tokenized] = []
    for index, text in enumerate(texts):
        ids: list[int] = encodings["input_ids"][index]
        offsets = encodings["offset_mapping"][index]
        word_ids = encodings.word_ids(index)
        count = len(ids)
        keep = kept_positions(count, max_length)
        tokens = tokenizer.convert_ids_to_tokens([ids[i] for i in keep])
        pieces = []
        for position, token in zip(keep, tokens):
            is_special = ids[position] in special and word_ids[position] is None
            begin, end = trim_leading_space(text, *offsets[position])
            pieces.append(
                {
                    "piece": token,
                    "id": int(ids[position]),
                    "begin": None if is_special else int(begin),
                    "end": None if is_special else int(end),
                }
            )
        out.append(
            Tokenized(
                words=_words_from_pieces(text, word_ids, offsets),
                pieces=pieces,
                input_ids=[int(ids[i]) for i in keep],
                piece_count=count,
                truncated=count > max_length,
            )
        )
    return out
