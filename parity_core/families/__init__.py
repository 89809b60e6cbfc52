"""Tokenizer families: how text becomes model input (WordPiece, byte-level BPE, SentencePiece),
and every Spark NLP 5.5.3 fact about each, one module a family: bert (BERT, DistilBERT), roberta,
xlm_roberta, deberta, albert; sentencepiece holds what the last three share, base the Family
type and the `id != 0` mask, unicode the character classes and the span rule. Pure data and pure
functions: both producers, the explanation, the report and the fix read them from here.

`family(name)` finds a family by its config.json model_type (parity_core.checkpoint.FAMILIES is
this registry).
"""

from __future__ import annotations

from parity_core.families.albert import ACCENTS_KEPT, ALBERT
from parity_core.families.base import START_MASKED, Family, FamilyRule
from parity_core.families.bert import BERT, DISTILBERT
from parity_core.families.deberta import DEBERTA_V2, PIECE_ID_SHIFT
from parity_core.families.roberta import ROBERTA, SPACE_MARKER
from parity_core.families.xlm_roberta import UNKNOWN_AS_PAD, XLM_ROBERTA

FAMILIES: dict[str, Family] = {
    f.name: f for f in (BERT, DISTILBERT, ROBERTA, XLM_ROBERTA, DEBERTA_V2, ALBERT)}
# Every family rule's cause name, in the order the report lists them.
FAMILY_CAUSES: tuple[str, ...] = (SPACE_MARKER, PIECE_ID_SHIFT, UNKNOWN_AS_PAD, ACCENTS_KEPT,
                                  START_MASKED)
RULES: dict[str, FamilyRule] = {rule.name: rule for f in FAMILIES.values() for rule in f.rules}


def family(name: str) -> Family:
    """The family of a config.json model_type; KeyError names the supported ones."""
    try:
        return FAMILIES[name]
    except KeyError:
        raise KeyError(f"no tokenizer family {name!r} (known: {', '.join(FAMILIES)})") from None


__all__ = ["FAMILIES", "FAMILY_CAUSES", "RULES", "Family", "FamilyRule", "family"]
