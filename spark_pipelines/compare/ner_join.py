"""The NER join: Spark NLP against Hugging Face per word and per entity, each with a status and
a cause.

Words are aligned by character span (Spark NLP's token spans, code points, end exclusive; the
Hugging Face side labels the same spans). A word's status: agree (same label, every probability
within `tol`), scores_differ, label_differs, no_sparknlp_label (Spark NLP wrote no annotation),
no_hf_label. Entities are matched within a row: match (same span and type), type_differs (same
span), boundary_differs (overlapping spans), sparknlp_only, hf_only. Precision/recall/F1 are
Spark NLP's entities against Hugging Face's (the reference), exact span+type (seqeval's
convention), per type and micro.

Causes come from the evidence both producers recorded, first that holds:
- truncation: none of the word's pieces is among the maxSentenceLength - 2 kept, and Spark NLP
  wrote no annotation for it;
- truncation_pairing: none of its pieces is kept, yet Spark NLP labelled it: from the [SEP]
  position's logits (Spark NLP slices the logits by its piece count, not the kept count);
- no_annotation: Spark NLP made no piece of the word in a row within the limit (the word
  normalises to nothing);
- piece_id_offset (DeBERTa): each piece fed as Hugging Face's id + 1 (an unknown piece keeps
  its surface string on Spark NLP's side, so the ids, not the strings, decide);
- unknown_as_pad (XLM-R): an unknown piece fed as 1 (<pad>) where Hugging Face feeds 3 (<unk>),
  in the word or, the row's only difference, elsewhere in the row;
- accents_kept (ALBERT): Spark NLP's pieces hold an accented letter Hugging Face's do not
  (its SentencePiece encoder lowercases but keeps accents);
- marker_piece_dropped (SentencePiece): Hugging Face's pieces are Spark NLP's after a lone `▁`,
  which Spark NLP's encoder drops (the delimiter id);
- pieces (first_chunk when Spark NLP's pieces are a strict prefix of Hugging Face's: the first
  basic-tokenizer chunk rule): the word reaches the model as other pieces;
- the family fact behind the row's other differences, when one explains them all (an id rule
  above, or marker_piece_dropped elsewhere in the row);
- model_input: the word's pieces agree but the row's model input differs elsewhere;
- start_token_masked: the same ids, but Spark NLP's attention mask (`id != 0`) hides the start
  token <s> (id 0 in RoBERTa and XLM-R), which Hugging Face attends to;
- numerics: the same input on both sides, the probabilities still differ.
An entity whose words all agree on their label is caused by the grouping rule (NerConverter
versus the pipeline's aggregation); otherwise by the first cause among its differing words.

The counterfactual (Hugging Face on Spark NLP's exact input, read at Spark NLP's positions) is
given per word; `reproduced` says whether it matches Spark NLP's probabilities within `tol`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from parity_core.families import RULES
from parity_core.families.albert import ACCENTED, ACCENTS_KEPT
from parity_core.families.base import START_MASKED
from parity_core.families.deberta import PIECE_ID_OFFSET, PIECE_ID_SHIFT
from parity_core.families.sentencepiece import REMAINING as SPM_REMAINING
from parity_core.families.xlm_roberta import HF_UNKNOWN_ID, UNKNOWN_AS_PAD, UNKNOWN_PIECE_ID
from parity_core.tasks.token_classification import (
    GROUPING_REASON,
    GROUPING_RULE,
    entity_scores,
    overlaps,
)

TOLERANCE = 1e-3
MARKER_PIECE = "\u2581"  # SentencePiece's lone space marker
MARKER_DROPPED = "marker_piece_dropped"
AGREE = "agree"


@dataclass(frozen=True)
class HfRow:
    """The Hugging Face side of one row, per Spark NLP word, plus its row input and entities."""

    labels: list[str | None]
    probs: list[list[float] | None]
    pieces: list[list[str]]
    input_ids: list[int]
    entities: list[tuple[int, int, str, float]]
    piece_ids: list[list[int]] | None = None  # per word, the ids of its pieces


@dataclass(frozen=True)
class SparkRow:
    """The Spark NLP side of one row (spark_pipelines/sparknlp/ner.SparkNerRow, as plain data)."""

    id: str
    text: str
    words: list[tuple[int, int]]
    labels: list[str | None]
    probs: list[dict[str, float] | None]
    entities: list[tuple[int, int, str, float]]
    pieces: list[tuple[str, int, int, int]]
    input_ids: list[int]
    attention_mask: list[int] | None = None  # None: all ones


def _word_pieces(spark: SparkRow, begin: int, end: int) -> list[tuple[int, str]]:
    """(index in Spark NLP's pieces, piece) for the pieces inside a word."""
    return [(i, p[0]) for i, p in enumerate(spark.pieces) if begin <= p[2] < end]


def _id_rule(spark_ids: Sequence[int], hf_ids: Sequence[int]) -> str | None:
    """The family id rule that explains every difference between two id lists of one length:
    DeBERTa's +1 on every id, or XLM-R's unknown piece fed as <pad>; None when neither does."""
    if len(spark_ids) != len(hf_ids):
        return None
    pairs = [(s, h) for s, h in zip(spark_ids, hf_ids) if s != h]
    if not pairs:
        return None
    if all(s == UNKNOWN_PIECE_ID and h == HF_UNKNOWN_ID for s, h in pairs):
        return UNKNOWN_AS_PAD
    if all(s == h + PIECE_ID_OFFSET for s, h in pairs):
        return PIECE_ID_SHIFT
    return None


def _row_rule(spark: SparkRow, hf: HfRow) -> str | None:
    """The family fact that explains every difference of the row's model input: an id rule
    (_id_rule), or Hugging Face's lone `▁` pieces, which Spark NLP's encoder drops (with an id
    rule on what is left); None when neither does (model_input)."""
    rule = _id_rule(spark.input_ids, hf.input_ids)
    if rule is not None:
        return rule
    markers = {i for pieces, ids in zip(hf.pieces, hf.piece_ids or [])
               for piece, i in zip(pieces, ids) if piece == MARKER_PIECE}
    kept = [i for i in hf.input_ids if i not in markers]
    if markers and (kept == spark.input_ids or _id_rule(spark.input_ids, kept)):
        return MARKER_DROPPED
    return None


def _strip_marker(piece: str) -> str:
    return piece[2:] if piece.startswith("##") else piece.lstrip("Ġ▁")


def word_cause(spark: SparkRow, hf: HfRow, w: int, max_length: int) -> str:
    """The first cause that holds for a differing word (module docstring)."""
    begin, end = spark.words[w]
    mine = _word_pieces(spark, begin, end)
    if not mine:
        truncated = len(spark.input_ids) >= max_length
        if spark.labels[w] is not None:  # labelled without a kept piece: the [SEP] position
            return "truncation_pairing"
        return "truncation" if truncated else "no_annotation"
    ours = [p for _, p in mine]
    theirs = hf.pieces[w]
    # The word's own ids, when a family id rule explains all their differences (an unknown
    # piece keeps its surface string on Spark NLP's side: the rule, not the string, decides).
    own = _id_rule([spark.pieces[i][1] for i, _ in mine], hf.piece_ids[w]) \
        if hf.piece_ids is not None else None
    if ours != theirs:
        if own is not None:
            return own
        if any(re.search(ACCENTED, p) for p in ours) and not any(
                re.search(ACCENTED, p) for p in theirs):
            return ACCENTS_KEPT
        if theirs[:1] == [MARKER_PIECE] and theirs[1:] == ours:
            return MARKER_DROPPED
        plain = [_strip_marker(p) for p in theirs]
        if [_strip_marker(p) for p in ours] == plain[:len(ours)] and len(ours) < len(plain):
            return "first_chunk"
        return "pieces"
    if own is not None:
        return own
    if spark.input_ids != hf.input_ids:
        return _row_rule(spark, hf) or "model_input"
    if spark.attention_mask and not all(spark.attention_mask):
        return START_MASKED  # same ids; Spark NLP's `id != 0` mask hides <s> (id 0)
    return "numerics"


def _status(spark_label: str | None, spark_probs: dict[str, float] | None,
            hf_label: str | None, hf_probs: list[float] | None, labels: Sequence[str],
            tol: float) -> tuple[str, float | None]:
    if spark_label is None:
        return "no_sparknlp_label", None
    if hf_label is None:
        return "no_hf_label", None
    delta = None
    if spark_probs is not None and hf_probs is not None:
        delta = max(abs(spark_probs.get(x, float("nan")) - p) for x, p in zip(labels, hf_probs))
    if spark_label != hf_label:
        return "label_differs", delta
    if delta is None or not delta <= tol:
        return "scores_differ", delta
    return AGREE, delta


def word_rows(spark: SparkRow, hf: HfRow, counterfactual: list[list[float] | None],
              labels: Sequence[str], max_length: int, tol: float = TOLERANCE
              ) -> list[dict[str, Any]]:
    """One row per Spark NLP word (rows/words.parquet)."""
    rows = []
    for w, (begin, end) in enumerate(spark.words):
        status, delta = _status(spark.labels[w], spark.probs[w], hf.labels[w], hf.probs[w],
                                labels, tol)
        cause = None if status == AGREE else word_cause(spark, hf, w, max_length)
        cf = counterfactual[w]
        if spark.probs[w] is None:
            reproduced = cf is None  # no annotation reproduced by no position to read
        elif cf is None:
            reproduced = False
        else:
            reproduced = max(abs(spark.probs[w].get(x, float("nan")) - p)
                             for x, p in zip(labels, cf)) <= tol
        rows.append({
            "id": spark.id, "word": w, "begin": begin, "end": end, "text": spark.text[begin:end],
            "status": status, "cause": cause, "max_abs_delta": delta,
            "sparknlp_label": spark.labels[w], "hf_label": hf.labels[w],
            "sparknlp_probs": None if spark.probs[w] is None
            else [spark.probs[w].get(x) for x in labels],
            "hf_probs": hf.probs[w], "counterfactual_probs": cf,
            "counterfactual_reproduces": reproduced,
            "sparknlp_pieces": [p for _, p in _word_pieces(spark, begin, end)],
            "hf_pieces": hf.pieces[w]})
    return rows


def _entity_cause(words: list[dict[str, Any]], span: tuple[int, int]) -> str:
    inside = [w for w in words if overlaps((w["begin"], w["end"], ""), (*span, ""))]
    differing = [w for w in inside if w["sparknlp_label"] != w["hf_label"]]
    return GROUPING_RULE if not differing else differing[0]["cause"] or "label"


def entity_rows(spark: SparkRow, hf: HfRow, words: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per entity of either side, paired where they match or overlap."""
    rows, used = [], set()
    for s_start, s_end, s_type, s_score in spark.entities:
        exact = next((j for j, e in enumerate(hf.entities) if j not in used
                      and e[:2] == (s_start, s_end)), None)
        partner = exact if exact is not None else next(
            (j for j, e in enumerate(hf.entities) if j not in used
             and overlaps((s_start, s_end, s_type), e[:3])), None)
        h = hf.entities[partner] if partner is not None else None
        if partner is not None:
            used.add(partner)
        if h is None:
            status = "sparknlp_only"
        elif h[:2] != (s_start, s_end):
            status = "boundary_differs"
        else:
            status = "match" if h[2] == s_type else "type_differs"
        lo = min(s_start, h[0]) if h else s_start
        hi = max(s_end, h[1]) if h else s_end
        rows.append(_entity_row(spark, (s_start, s_end, s_type, s_score), h, status,
                                None if status == "match" else _entity_cause(words, (lo, hi))))
    for j, h in enumerate(hf.entities):
        if j not in used:
            rows.append(_entity_row(spark, None, h, "hf_only", _entity_cause(words, h[:2])))
    return rows


def _entity_row(spark: SparkRow, s: tuple | None, h: tuple | None, status: str,
                cause: str | None) -> dict[str, Any]:
    def side(e: tuple | None, name: str) -> dict[str, Any]:
        return {f"{name}_begin": e[0] if e else None, f"{name}_end": e[1] if e else None,
                f"{name}_type": e[2] if e else None, f"{name}_score": e[3] if e else None,
                f"{name}_text": spark.text[e[0]:e[1]] if e else None}

    return {"id": spark.id, "status": status, "cause": cause, **side(s, "sparknlp"),
            **side(h, "hf")}


def summarise(words: list[dict[str, Any]], entities: list[dict[str, Any]],
              sparks: list[SparkRow], hfs: list[HfRow]) -> dict[str, Any]:
    """summary.json's figures: words compared, agreement, entity scores, causes, counterfactual."""
    both = [w for w in words if w["sparknlp_label"] is not None and w["hf_label"] is not None]
    differing = [w for w in words if w["status"] != AGREE]
    reproduced = sum(1 for w in differing if w["counterfactual_reproduces"])
    scores = entity_scores([[e[:3] for e in h.entities] for h in hfs],
                           [[e[:3] for e in s.entities] for s in sparks])
    return {
        "rows": len(sparks), "words": len(words),
        "words_compared": len(both),
        "word_label_agreement": round(sum(1 for w in words if w["sparknlp_label"] is not None
                                          and w["sparknlp_label"] == w["hf_label"])
                                      / len(words), 4) if words else None,
        "word_status": dict(Counter(w["status"] for w in words).most_common()),
        "word_causes": dict(Counter(w["cause"] for w in differing).most_common()),
        "differing_words": len(differing),
        "counterfactual_reproduced": reproduced,
        "counterfactual_reproduced_share": round(reproduced / len(differing), 4)
        if differing else None,
        "entity_status": dict(Counter(e["status"] for e in entities).most_common()),
        "entity_causes": dict(Counter(e["cause"] for e in entities
                                      if e["status"] != "match").most_common()),
        "entity_scores_sparknlp_vs_hf": {k: v.as_dict() for k, v in scores.items()},
        "no_setting_removes": no_setting_removes(words, entities),
    }


def no_setting_removes(words: list[dict[str, Any]], entities: list[dict[str, Any]]
                       ) -> dict[str, dict[str, Any]]:
    """The causes found that no Spark NLP setting removes, each with its count and why: the
    family rules (fixed in Spark NLP's classification code) and NerConverter's grouping rule."""
    out: dict[str, dict[str, Any]] = {}
    for cause, n in Counter(w["cause"] for w in words
                            if w["cause"] in RULES or w["cause"] == MARKER_DROPPED).most_common():
        why = SPM_REMAINING[cause] if cause == MARKER_DROPPED else (
            f"{RULES[cause].evidence}; fixed in Spark NLP 5.5.3's code: no pipeline setting "
            "changes it")
        out[cause] = {"words": n, "why": why}
    grouped = sum(1 for e in entities if e["cause"] == GROUPING_RULE)
    if grouped:
        out[GROUPING_RULE] = {"entities": grouped, "why": GROUPING_REASON}
    return out


def worst_rows(words: list[dict[str, Any]], entities: list[dict[str, Any]], limit: int = 10
               ) -> list[str]:
    """Row ids with the most differing entities, then differing words."""
    bad = Counter(e["id"] for e in entities if e["status"] != "match")
    bad_words = Counter(w["id"] for w in words if w["status"] != AGREE)
    ids = set(bad) | set(bad_words)
    return sorted(ids, key=lambda i: (-bad[i], -bad_words[i], i))[:limit]
