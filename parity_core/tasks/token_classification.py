"""Token classification (NER): what the task is, and its comparisons, in pure Python.

A token classifier labels each word (the unit the deployment labels: Spark NLP's token spans,
code points, end exclusive) and groups labelled words into entities (start, end, type). Two
sides are compared at two levels: per word (label, probabilities) and per entity, with the
conventions analysts know from seqeval: an entity counts as found only when its span and type
match exactly; precision = matched / predicted, recall = matched / reference, F1 their harmonic
mean, per type and micro-averaged over types. The task follows config.json's architecture
(`*ForTokenClassification`); each family's Hugging Face class and Spark NLP annotator are here.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

NAME = "token_classification"
SUFFIX = "ForTokenClassification"
# family (config.json model_type) -> (transformers class, sparknlp.annotator class)
ARCHITECTURES = {
    "bert": ("BertForTokenClassification", "BertForTokenClassification"),
    "distilbert": ("DistilBertForTokenClassification", "DistilBertForTokenClassification"),
    "roberta": ("RobertaForTokenClassification", "RoBertaForTokenClassification"),
    "xlm-roberta": ("XLMRobertaForTokenClassification", "XlmRoBertaForTokenClassification"),
    "deberta-v2": ("DebertaV2ForTokenClassification", "DeBertaForTokenClassification"),
    "albert": ("AlbertForTokenClassification", "AlbertForTokenClassification"),
}
AGGREGATIONS = ("simple", "first", "average", "max")  # HF pipeline strategies that group
DEFAULT_AGGREGATION = "first"  # closest to Spark NLP's first-piece rule on WordPiece models

Entity = tuple[int, int, str]  # start, end (exclusive), type; code points

# The entity cause when every word agrees on its label and the entities still differ.
GROUPING_RULE = "grouping_rule"
# NerConverter's settings in Spark NLP 5.5.3 (its Python and Scala sources: NerConverter,
# NerTagsEncoding.fromIOB) and what each changes: none moves where a chunk ends.
NERCONVERTER_SETTINGS = {
    "whiteList": "keeps only the chunks of the listed types, after grouping: drops chunks, "
                 "never splits one",
    "preservePosition": "takes a chunk's text from the document's offsets or from its first "
                        "word: no chunk boundary changes",
    "nerHasNoSchema": "reads labels without a B-/I- prefix (the whole label is the type); a "
                      "chunk still ends only on a B- label or O",
}
GROUPING_REASON = (
    "NerConverter ends a chunk only on a B- label or O, so an I- label of another type continues "
    "the open chunk (B-PER I-LOC is one PER chunk) where Hugging Face's pipeline starts a new "
    "entity at every type change; none of NerConverter's settings in Spark NLP 5.5.3 ("
    + ", ".join(NERCONVERTER_SETTINGS) + ") changes where a chunk ends")


def is_token_classification(architecture: str | None) -> bool:
    """Whether config.json's first architecture is a token classifier."""
    return bool(architecture) and str(architecture).endswith(SUFFIX)


def config_architecture(folder: str | Path) -> str | None:
    """config.json's first architecture (None when unreadable or absent: the caller's
    checkpoint inspection names that problem)."""
    try:
        config = json.loads((Path(folder) / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    architectures = config.get("architectures") if isinstance(config, dict) else None
    return str(architectures[0]) if architectures else None


def family_of_architecture(architecture: str) -> str | None:
    """The family name whose token-classification class is `architecture`, else None."""
    return next((family for family, (hf, _) in ARCHITECTURES.items() if hf == architecture), None)


def entity_type(label: str) -> str | None:
    """The entity type of a BIO label (`B-PER` -> PER), None for O."""
    if label == "O":
        return None
    return label[2:] if label[:2] in ("B-", "I-") else label


@dataclass(frozen=True)
class Score:
    """Precision, recall and F1 of predicted entities against reference ones (seqeval's exact
    span+type convention), with the counts behind them."""

    predicted: int
    reference: int
    matched: int

    @property
    def precision(self) -> float | None:
        return self.matched / self.predicted if self.predicted else None

    @property
    def recall(self) -> float | None:
        return self.matched / self.reference if self.reference else None

    @property
    def f1(self) -> float | None:
        if not self.predicted and not self.reference:
            return None  # nothing to find and nothing found: not measured, not "perfect"
        total = self.predicted + self.reference
        return 2 * self.matched / total

    def as_dict(self) -> dict[str, float | int | None]:
        def rounded(x: float | None) -> float | None:
            return None if x is None else round(x, 4)

        return {"predicted": self.predicted, "reference": self.reference,
                "matched": self.matched, "precision": rounded(self.precision),
                "recall": rounded(self.recall), "f1": rounded(self.f1)}


def entity_scores(reference: Iterable[Sequence[Entity]], predicted: Iterable[Sequence[Entity]]
                  ) -> dict[str, Score]:
    """Per type and "micro" over all types: rows are paired in order, entities matched by exact
    (start, end, type) within their row (seqeval's default, IOB2)."""
    refs, preds, hits = Counter(), Counter(), Counter()
    for ref_row, pred_row in zip(reference, predicted, strict=True):
        ref_set = {tuple(e) for e in ref_row}
        pred_set = {tuple(e) for e in pred_row}
        for _, _, kind in ref_set:
            refs[kind] += 1
        for _, _, kind in pred_set:
            preds[kind] += 1
        for _, _, kind in ref_set & pred_set:
            hits[kind] += 1
    scores = {kind: Score(preds[kind], refs[kind], hits[kind])
              for kind in sorted(set(refs) | set(preds))}
    scores["micro"] = Score(sum(preds.values()), sum(refs.values()), sum(hits.values()))
    return scores


def overlaps(a: Entity, b: Entity) -> bool:
    """Two spans share at least one code point."""
    return a[0] < b[1] and b[0] < a[1]
