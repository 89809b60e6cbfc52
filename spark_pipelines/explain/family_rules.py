"""Family rules: what Spark NLP 5.5.3 does to every input of a model family, named once.

Like a deployment setting, such a rule is a fact about the run, not the row: RoBERTa's BPE
tokenizer is built without the space marker, XLM-R's and RoBERTa's `<s>` (id 0) falls under the
`id != 0` attention mask, DeBERTa's SentencePiece ids are shifted by one, ALBERT's encoder
lowercases without stripping accents (read in the 5.5.3 sources; spark_pipelines/sparknlp/
pipeline.py warns about each). Each rule here is a predicate
over the two records' model input (pieces, input_ids, attention_mask), so the share of rows it
touches is counted, not assumed; the counterfactual (Hugging Face re-run on Spark NLP's exact
input) is what proves the rule explains the scores. The family comes from the right run's
fingerprint.
"""

from __future__ import annotations

from pyspark.sql import Column
from pyspark.sql import functions as F

SPACE_MARKER = "space_marker_dropped"
START_MASKED = "start_token_masked"
UNKNOWN_AS_PAD = "unknown_as_pad"
PIECE_ID_OFFSET = "piece_id_offset"
ACCENTS_KEPT = "accents_kept"
FAMILY_CAUSES = (SPACE_MARKER, PIECE_ID_OFFSET, UNKNOWN_AS_PAD, ACCENTS_KEPT, START_MASKED)
# A Latin letter with a diacritic (Latin-1 Supplement and Latin Extended-A/B, × and ÷ left out).
ACCENTED = "[\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u024F]"

EVIDENCE = {
    SPACE_MARKER: "RoBertaClassification builds its BpeTokenizer with alwaysAddPrefix = false: "
                  "no word gets the Ġ space marker Hugging Face gives every word after the first",
    START_MASKED: "Spark NLP's ONNX attention mask is `id != 0` and the start token <s> is id "
                  "0: <s> is masked, Hugging Face attends to it",
    UNKNOWN_AS_PAD: "XlmRoBertaClassification adds 1 to SentencePiece ids: an unknown piece "
                    "(SentencePiece id 0) reaches the model as 1 (<pad>), not 3 (<unk>)",
    PIECE_ID_OFFSET: "DeBertaClassification adds 1 to every SentencePiece id (pieceIdOffset 1); "
                     "Hugging Face's DeBERTa-v2 uses the ids as they are",
    ACCENTS_KEPT: "AlbertClassification's SentencepieceEncoder lowercases but keeps accents; "
                  "Hugging Face's ALBERT tokenizer (keep_accents false) strips them: an "
                  "accented word reaches the model as other pieces",
}
RULES_BY_FAMILY = {
    "roberta": (SPACE_MARKER, START_MASKED),
    "xlm-roberta": (UNKNOWN_AS_PAD, START_MASKED),
    "deberta-v2": (PIECE_ID_OFFSET,),
    "albert": (ACCENTS_KEPT,),
}


def _marked(pieces: Column) -> Column:
    return F.exists(pieces, lambda p: p["piece"].startswith("\u0120"))


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
        return F.exists(F.slice(F.col("r.input_ids"), 2, 1 << 20), lambda i: i == 1)
    if name == PIECE_ID_OFFSET:
        return F.exists(F.zip_with(lp, rp, lambda p, q: (p["piece"] == q["piece"])
                                   & (q["id"] == p["id"] + 1)), lambda hit: hit)
    if name == ACCENTS_KEPT:
        return _accented(rp) & ~_accented(lp)
    raise ValueError(f"no family rule {name!r}")


def family_rules(family: str | None) -> list[tuple[str, Column, str]]:
    """(cause, condition, evidence) of the family's rules, most specific first."""
    return [(name, rule_condition(name), EVIDENCE[name])
            for name in RULES_BY_FAMILY.get(family or "", ())]
