"""RoBERTa (byte-level BPE): every Spark NLP 5.5.3 fact about it.

RoBertaClassification (5.5.3) builds its BpeTokenizer with alwaysAddPrefix = false, so the `Ġ`
space marker can only come from a space inside the token (its byte-level mapping turns " " into
`Ġ`); Spark NLP's Tokenizer strips it, a RegexTokenizer whose delimiters are empty matches keeps
it. The classifier keeps only the first GPT-2 chunk of each token (result.head), so a token
must never hold two, and it drops every whitespace-only token. Its ONNX mask is `id != 0`, and
<s> is id 0.

The fix's word split gives the chunks of the GPT-2 pre-tokenizer, each KEEPING its leading space.
"""

from __future__ import annotations

import re

from parity_core.families.base import MASK_WARNING, START_MASKED_RULE, Family, FamilyRule

# GPT-2's contractions, matched before letters when the apostrophe starts a chunk (after a
# letter or digit); case-sensitive, like the GPT-2 pattern.
CONTRACTIONS = "s|t|re|ve|m|ll|d"
# Whitespace that is not one plain space before a word: a chunk of its own in byte-level BPE
# (GPT-2's `\s+(?!\S)|\s+`), which the classifier drops. Python re, for the fix's reason; the
# word-split pattern below spells the same chunks for java.util.regex.
WHITESPACE_CHUNK = re.compile(r"[^\S ]|\s(?=\s)|\s$")


def byte_level_bpe_pattern() -> str:
    r"""The RegexTokenizer pattern whose tokens are GPT-2 pre-tokenizer chunks, leading space kept.

    GPT-2's chunks are `'s|'t|…| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`. As
    delimiters: the run of whitespace before a word minus its last plain space (which belongs to
    the word's chunk), a whitespace run that ends in another space character or the text, and the
    empty string at every letter / digit / other boundary, except inside a contraction. Whitespace
    chunks (a second space, a line break) cannot be kept: the classifier drops whitespace-only
    tokens, which `hfparity fix` reports as remaining (WHITESPACE_CHUNK)."""
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


SPACE_MARKER = "space_marker_dropped"
SPACE_MARKER_RULE = FamilyRule(
    SPACE_MARKER,
    "RoBertaClassification builds its BpeTokenizer with alwaysAddPrefix = false: no word gets "
    "the Ġ space marker Hugging Face gives every word after the first")
SPACE_MARKER_PIECE = "\u0120"  # Ġ: byte-level BPE's space

REMAINING = {
    "whitespace_chunk": "a line break, tab, second space or trailing space: byte-level BPE gives "
                        "it a piece of its own (Ċ, Ġ), Spark NLP's RoBERTa classifier drops "
                        "every whitespace-only token (tokenizeWithAlignment), so no word "
                        "splitter can pass it on",
}

WARNINGS = (
    "RoBertaClassification.tokenizeWithAlignment builds its BpeTokenizer with "
    "alwaysAddPrefix = false: no word gets the Ġ (space) marker, where Hugging Face marks "
    "every word after the first; words map to other pieces and ids (unless the token "
    "itself starts with the space: `hfparity fix` proposes a RegexTokenizer that keeps it)",
    "each Spark NLP token keeps only its FIRST BPE pre-tokenizer chunk (result.head): "
    "\"don't\" reaches the model as \"don\", \"it's\" as \"it\" (a RegexTokenizer "
    "cutting at the pre-tokenizer's chunk boundaries avoids it)",
    f"{MASK_WARNING}, and <s> is id 0: the start token is masked on every row (Hugging Face "
    "attends to it)",
)

# RoBertaForSequenceClassification.loadSavedModel (5.5.3) reads assets/vocab.txt (the line
# number is the id), assets/merges.txt (pairs "a b") and assets/labels.txt, and looks up <s>,
# </s>, <pad> by name; its ONNX path feeds input_ids and attention_mask only.
ROBERTA = Family("roberta", "RobertaForSequenceClassification",
                 "RoBertaForSequenceClassification", "RoBertaClassification",
                 ("input_ids", "attention_mask"), tokenizer_model="BPE",
                 special_tokens=("<s>", "</s>", "<pad>", "<unk>"),
                 assets=("vocab.txt", "merges.txt", "labels.txt"), lowercase_default=False,
                 start_token_masked=True, rules=(SPACE_MARKER_RULE, START_MASKED_RULE),
                 warnings=WARNINGS)
