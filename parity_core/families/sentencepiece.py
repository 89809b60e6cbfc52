"""What Spark NLP 5.5.3 does to every SentencePiece family (XLM-R, DeBERTa-v2, ALBERT) alike.

Each classification class encodes every Spark NLP token on its own with SentencePiece
(tokenizeWithAlignment) and drops every piece whose id is the standalone `▁` piece's
(delimiterId). The family modules add their own id facts.

The fix's word split is whitespace: the classifier encodes each token with its own leading `▁`,
as SentencePiece encodes each space-separated word of a whole text; Spark NLP's Tokenizer also
splits off punctuation, which then gets a `▁` of its own.
"""

from __future__ import annotations

from parity_core.families.base import MASK_WARNING
from parity_core.families.unicode import WHITE_SPACE_REGEX

WHITESPACE_PATTERN = WHITE_SPACE_REGEX + "+"

REMAINING = {
    "marker_piece_dropped": "SentencePiece starts this word with a lone ▁ piece (its ▁-prefixed "
                            "form is not in the vocabulary); Spark NLP's SentencepieceEncoder "
                            "drops every piece with the delimiter's id, so the word reaches the "
                            "model without its space marker; fixed in code, no setting changes it",
}


def common_warnings(classification: str) -> tuple[str, ...]:
    """The warnings every SentencePiece family's run starts with."""
    return (
        f"{classification}.tokenizeWithAlignment encodes each Spark NLP token on its own with "
        "SentencePiece and drops every piece whose id is the standalone \"▁\" piece's: "
        "punctuation glued to a word is encoded apart from Hugging Face's whole-text encoding",
        MASK_WARNING,
    )
