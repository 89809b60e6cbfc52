"""Deployment causes: one name for the many rows a single deployment setting changes.

The row explanation (the JVM engine) sees one row at a time, so a labels.txt written in the
wrong order looks like thousands of independent flips and a vocabulary from another checkpoint
like thousands of piece differences. A deployment setting is a fact about the run, not the row,
so it is named here, beside the engine's per-row cause, in Spark columns (deployment_cause,
deployment_evidence) from the deployment audit a run fingerprint carries and one small
aggregate over the two runs' labels:

- label_order: the label confusion is a permutation other than the identity (each left label
  goes, on at least PERMUTATION_SHARE of its rows, to one right label, no two to the same) and
  the row's right label is its left label permuted; the evidence counts the rows whose
  probabilities agree within the tolerance once permuted.
- vocabulary: the audit reports another vocabulary, and a piece of the row has another id on
  the other side (the same string, renumbered).
- sentence_splitting: a side made several predictions for the row (a sentence detector).
- maxSentenceLength: the audit reports it, a side truncated and the two kept a different number
  of pieces (the engine may name an earlier stage first, e.g. casing, but the cut is the
  setting's).
- caseSensitive / text_stage: the audit reports that setting and the engine's cause is the one
  it produces (lower-casing on one side; the text or words stage).
- family rules (explain/family_rules.py): what Spark NLP 5.5.3 does to every input of the right
  run's model family (RoBERTa's missing space marker, a masked <s>, DeBERTa's id offset).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from parity_core.audit import (
    CASE_SENSITIVE,
    LABELS,
    MAX_SENTENCE_LENGTH,
    TEXT_STAGE,
    VOCABULARY,
    DeploymentAudit,
    audit_of,
)
from parity_core.families import FAMILY_CAUSES
from parity_core.records import STATUS_OK
from spark_pipelines.explain.causes import LABEL_ORDER, LOWERCASE_ONE_SIDE, TEXT, WORDS
from spark_pipelines.explain.family_rules import family_rules

PERMUTATION_SHARE = 0.9
SENTENCE_SPLITTING = "sentence_splitting"
# Deployment causes in the order a row takes them (first that applies).
CAUSES = (LABEL_ORDER, VOCABULARY, SENTENCE_SPLITTING, MAX_SENTENCE_LENGTH, CASE_SENSITIVE,
          TEXT_STAGE, *FAMILY_CAUSES)


@dataclass(frozen=True)
class LabelPermutation:
    """Left label -> right label, and how the probabilities compare once permuted."""

    mapping: Mapping[str, str]
    rows: int  # rows whose right label is the permuted left label (labels differing)
    agree_once_permuted: int  # of those, rows within the tolerance once permuted
    labelled: int  # rows both sides labelled

    @property
    def text(self) -> str:
        pairs = ", ".join(f"{a}→{b}" for a, b in self.mapping.items() if a != b)
        return (f"the label confusion is the permutation {pairs} ({self.rows:,} of "
                f"{self.labelled:,} labelled rows); probabilities agree once permuted on "
                f"{self.agree_once_permuted:,} of them")


@dataclass(frozen=True)
class DeploymentFacts:
    """What the join knows about the deployment: the audit (if any) and the label permutation."""

    audit: DeploymentAudit | None
    permutation: LabelPermutation | None
    family: str | None = None  # the right run's model family (explain/family_rules.py)

    def setting_line(self, cause: str) -> str | None:
        """The audit line of the setting behind `cause` (None when the audit has none)."""
        finding = self.audit.finding(LABELS if cause == LABEL_ORDER else cause) \
            if self.audit is not None else None
        return finding.line if finding is not None else None

    def evidence(self, cause: str) -> str | None:
        """The text a row of `cause` carries: the audit line, plus the permutation's."""
        line = self.setting_line(cause)
        parts = [line] if line is not None else []
        if cause == LABEL_ORDER and self.permutation is not None:
            parts.append(self.permutation.text)
        return "; ".join(parts) or None


def _pairs(left: DataFrame, right: DataFrame) -> DataFrame:
    ok = F.col("status") == STATUS_OK
    return (left.where(ok).select("id", F.col("label").alias("l_label"),
                                  F.col("probabilities").alias("l_p"))
            .join(right.where(ok).select("id", F.col("label").alias("r_label"),
                                         F.col("probabilities").alias("r_p")), "id"))


def find_permutation(left: DataFrame, right: DataFrame, labels: Sequence[str],
                     tolerance: float) -> LabelPermutation | None:
    """The non-identity label permutation the two runs' labels follow, if they follow one."""
    pairs = _pairs(left, right)
    counts = {(r["l_label"], r["r_label"]): r["count"]
              for r in pairs.groupBy("l_label", "r_label").count().collect()}
    mapping = {}
    for label in labels:
        row = {b: n for (a, b), n in counts.items() if a == label}
        total = sum(row.values())
        if not total:
            return None
        best = max(row, key=row.__getitem__)
        if row[best] < PERMUTATION_SHARE * total:
            return None
        mapping[label] = best
    if sorted(mapping.values()) != sorted(labels) or all(a == b for a, b in mapping.items()):
        return None
    index = {name: i for i, name in enumerate(labels)}
    target = F.array(*[F.lit(index[mapping[name]]) for name in labels])
    moved = F.col("r_label") == _mapped(mapping, F.col("l_label"))
    delta = F.array_max(F.transform(F.col("l_p"), lambda p, i: F.abs(
        p - F.element_at(F.col("r_p"), F.element_at(target, i + 1) + 1))))
    differs = F.col("l_label") != F.col("r_label")
    figures = pairs.select(
        F.sum(F.when(moved & differs, 1).otherwise(0)).alias("rows"),
        F.sum(F.when(moved & differs & (delta <= tolerance), 1).otherwise(0)).alias("agree"),
    ).first()
    return LabelPermutation(mapping, int(figures["rows"] or 0), int(figures["agree"] or 0),
                            sum(counts.values()))


