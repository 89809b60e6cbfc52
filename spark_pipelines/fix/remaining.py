"""Why a difference survives every pipeline setting: a rule per hard-coded Spark NLP behaviour.

Each rule reads the row's text, the checkpoint's settings and, for the families beyond BERT,
whether the row's pieces are equal and the family rule the join found (explain/family_rules.py),
and names a behaviour that Spark NLP 5.5.3 fixes in code (read in its sources: BasicTokenizer,
WordpieceEncoder, BpeTokenizer, SentencepieceEncoder, the classifiers' attention mask), so no
parameter of its annotators can change it. The first rule that applies wins; a row no rule
explains is said to be unexplained, never silently dropped. Each reason's text is its
family's (parity_core/families/), the character classes are parity_core/families/unicode.py's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from parity_core.families import FAMILY_CAUSES, RULES, bert, roberta, sentencepiece
from parity_core.families.unicode import is_format_character, nonspacing_marks
from spark_pipelines.explain.causes import (
    ACCENTS_CASED,
    CHINESE_CHARS,
    COMBINING_MARKS,
    FORMAT_CHARACTERS,
    LONG_WORD,
    MARKER_PIECE_DROPPED,
    NO_TEXT,
    SPACE_MARKER,
    UNEXPLAINED,
    WHITESPACE_CHUNK,
)

# Words as the long-word rule counts them: runs between Python whitespace or non-word characters.
WORD_SPLIT = re.compile(r"[\s\W]+", re.UNICODE)


@dataclass(frozen=True)
class Limits:
    """The checkpoint settings the rules compare Spark NLP's fixed behaviour with."""

    strip_accents: bool
    max_input_chars_per_word: int
    tokenize_chinese_chars: bool
    tokenizer_model: str = "WordPiece"  # checkpoint.Family.tokenizer_model


REASONS = {
    NO_TEXT: "no text to score (empty, only spaces, NBSP included, or null): Spark NLP gives "
               "no label to a document without tokens, where Hugging Face scores [CLS] [SEP]; "
               "a null text neither side scores; no setting makes Spark NLP score it",
    **bert.REMAINING,
    **roberta.REMAINING,
    **sentencepiece.REMAINING,
    **{name: RULES[name].unfixable_reason for name in FAMILY_CAUSES},
    UNEXPLAINED: "no known fixed behaviour explains it: see cause and cause_evidence in rows/",
}


def _has_format_chars(text: str) -> bool:
    return any(is_format_character(c) for c in text)


def _longest_word(text: str) -> int:
    return max((len(w) for w in WORD_SPLIT.split(text)), default=0)


def reason(text: str | None, limits: Limits, pieces_equal: bool | None = None,
           family_cause: str | None = None, sub_cause: str | None = None) -> str:
    """The key in REASONS of the first fixed behaviour that this row runs into."""
    if text is None or not text.strip():
        return NO_TEXT
    if pieces_equal and family_cause in FAMILY_CAUSES:
        return str(family_cause)
    if limits.tokenizer_model == "BPE":
        if roberta.WHITESPACE_CHUNK.search(text):
            return WHITESPACE_CHUNK
        return _family(family_cause)
    if limits.tokenizer_model != "WordPiece":
        if not pieces_equal and sub_cause == SPACE_MARKER:
            return MARKER_PIECE_DROPPED
        return _family(family_cause)
    if _has_format_chars(text):
        return FORMAT_CHARACTERS
    marks = nonspacing_marks(text)
    low, high = bert.SPARK_ACCENT_RANGE
    if limits.strip_accents and any(not low <= m <= high for m in marks):
        return COMBINING_MARKS
    if not limits.strip_accents and marks:
        return ACCENTS_CASED
    if limits.max_input_chars_per_word < _longest_word(text) <= bert.SPARK_MAX_WORD_CHARS:
        return LONG_WORD
    if not limits.tokenize_chinese_chars and re.search(bert.CJK_COMMON, text):
        return CHINESE_CHARS
    return UNEXPLAINED


def _family(family_cause: str | None) -> str:
    return str(family_cause) if family_cause in FAMILY_CAUSES else UNEXPLAINED
