"""BERT and DistilBERT (WordPiece): every Spark NLP 5.5.3 fact about them.

Spark NLP's BertClassification / DistilBertClassification run their own BasicTokenizer on each
token and keep only its first word (result.head), then WordpieceEncoder. Read in the 5.5.3
sources: BasicTokenizer strips accents (NFD, drops U+0300-U+036F only) whatever caseSensitive
says, always splits CJK ideographs, keeps format characters; WordpieceEncoder allows 200 UTF-16
units a word (no parameter).

The fix's word split (RegexTokenizer, java.util.regex, Pattern.split, empty pieces dropped)
therefore matches:
- runs of Unicode White_Space (`(?U)\\s`, unicode.WHITE_SPACE): what the Hugging Face (Rust)
  normalizer and pre-tokenizer treat as spaces, NBSP, U+2028 and U+3000 included (Java's own
  Character.isWhitespace, which Spark NLP's BasicTokenizer uses, leaves NBSP inside words);
- the empty string before and after every punctuation character: ASCII punctuation and the
  Unicode P* categories, the Hugging Face rule (Spark NLP's BasicTokenizer only splits off the
  characters whose Unicode *name* says PUNCTUATION, so a lone `’`, `—` or `…` token is what
  makes both sides see the same word);
- the same around CJK ideographs, one per token, when the checkpoint's tokenizer splits them
  (tokenize_chinese_chars).
Known gap, measured with java.util.regex on Java 17: a lookbehind never matches after a
supplementary-plane character, so an ideograph above U+FFFF followed by a letter stays in one
token with it (Hugging Face splits them); Spark NLP's BasicTokenizer reads UTF-16 units and does
not split there either, so no pattern of this form can.
"""

from __future__ import annotations

from functools import partial

from parity_core.families.base import Family, TokenizerSettings
from parity_core.families.unicode import WHITE_SPACE_REGEX

ASCII_PUNCTUATION = r"\x21-\x2F\x3A-\x40\x5B-\x60\x7B-\x7E"
# The CJK Unified Ideograph blocks of Google's BERT tokenizer, which both sides use.
CJK_RANGES = (r"\x{4E00}-\x{9FFF}", r"\x{3400}-\x{4DBF}", r"\x{20000}-\x{2A6DF}",
              r"\x{2A700}-\x{2B73F}", r"\x{2B740}-\x{2B81F}", r"\x{2B820}-\x{2CEAF}",
              r"\x{F900}-\x{FAFF}", r"\x{2F800}-\x{2FA1F}")
# What the fix's `chinese_chars` reason looks for: the two common BMP blocks only (a text with
# only rarer ideographs is reported `unexplained`, as it always was).
CJK_COMMON = "[\u4e00-\u9fff\u3400-\u4dbf]"

SPARK_ACCENT_RANGE = (0x300, 0x36F)  # BasicTokenizer: \p{InCombiningDiacriticalMarks}
SPARK_MAX_WORD_CHARS = 200  # WordpieceEncoder's maxInputCharsPerWord default (UTF-16 units)
# The JVM constructor default the run reads the live value from (pipeline.parity_warnings).
WORDPIECE_ENCODER = "com.johnsnowlabs.nlp.annotators.tokenizer.wordpiece.WordpieceEncoder"
WORDPIECE_MAX_CHARS_DEFAULT = "$lessinit$greater$default$3"


def basic_tokenizer_pattern(tokenize_chinese_chars: bool = True) -> str:
    """The RegexTokenizer delimiter pattern for a BERT checkpoint's basic tokenizer."""
    alone = ASCII_PUNCTUATION + r"\p{P}" + ("".join(CJK_RANGES) if tokenize_chinese_chars
                                            else "")
    return rf"{WHITE_SPACE_REGEX}+|(?<=[{alone}])|(?=[{alone}])"


# Why a difference on a BERT checkpoint survives every setting (fix/remaining.py's keys).
REMAINING = {
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
}


def wordpiece_warnings(classification: str, settings: TokenizerSettings,
                       spark_chars: int | None) -> list[str]:
    """Settings Spark NLP's WordPiece classifiers cannot match, and their word rule (a family's
    settings_warnings with its classification class bound: a partial, so a Family pickles)."""
    out = []
    if not settings.strip_accents:
        out.append("strip_accents is false for the checkpoint, but Spark NLP's "
                   "BasicTokenizer.normalize strips accents (NFD, drops combining marks) "
                   "whatever caseSensitive says: accented words get different pieces")
    if spark_chars is not None and spark_chars != settings.max_input_chars_per_word:
        hf_chars = settings.max_input_chars_per_word
        out.append(f"max_input_chars_per_word: Hugging Face {hf_chars}, Spark NLP's "
                   f"WordpieceEncoder {spark_chars} (UTF-16 units): words "
                   "between the two lengths are [UNK] on one side only")
    if not settings.tokenize_chinese_chars:
        out.append("tokenize_chinese_chars is false for the checkpoint, but Spark NLP's "
                   "BasicTokenizer always splits CJK characters")
    out.append("word rules differ: Spark NLP's Tokenizer splits on whitespace and its "
               f"context characters, then {classification}."
               "tokenizeWithAlignment keeps "
               "only the FIRST basic-tokenizer word of each Spark NLP token (result.head): "
               "tokens such as \"don't\", \"3.14\", \"e-mail\" or \"中文\" reach the model "
               "as their first part only, where Hugging Face passes every part")
    if settings.do_lower_case:
        out.append("lowercasing: Spark NLP uses Java String.toLowerCase() (JVM default "
                   "locale), Hugging Face Python str.lower(); a few characters differ")
    return out


BERT = Family("bert", "BertForSequenceClassification", "BertForSequenceClassification",
              "BertClassification", ("input_ids", "attention_mask", "token_type_ids"),
              settings_warnings=partial(wordpiece_warnings, "BertClassification"))
DISTILBERT = Family("distilbert", "DistilBertForSequenceClassification",
                    "DistilBertForSequenceClassification", "DistilBertClassification",
                    ("input_ids", "attention_mask"),
                    settings_warnings=partial(wordpiece_warnings, "DistilBertClassification"))
