"""RegexTokenizer patterns whose tokens are the words each family's Hugging Face tokenizer sees.

Spark NLP's classifiers tokenize each token they are given on its own, so the word splitter in
front of them decides what reaches the model. One pattern per tokenizer model:
- WordPiece (BERT, DistilBERT): the words of BERT's basic tokenizer (below);
- byte-level BPE (RoBERTa): the chunks of the GPT-2 pre-tokenizer, each KEEPING its leading
  space. RoBertaClassification (5.5.3) builds its BpeTokenizer with alwaysAddPrefix = false,
  so the `Ġ` space marker can only come from a space inside the token (its byte-level mapping
  turns " " into `Ġ`); Spark NLP's Tokenizer strips it, a RegexTokenizer whose delimiters are
  empty matches keeps it. The classifier keeps only the first GPT-2 chunk of each token
  (result.head), so a token must never hold two;
- SentencePiece (XLM-R, DeBERTa-v2, ALBERT): whitespace-separated words. The classifier encodes
  each token with its own leading `▁`, as SentencePiece encodes each space-separated word of a
  whole text; Spark NLP's Tokenizer also splits off punctuation, which then gets a `▁` of its own.

WordPiece, in detail:

Spark NLP's RegexTokenizer splits the text at every match of its pattern (java.util.regex,
Pattern.split) and drops empty pieces. BertForSequenceClassification then runs its own
BasicTokenizer on each token and keeps only the first word it finds (result.head), so a token
must never hold more than one basic-tokenizer word. The pattern therefore matches:
- runs of Unicode White_Space (`(?U)\\s`): what the Hugging Face (Rust) normalizer and
  pre-tokenizer treat as spaces, NBSP, U+2028 and U+3000 included (Java's own
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

from parity_core.checkpoint import FAMILIES
from parity_core.settings import EffectiveSettings

ASCII_PUNCTUATION = r"\x21-\x2F\x3A-\x40\x5B-\x60\x7B-\x7E"
# The CJK Unified Ideograph blocks of Google's BERT tokenizer, which both sides use.
CJK_RANGES = (r"\x{4E00}-\x{9FFF}", r"\x{3400}-\x{4DBF}", r"\x{20000}-\x{2A6DF}",
              r"\x{2A700}-\x{2B73F}", r"\x{2B740}-\x{2B81F}", r"\x{2B820}-\x{2CEAF}",
              r"\x{F900}-\x{FAFF}", r"\x{2F800}-\x{2FA1F}")


def basic_tokenizer_pattern(tokenize_chinese_chars: bool = True) -> str:
    """The RegexTokenizer delimiter pattern for a BERT checkpoint's basic tokenizer."""
    alone = ASCII_PUNCTUATION + r"\p{P}" + ("".join(CJK_RANGES) if tokenize_chinese_chars
                                            else "")
    return rf"(?U)\s+|(?<=[{alone}])|(?=[{alone}])"


# GPT-2's contractions, matched before letters when the apostrophe starts a chunk (after a
# letter or digit); case-sensitive, like the GPT-2 pattern.
CONTRACTIONS = "s|t|re|ve|m|ll|d"


def byte_level_bpe_pattern() -> str:
    r"""The RegexTokenizer pattern whose tokens are GPT-2 pre-tokenizer chunks, leading space kept.

    GPT-2's chunks are `'s|'t|…| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`. As
    delimiters: the run of whitespace before a word minus its last plain space (which belongs to
    the word's chunk), a whitespace run that ends in another space character or the text, and the
    empty string at every letter / digit / other boundary, except inside a contraction. Whitespace
    chunks (a second space, a line break) cannot be kept: the classifier drops whitespace-only
    tokens, which `hfparity fix` reports as remaining."""
    other = r"[^\s\p{L}\p{N}]"
    return "|".join((
        r"(?U)\s*[\s&&[^ ]](?=\S)",  # whitespace ending in a non-plain space: no chunk keeps it
        r"\s+?(?= \S)",  # extra whitespace before a " word" chunk
        r"(?= \S)",  # the plain space starting a chunk
        r"\s+$",
        r"(?<=\p{L})(?=[^\s\p{L}])",
        r"(?<=\p{N})(?=[^\s\p{N}])",
        rf"(?<={other})(?=[\p{{L}}\p{{N}}])(?!(?<=[\p{{L}}\p{{N}}]')(?:{CONTRACTIONS}))",
        rf"(?<=[\p{{L}}\p{{N}}]'(?:{CONTRACTIONS}))",
    ))


WHITESPACE_PATTERN = r"(?U)\s+"


def word_split_pattern(model: str, tokenize_chinese_chars: bool = True) -> str:
    """The RegexTokenizer pattern for a family's tokenizer model (checkpoint.Family)."""
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
