"""Named character classes and the span-trimming rule: one home each, for Python and (by tests
that sweep every code point through the JVM) the Java copies.

Whitespace has four meanings in this project; they are different sets on purpose, each the set
a real tokenizer or producer uses, so none may be swapped for another:

- WHITE_SPACE (`WHITE_SPACE_REGEX`, java.util.regex `(?U)\\s`): the Unicode White_Space
  property. Hugging Face's Rust normalizers and pre-tokenizers (char::is_whitespace) split
  there, NBSP, U+2028 and U+3000 included, so the fix's word-split patterns use it.
- PYTHON_SPACE (`is_python_space`, str.isspace / Python re `\\s`): White_Space plus U+001C-U+001F
  (Python counts the information separators as space). Used where a Python rule reads the
  text: Hugging Face spans (`trim_leading_space`), the fix's remaining reasons, the report's
  visible-whitespace marks (spark_pipelines/report/formats.py).
- SEPARATOR (`is_separator`, Java hfparity.explain Attribute.isSeparator): Unicode category
  Zs, Zl or Zp but not the plain space: the characters Spark NLP's Tokenizer (ASCII whitespace
  only) leaves inside a word while Hugging Face splits there. Tab and line breaks are Cc, not
  separators: both sides split at them.
- ASCII_SPACE (" \\t\\n\\r"): what a Spark NLP span leaves out (below).

The span rule. A record's word or piece span (code points, end exclusive) leaves out the
whitespace its token or piece carries, so both sides' spans start at the word, as Hugging
Face's trim_offsets does. The two producers state it differently today, and each difference
can reach a record, so both stay as they are (BEHAVIOUR UNCHANGED) and are stated here only:

- Spark NLP (spark_pipelines/sparknlp/spans.py, records.py): strip ASCII_SPACE at both ends,
  unless nothing else is left (a whitespace-only token keeps its span and text). NBSP and U+3000
  stay: Spark NLP's own tokenizers keep them inside tokens, and the join's separator causes read
  them there.
- Hugging Face (hf_reference/tokenization.py): strip PYTHON_SPACE at the START only, down to an
  empty span if nothing else is left. DeBERTa-v2's fast tokenizer gives a `▁` piece the offset
  of the space before it, an NBSP included (its normalizer maps NBSP to a space), and a lone `▁`
  piece covers only that space; piece ends never hold whitespace.

So the rules differ in (1) the set (ASCII vs str.isspace: NBSP, U+3000, U+2028 ...), (2) the
ends (both vs leading only) and (3) a whitespace-only span (kept whole vs emptied). Measured over
the default corpus: the demo's Spark NLP records (BERT) hold two spans the Hugging Face rule
would change, row `edge-nbsp-only` ("\xa0\xa0"): its word and its [UNK] piece, (0, 2) -> (2, 2),
by (1) and (3) together. The demo's Hugging Face records (BERT) hold none either rule changes
(BERT's offsets never cover whitespace), but the test families' do, all by (3): DeBERTa's lone
`▁` pieces (374 spans, 3 of them over the NBSP of row `edge-nbsp`, so an ASCII set would change
those too) and RoBERTa's whitespace chunks (52 spans). No one rule keeps every record, so each
side keeps its own; tests/parity_core/families/test_unicode.py pins all three differences.

BERT's normaliser classes: `INVISIBLE_CATEGORIES` (Mn, Cf, Cc: what attribution folds away,
Java hfparity.explain Chars.isInvisible) and `FORMAT_CATEGORIES` (Cf, Co and Cc but tab and line
breaks: what Hugging Face's BERT normalizer deletes and Spark NLP's BasicTokenizer keeps, the
fix's `format_characters` reason). They differ on purpose: Mn is an accent question of its own
there (`combining_marks`), Co (private use) only matters to the fix's rule, and tab and line
breaks, which attribution folds away, would turn every row holding one into `format_characters`
(the default corpus has such rows). Java's Chars reads the JVM's Unicode 13 data, Python its own
(14 here): test_unicode.py pins where they differ (characters Unicode 14 added, and U+1734),
none of which the default corpus holds.
"""

from __future__ import annotations

import unicodedata

ASCII_SPACE = " \t\n\r"
WHITE_SPACE_REGEX = r"(?U)\s"
# The Unicode White_Space property (PropList.txt, unchanged since Unicode 6.3).
WHITE_SPACE = frozenset([*range(0x09, 0x0E), 0x20, 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B),
                         0x2028, 0x2029, 0x202F, 0x205F, 0x3000])
SEPARATOR_CATEGORIES = ("Zs", "Zl", "Zp")
INVISIBLE_CATEGORIES = ("Mn", "Cf", "Cc")
FORMAT_CATEGORIES = ("Cf", "Co", "Cc")
KEPT_CONTROLS = "\t\n\r"  # Cc that both tokenizers treat as whitespace, not as format


def is_white_space(cp: int) -> bool:
    """Unicode White_Space: where Hugging Face's Rust tokenizers and Java's `(?U)\\s` split."""
    return cp in WHITE_SPACE


def is_python_space(char: str) -> bool:
    """Python's whitespace (str.isspace, re's `\\s`): White_Space plus U+001C-U+001F."""
    return char.isspace()


def is_separator(cp: int) -> bool:
    """A Unicode separator other than the plain space (Java: Attribute.isSeparator)."""
    return cp != 0x20 and unicodedata.category(chr(cp)) in SEPARATOR_CATEGORIES


def is_invisible(char: str) -> bool:
    """Mn, Cf or Cc: a character a normalizer may drop without changing what the text shows
    (Java: Chars.isInvisible)."""
    return unicodedata.category(char) in INVISIBLE_CATEGORIES


def is_format_character(char: str) -> bool:
    """A format, private-use or control character other than tab and line breaks: what Hugging
    Face's BERT normalizer deletes inside a word and Spark NLP's BasicTokenizer does not."""
    return unicodedata.category(char) in FORMAT_CATEGORIES and char not in KEPT_CONTROLS


def nonspacing_marks(text: str) -> list[int]:
    """The Mn code points of the text's NFD: what BERT's strip_accents drops."""
    return [ord(c) for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) == "Mn"]


def trim_leading_space(text: str, begin: int, end: int) -> tuple[int, int]:
    """The Hugging Face side of the span rule (module docstring): a span without its leading
    PYTHON_SPACE, empty when nothing else is left."""
    while begin < end and is_python_space(text[begin]):
        begin += 1
    return begin, end
