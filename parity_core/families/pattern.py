"""The RegexTokenizer pattern whose tokens are the words a checkpoint's Hugging Face tokenizer
sees (`hfparity fix` proposes it; the audit recognises it).

Spark NLP's classifiers tokenize each token they are given on its own, so the word splitter in
front of them decides what reaches the model. One pattern per tokenizer model, each stated (and
explained) in its family's module: WordPiece in bert.py, byte-level BPE in roberta.py,
SentencePiece (whitespace) in sentencepiece.py. The names below are re-exported for the tests
and fix code that import them from here.
"""

from __future__ import annotations

from parity_core.families import FAMILIES
from parity_core.families.bert import ASCII_PUNCTUATION, CJK_RANGES, basic_tokenizer_pattern
from parity_core.families.roberta import CONTRACTIONS, byte_level_bpe_pattern
from parity_core.families.sentencepiece import WHITESPACE_PATTERN
from parity_core.settings import EffectiveSettings

__all__ = ["ASCII_PUNCTUATION", "CJK_RANGES", "CONTRACTIONS", "WHITESPACE_PATTERN",
           "basic_tokenizer_pattern", "byte_level_bpe_pattern", "family_pattern",
           "tokenizer_model", "word_split_pattern"]


def word_split_pattern(model: str, tokenize_chinese_chars: bool = True) -> str:
    """The RegexTokenizer pattern for a family's tokenizer model (Family.tokenizer_model)."""
    if model == "BPE":
        return byte_level_bpe_pattern()
    if model == "Unigram":
        return WHITESPACE_PATTERN
    return basic_tokenizer_pattern(tokenize_chinese_chars)


def family_pattern(settings: EffectiveSettings) -> str:
    """The RegexTokenizer pattern that gives the checkpoint's family its Hugging Face words."""
    return word_split_pattern(tokenizer_model(settings), settings.tokenize_chinese_chars)


def tokenizer_model(settings: EffectiveSettings) -> str:
    """WordPiece, BPE or Unigram: the checkpoint family's tokenizer model."""
    family = FAMILIES.get(settings.family)
    return "WordPiece" if family is None else family.tokenizer_model
