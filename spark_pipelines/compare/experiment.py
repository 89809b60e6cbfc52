"""Controlled experiment: flip one setting, score twice, check attribution blames that stage.

Both runs are the Hugging Face reference on the same checkpoint, in process; they differ only in
the flipped setting, so every changed row has a known true cause. The changed rows are explained
by the report's own code (explain/explanation.py: build_rows and its JVM explanation, on a Spark
session), so the share attributed to the flipped stage measures how well the report explains
real disagreements; the counterfactual (the left model on the right pieces) must say
`reproduced` for all of them, and cf_consistent comes from the same explanation.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from parity_core.records import TASK
from parity_core.settings import EffectiveSettings
from parity_core.tasks import sequence_classification
from spark_pipelines.compare.pairs import Pair, explain_records
from spark_pipelines.explain.causes import ACCENT_ONE_SIDE, LOWERCASE_ONE_SIDE, PIECES, TRUNCATION
from spark_pipelines.explain.rerun import score_rows

NO_CAUSE = "none"
EXAMPLE_FIELDS = ("status", "cause", "sub_cause", "cause_word", "cause_position", "cause_evidence",
                  "cf_consistent")


@dataclass(frozen=True)
class Flip:
    """One setting changed between the left and right runs, and the stage it must show up at."""

    name: str
    stage: str
    sub_cause: str | None
    left: dict[str, Any]
    right: dict[str, Any]


FLIPS = {
    "casing": Flip("casing", PIECES, LOWERCASE_ONE_SIDE,
                   {"do_lower_case": True, "strip_accents": True},
                   {"do_lower_case": False, "strip_accents": True}),
    "max_length": Flip("max_length", TRUNCATION, None, {"max_length": 128}, {"max_length": 32}),
    "accents": Flip("accents", PIECES, ACCENT_ONE_SIDE,
                    {"do_lower_case": True, "strip_accents": True},
                    {"do_lower_case": True, "strip_accents": False}),
}


@dataclass
class FlipResult:
    """Figures for one flip; `confusion` maps attributed cause → rows (changed rows only)."""

    flip: str
    stage: str
    rows: int
    changed: int
    attributed: int
    sub_attributed: int  # of those, with the flip's expected sub-cause (when it names one)
    confusion: dict[str, int]
    sub_causes: dict[str, int]
    counterfactual: dict[str, int]
    counterfactual_agrees: int
    examples: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def share(self) -> float:
        return self.attributed / self.changed if self.changed else 1.0

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "share": self.share}


def changed(left: dict[str, Any], right: dict[str, Any], tolerance: float) -> bool:
    """The status, the piece ids or the outputs differ (the task's one rule, as the report
    decides label_differs / scores_differ), or the logits do.

    The logits, which the report does not compare, are kept here: the max_length flip changes
    the model input without changing the recorded pieces (all of them, before truncation), and
    a saturated softmax can hide that change in the probabilities. They are compared by the
    same |Δ| rule as the probabilities."""
    if left.get("status") != right.get("status"):
        return True
    lids = [p["id"] for p in left.get("pieces") or []]
    rids = [p["id"] for p in right.get("pieces") or []]
    if lids != rids or TASK.compare(left, right, tolerance).differs:
        return True
    return sequence_classification.scores_differ(left.get("logits"), right.get("logits"),
                                                 tolerance)


def score_all(scorer: Any, ids: list[str], texts: list[Any], chunk: int = 512
              ) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for start in range(0, len(ids), chunk):
        records += scorer.score(ids[start:start + chunk], texts[start:start + chunk])
    return records


class Runner:
    """Scorers and runs cached by settings, so a shared left run is scored once."""

    def __init__(self, base: EffectiveSettings, ids: list[str], texts: list[Any],
                 threads: int | None = None) -> None:
        self.base, self.ids, self.texts, self.threads = base, ids, texts, threads
        self._scorers: dict[EffectiveSettings, Any] = {}
        self._runs: dict[EffectiveSettings, list[dict[str, Any]]] = {}

    def settings(self, overrides: dict[str, Any]) -> EffectiveSettings:
        return replace(self.base, **overrides)

    def scorer(self, settings: EffectiveSettings) -> Any:
        if settings not in self._scorers:
            from hf_reference.scorer import ReferenceScorer

            self._scorers[settings] = ReferenceScorer(settings, threads=self.threads)
        return self._scorers[settings]

    def run(self, settings: EffectiveSettings) -> list[dict[str, Any]]:
        if settings not in self._runs:
            self._runs[settings] = score_all(self.scorer(settings), self.ids, self.texts)
        return self._runs[settings]


def run_flip(spark: Any, runner: Runner, flip: Flip, tolerance: float) -> FlipResult:
    """Score both sides, re-run the left model on right pieces, explain every changed row (one
    Spark job on `spark`)."""
    left_settings, right_settings = runner.settings(flip.left), runner.settings(flip.right)
    left_run, right_run = runner.run(left_settings), runner.run(right_settings)
    pairs = [(lrec, rrec) for lrec, rrec in zip(left_run, right_run)
             if changed(lrec, rrec, tolerance)]
    rerun_rows = [{"id": r["id"], "pieces": r["pieces"],
                   "right_probabilities": r["probabilities"]}
                  for _, r in pairs if r.get("status") == "ok" and r.get("pieces")]
    cf = {row["id"]: row
          for row in score_rows(runner.scorer(left_settings), rerun_rows, tolerance)}
    texts = dict(zip(runner.ids, runner.texts))
    rows = explain_records(spark, [Pair(lrec, rrec, texts.get(lrec["id"]), cf.get(lrec["id"]))
                                   for lrec, rrec in pairs], tolerance) if pairs else []
    confusion: Counter[str] = Counter()
    subs: Counter[str] = Counter()
    verdicts: Counter[str] = Counter()
    agrees = 0
    examples: dict[str, dict[str, Any]] = {}
    for (lrec, _), row in zip(pairs, rows):
        cause = row["cause"] or NO_CAUSE
        confusion[cause] += 1
        subs[f"{cause}/{row['sub_cause']}" if row["sub_cause"] else cause] += 1
        if row["cf_verdict"] is not None:
            verdicts[row["cf_verdict"]] += 1
            agrees += row["cf_consistent"] is True
        examples.setdefault(cause, {"id": lrec["id"], **{k: row[k] for k in EXAMPLE_FIELDS}})
    return FlipResult(
        flip=flip.name, stage=flip.stage, rows=len(left_run), changed=len(pairs),
        attributed=confusion[flip.stage],
        sub_attributed=subs[f"{flip.stage}/{flip.sub_cause}" if flip.sub_cause else flip.stage],
        confusion=dict(confusion), sub_causes=dict(subs),
        counterfactual=dict(verdicts), counterfactual_agrees=agrees, examples=examples,
    )


def render(results: list[FlipResult]) -> str:
    """A plain-text report: one line per flip, then the flip × cause confusion table."""
    lines = []
    for r in results:
        lines.append(
            f"{r.flip:<10} rows {r.rows}  changed {r.changed}  attributed to {r.stage}: "
            f"{r.attributed} ({100 * r.share:.2f}%, expected sub-cause {r.sub_attributed})  "
            f"counterfactual {r.counterfactual} "
            f"(agrees with cause: {r.counterfactual_agrees})"
        )
        lines.append(f"{'':<10} sub-causes {dict(sorted(r.sub_causes.items()))}")
    causes = sorted({c for r in results for c in r.confusion})
    header = f"{'flip/stage':<22}" + "".join(f"{c:>12}" for c in causes)
    lines += ["", header, "-" * len(header)]
    for r in results:
        lines.append(f"{r.flip + '/' + r.stage:<22}"
                     + "".join(f"{r.confusion.get(c, 0):>12}" for c in causes))
    return "\n".join(lines)
