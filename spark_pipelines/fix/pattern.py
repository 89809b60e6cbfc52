"""A RegexTokenizer pattern whose tokens are the words of BERT's basic tokenizer.

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
