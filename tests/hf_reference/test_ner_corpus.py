"""The NER corpus set-up builds: reproducible, spans on their entity text, the characters a
deployment trips on, and BIO labels on a real tokenizer's pieces."""

from __future__ import annotations

import os
import subprocess
import sys

from hf_reference.setup_models import ner_corpus
from parity_core.config import cache_dir
from tests.support.paths import REPO


def _digest_in_process(hash_seed: str) -> str:
    code = ("import hashlib; from hf_reference.setup_models import ner_corpus; "
            "print(hashlib.sha256(repr(list(ner_corpus.generate(150, 7))).encode()).hexdigest())")
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          check=True).stdout.strip()


def test_the_corpus_is_the_same_in_every_process() -> None:
    """Seeded Faker alone is not enough: a locale whose provider iterates a set changes with
    PYTHONHASHSEED (it_IT did); two processes with other hash seeds must write the same rows."""
    assert _digest_in_process("1") == _digest_in_process("2")


def test_spans_cover_their_entities_and_carry_hard_characters() -> None:
    first = list(ner_corpus.generate(200, seed=7))
    assert first != list(ner_corpus.generate(200, seed=8))
    for sentence in first:
        for start, end, kind in sentence.entities:
            value = sentence.text[start:end]
            assert value == value.strip() and value and kind in ner_corpus.TYPES
    entities = [s.text[a:b] for s in first for a, b, _ in s.entities]
    for mark in ("'", "-", "&", "Inc."):
        assert any(mark in e for e in entities), mark
    assert any(any(ord(c) > 127 for c in e) for e in entities)  # accents


def test_pieces_get_bio_labels_from_their_offsets() -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(
        str(cache_dir() / "models" / "cased_bert" / "checkpoint"), local_files_only=True)
    text = "Seán O'Connell works at AT&T."
    entities = ((0, 14, "PER"), (24, 28, "ORG"))
    enc = tokenizer(text, return_offsets_mapping=True, return_special_tokens_mask=True)
    ids = ner_corpus.piece_labels([tuple(o) for o in enc["offset_mapping"]], entities,
                                  [bool(x) for x in enc["special_tokens_mask"]])
    labels = [None if i == -100 else ner_corpus.LABELS[i] for i in ids]
    pieces = tokenizer.convert_ids_to_tokens(enc["input_ids"])
    assert labels[0] is None and labels[-1] is None  # [CLS], [SEP]
    by_piece = list(zip(pieces[1:-1], labels[1:-1]))
    assert by_piece[0][1] == "B-PER"
    assert all(label == "I-PER" for _, label in by_piece[1:by_piece.index(("works", "O"))])
    org = [label for piece, label in by_piece if label and label.endswith("ORG")]
    assert org[0] == "B-ORG" and set(org[1:]) == {"I-ORG"}
    assert by_piece[-1] == (".", "O")
