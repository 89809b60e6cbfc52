"""Why a difference survives every pipeline setting: a rule per hard-coded Spark NLP behaviour.

Each rule reads the row's text, the checkpoint's settings and, for the families beyond BERT,
whether the row's pieces are equal and the family rule the join found (explain/family_rules.py),
and names a behaviour that Spark NLP 5.5.3 fixes in code (read in its sources: BasicTokenizer,
WordpieceEncoder, BpeTokenizer, SentencepieceEncoder, the classifiers' attention mask), so no
parameter of its annotators can change it. The first rule that applies wins; a row no rule
explains is said to be unexplained, never silently dropped.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from spark_pipelines.explain.causes import SPACE_MARKER
from spark_pipelines.explain.family_rules import EVIDENCE, FAMILY_CAUSES

SPARK_ACCENT_RANGE = (0x300, 0x36F)  # BasicTokenizer: \p{InCombiningDiacriticalMarks}
SPARK_MAX_WORD_CHARS = 200  # WordpieceEncoder's maxInputCharsPerWord default (UTF-16 units)
WORD_SPLIT = re.compile(r"[\s\W]+", re.UNICODE)


@dataclass(frozen=True)
class Limits:
    """The checkpoint settings the rules compare Spark NLP's fixed behaviour with."""

    strip_accents: bool
    max_input_chars_per_word: int
    tokenize_chinese_chars: bool
    tokenizer_model: str = "WordPiece"  # checkpoint.Family.tokenizer_model


REASONS = {
    "no_text": "no text to score (empty, only spaces, NBSP included, or null): Spark NLP gives "
               "no label to a document without tokens, where Hugging Face scores [CLS] [SEP]; "
               "a null text neither side scores; no setting makes Spark NLP score it",
    "format_characters": "a zero-width, soft-hyphen or other format/control character inside a "
                         "word: Hugging Face's normalizer deletes it and joins the word, Spark "
                         "NLP's BasicTokenizer keeps format characters (or splits at control "
                         "characters); no tokenizer setting joins the parts back",
    "combining_marks": "a combining mark outside U+0300-U+036F: Hugging Face strips every "
                       "nonspacing mark, Spark NLP's BasicTokenizer only that block (hard-coded)",
    "accents_cased": "accented letters on a checkpoint that keeps accents: Spark NLP's "
                     "BasicTokenizer strips accents whatever caseSensitive says (hard-coded)",
    "long_word": "a word longer than the checkpoint's max_input_chars_per_word: Hugging Face "
                 "gives one [UNK], Spark NLP's WordpieceEncoder allows 200 UTF-16 units "
                 "(hard-coded, no parameter)",
    "chinese_chars": "CJK ideographs on a checkpoint with tokenize_chinese_chars false: Spark "
                     "NLP's BasicTokenizer always splits them one per word",
    "whitespace_chunk": "a line break, tab, second space or trailing space: byte-level BPE gives "
                        "it a piece of its own (Ċ, Ġ), Spark NLP's RoBERTa classifier drops "
                        "every whitespace-only token (tokenizeWithAlignment), so no word "
                        "splitter can pass it on",
    "marker_piece_dropped": "SentencePiece starts this word with a lone ▁ piece (its ▁-prefixed "
                            "form is not in the vocabulary); Spark NLP's SentencepieceEncoder "
                            "drops every piece with the delimiter's id, so the word reaches the "
                            "model without its space marker; fixed in code, no setting changes it",
    **{name: f"{EVIDENCE[name]}; the same pieces reach the model, but this is fixed in "
             "Spark NLP 5.5.3's code: no pipeline setting changes it" for name in FAMILY_CAUSES},
    "unexplained": "no known fixed behaviour explains it: see cause and cause_evidence in rows/",
}


def _has_format_chars(text: str) -> bool:
    return any(unicodedata.category(c) in ("Cf", "Co") or
               (unicodedata.category(c) == "Cc" and c not in "\t\n\r") for c in text)


def _marks(text: str) -> list[int]:
    return [ord(c) for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) == "Mn"]


def _longest_word(text: str) -> int:
    return max((len(w) for w in WORD_SPLIT.split(text)), default=0)


# Whitespace that is not one plain space before a word: a chunk of its own in byte-level BPE.
WHITESPACE_CHUNK = re.compile(r"[^\S ]|\s(?=\s)|\s$")


def reason(text: str | None, limits: Limits, pieces_equal: bool | None = None,
           family_cause: str | None = None, sub_cause: str | None = None) -> str:
    """The key in REASONS of the first fixed behaviour that this row runs into."""
    if text is None or not text.strip():
        return "no_text"
    if pieces_equal and family_cause in FAMILY_CAUSES:
        return str(family_cause)
    if limits.tokenizer_model == "BPE":
        return "whitespace_chunk" if WHITESPACE_CHUNK.search(text) else _family(family_cause)
    if limits.tokenizer_model != "WordPiece":
        if not pieces_equal and sub_cause == SPACE_MARKER:
            return "marker_piece_dropped"
        return _family(family_cause)
    if _has_format_chars(text):
        return "format_characters"
    marks = _marks(text)
    low, high = SPARK_ACCENT_RANGE
    if limits.strip_accents and any(not low <= m <= high for m in marks):
        return "combining_marks"
    if not limits.strip_accents and marks:
        return "accents_cased"
    if limits.max_input_chars_per_word < _longest_word(text) <= SPARK_MAX_WORD_CHARS:
        return "long_word"
    if not limits.tokenize_chinese_chars and re.search(r"[\u4e00-\u9fff\u3400-\u4dbf]", text):
        return "chinese_chars"
    return "unexplained"


def _family(family_cause: str | None) -> str:
    return str(family_cause) if family_cause in FAMILY_CAUSES else "unexplained"
