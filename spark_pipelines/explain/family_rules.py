"""Family rules: the Spark predicates that count the rows each family rule touches.

The rules' names and evidence are the families' (parity_core/families/<family>.py); only the
predicates are Spark code and live here. Like a deployment setting, such a rule is a fact
about the run, not the row: RoBERTa's BPE tokenizer is built without the space marker, XLM-R's
and RoBERTa's `<s>` (id 0) falls under the `id != 0` attention mask, DeBERTa's SentencePiece ids
are shifted by one, ALBERT's encoder lowercases without stripping accents (read in the 5.5.3
sources; each family's warnings say it on every run). Each rule here is a predicate
over the two records' model input (pieces, input_ids, attention_mask), so the share of rows it
touches is counted, not assumed; the counterfactual (Hugging Face re-run on Spark NLP's exact
input) is what proves the rule explains the scores. The family comes from the right run's
fingerprint.
"""

from __future__ import annotations

from pyspark.sql import Column
from pyspark.sql import functions as F

from parity_core.families import FAMILIES, FAMILY_CAUSES, RULES
from parity_core.families.albert import ACCENTED, ACCENTS_KEPT
from parity_core.families.base import START_MASKED
from parity_core.families.deberta import PIECE_ID_OFFSET, PIECE_ID_SHIFT
from parity_core.families.roberta import SPACE_MARKER, SPACE_MARKER_PIECE
from parity_core.families.xlm_roberta import UNKNOWN_AS_PAD, UNKNOWN_PIECE_ID

__all__ = ["ACCENTED", "EVIDENCE", "FAMILY_CAUSES", "RULES_BY_FAMILY", "family_rules",
           "rule_condition"]
EVIDENCE = {name: rule.evidence for name, rule in RULES.items()}
RULES_BY_FAMILY = {name: tuple(rule.name for rule in f.rules)
                   for name, f in FAMILIES.items() if f.rules}


def _marked(pieces: Column) -> Column:
    return F.exists(pieces, lambda p: p["piece"].startswith(SPACE_MARKER_PIECE))


def _accented(pieces: Column) -> Column:
    return F.exists(pieces, lambda p: p["piece"].rlike(ACCENTED))


def rule_condition(name: str) -> Column:
    """The rule's predicate over build_rows' staged frame (l, r records)."""
    lp, rp = F.col("l.pieces"), F.col("r.pieces")
    if name == SPACE_MARKER:
        return _marked(lp) & ~_marked(rp)
    if name == START_MASKED:
        return ((F.element_at(F.col("r.attention_mask"), 1) == 0)
                & (F.element_at(F.col("l.attention_mask"), 1) == 1))
    if name == UNKNOWN_AS_PAD:
        return F.exists(F.slice(F.col("r.input_ids"), 2, 1 << 20),
                        lambda i: i == UNKNOWN_PIECE_ID)
    if name == PIECE_ID_SHIFT:
        return F.exists(F.zip_with(lp, rp, lambda p, q: (p["piece"] == q["piece"])
                                   & (q["id"] == p["id"] + PIECE_ID_OFFSET)), lambda hit: hit)
    if name == ACCENTS_KEPT:
        return _accented(rp) & ~_accented(lp)
    raise ValueError(f"no family rule {name!r}")


def family_rules(family: str | None) -> list[tuple[str, Column, str]]:
    """(cause, condition, evidence) of the family's rules, most specific first."""
    return [(name, rule_condition(name), EVIDENCE[name])
            for name in RULES_BY_FAMILY.get(family or "", ())]