def _mapped(mapping: Mapping[str, str], label: Column) -> Column:
    out = F.lit(None).cast("string")
    for a, b in mapping.items():
        out = F.when(label == a, F.lit(b)).otherwise(out)
    return out


def deployment_facts(left: DataFrame, right: DataFrame, left_fp: Mapping[str, Any],
                     right_fp: Mapping[str, Any], labels: Sequence[str], tolerance: float
                     ) -> DeploymentFacts:
    """The right run's audit (else the left's) and the label permutation, if any."""
    audit = audit_of(right_fp) or audit_of(left_fp)
    family = (right_fp.get("sparknlp") or {}).get("family")
    return DeploymentFacts(audit, find_permutation(left, right, labels, tolerance), family)


def _row_evidence(facts: DeploymentFacts | None, setting: str) -> Column | None:
    """Per-row evidence that names the setting with both values, then what it did to the row:
    `maxSentenceLength 128 vs max_length 512: left kept 512 of 600 pieces, right 128`,
    `caseSensitive true vs false (do_lower_case true): 'Great' reached the model cased on one
    side`. None when the audit has no such finding."""
    finding = facts.audit.finding(setting) if facts is not None and facts.audit else None
    if finding is None:
        return None
    if setting == MAX_SENTENCE_LENGTH:
        def kept(side: str) -> Column:
            return F.concat(F.coalesce(F.size(F.col(f"{side}.pieces")).cast("string"),
                                       F.lit("?")), F.lit(" of "),
                            F.coalesce(F.col(f"{side}.piece_count").cast("string"),
                                       F.lit("?")))
        return F.concat(F.lit(f"{finding.short}: left kept "), kept("l"),
                        F.lit(" pieces, right "), kept("r"), F.lit(f"; {finding.line}"))
    word = F.coalesce(F.concat(F.lit("'"), F.col("_x.cause_word"), F.lit("'")),
                      F.lit("a word"))
    return F.concat(F.lit(f"{finding.short}: "), word,
                    F.lit(" reached the model with its case on one side only; "
                          f"{finding.line}"))


def deployment_columns(facts: DeploymentFacts | None) -> tuple[Column, Column]:
    """(deployment_cause, deployment_evidence) over build_rows' staged frame (l, r, _x, status).

    Null on `same` rows and where no deployment cause applies.
    """
    audit = facts.audit if facts is not None else None

    def reported(setting: str) -> bool:
        return audit is not None and audit.finding(setting) is not None

    lp, rp = F.col("l.pieces"), F.col("r.pieces")
    rules: list[tuple[str, Column]] = []
    if facts is not None and facts.permutation is not None:
        moved = F.col("r.label") == _mapped(facts.permutation.mapping, F.col("l.label"))
        rules.append((LABEL_ORDER, moved & (F.col("l.label") != F.col("r.label"))))
    if reported(VOCABULARY):
        renumbered = F.exists(lp, lambda p: F.exists(
            rp, lambda q: (q["piece"] == p["piece"]) & (q["id"] != p["id"])))
        rules.append((VOCABULARY, renumbered))
    rules.append((SENTENCE_SPLITTING, (F.coalesce(F.col("r.predictions"), F.lit(1)) > 1)
                  | (F.coalesce(F.col("l.predictions"), F.lit(1)) > 1)))
    if reported(MAX_SENTENCE_LENGTH):
        cut = F.coalesce(F.col("l.truncated"), F.lit(False)) \
            | F.coalesce(F.col("r.truncated"), F.lit(False))
        rules.append((MAX_SENTENCE_LENGTH, cut & (F.size(lp) != F.size(rp))))
    if reported(CASE_SENSITIVE):
        rules.append((CASE_SENSITIVE, F.col("_x.sub_cause") == LOWERCASE_ONE_SIDE))
    if reported(TEXT_STAGE):
        rules.append((TEXT_STAGE, F.col("_x.cause").isin(TEXT, WORDS)))
    texts = {}
    for name, condition, text in family_rules(facts.family if facts is not None else None):
        rules.append((name, condition))  # after the deployment settings: the model's own path
        texts[name] = text
    cause = F.lit(None).cast("string")
    evidence = F.lit(None).cast("string")
    for name, condition in reversed(rules):
        hit = F.coalesce(condition, F.lit(False)) & (F.col("status") != "same")
        cause = F.when(hit, F.lit(name)).otherwise(cause)
        text: Column | None = _row_evidence(facts, name) \
            if name in (MAX_SENTENCE_LENGTH, CASE_SENSITIVE) else None
        if text is None:
            shown = texts.get(name) or (facts.evidence(name) if facts is not None else None)
            if name == SENTENCE_SPLITTING:
                shown = "several predictions for one text (a sentence detector); the " \
                        "record's label is the mean of their probabilities"
                if reported("sentence_splitting"):
                    shown = f"{audit.finding('sentence_splitting').line}"
            text = F.lit(shown)
        evidence = F.when(hit, text).otherwise(evidence)
    return cause, evidence
