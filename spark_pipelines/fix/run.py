"""`hfparity fix` as a library call: derive the changes, re-run Spark NLP with each and with all,
join each run with the existing Hugging Face records, and propose the combined pipeline.

Every corpus row is re-run (no sampling): a Spark NLP pass over a few thousand rows costs
minutes, and a regression hidden in an unsampled agreeing row is exactly what this must not
miss. Runs go through the Spark NLP job's own `--pipeline` path (run_sparknlp) and the compare
job's library call, so the figures are the same code's as any report's.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
from pyspark.sql import SparkSession

from parity_core.audit import VOCABULARY, audit_of
from parity_core.config import ProjectConfig
from parity_core.families.pattern import tokenizer_model
from parity_core.settings import EffectiveSettings
from spark_pipelines.fix.build import base_facts, changed_pipeline
from spark_pipelines.fix.candidates import derive_candidates
from spark_pipelines.fix.inputs import FixInputs, read_rows
from spark_pipelines.fix.metrics import RunFigures, figures, labels_agree, regressions
from spark_pipelines.fix.remaining import REASONS, Limits, reason
from spark_pipelines.io.publish import Output, clear_local
from spark_pipelines.report.fix_model import (
    FixCandidate,
    FixFigures,
    FixRemaining,
    FixRow,
    FixRun,
    HowToFix,
)

PROPOSAL_DIR = "pipeline"
RUNS_DIR = "runs"
EXAMPLES = 5


def typed_figures(run: RunFigures) -> FixFigures:
    return FixFigures(**run.to_dict())


def _base_pipeline(spark: SparkSession, config: ProjectConfig, settings: EffectiveSettings,
                   inputs: FixInputs, out: Path) -> str:
    """The folder of the pipeline behind the report's right side: the deployment it scored, or
    the job's matched pipeline saved for the occasion."""
    if audit_of(inputs.right_fingerprint) is not None:
        return str((inputs.right_fingerprint.get("sparknlp") or {})["model_dir"])
    from spark_pipelines.sparknlp.pipeline import build_pipeline

    folder = out / RUNS_DIR / "base" / PROPOSAL_DIR
    build_pipeline(spark, config, settings).pipeline.write().overwrite().save(str(folder))
    return str(folder)


def fix_row(row: pd.Series, limits: Limits) -> FixRow:
    def text(name: str) -> str | None:
        value = row.get(name)
        return None if value is None or pd.isna(value) else str(value)

    return FixRow(id=str(row["id"]), status=str(row["status"]), cause=text("cause"),
                  sub_cause=text("sub_cause"), evidence=text("cause_evidence"),
                  reason=_reason(row, limits))


def _reason(row: pd.Series, limits: Limits) -> str:
    def value(name: str) -> object | None:
        found = row.get(name)
        return None if found is None or pd.isna(found) else found

    text, cause, sub_cause = value("text"), value("deployment_cause"), value("sub_cause")
    return reason(None if text is None else str(text), limits, value("pieces_equal") == True,  # noqa: E712
                  None if cause is None else str(cause),
                  None if sub_cause is None else str(sub_cause))


def remaining_groups(after: pd.DataFrame, limits: Limits) -> tuple[FixRemaining, ...]:
    """Rows that still differ (label or pieces), grouped by the fixed behaviour behind them."""
    agree = labels_agree(after)
    left = after[~(agree & (after["pieces_equal"] == True))]  # noqa: E712
    if left.empty:
        return ()
    keys = left.apply(lambda row: _reason(row, limits), axis=1)
    both = left["left_label"].notna() & left["right_label"].notna()
    flips = both & ~agree[left.index]
    groups = []
    for key in sorted(set(keys), key=lambda k: (-(keys == k).sum(), k)):
        members = left[keys == key]
        groups.append(FixRemaining(
            reason=key, explanation=REASONS[key], rows=len(members),
            label_flips=int(flips[members.index].sum()),
            example_ids=tuple(sorted(members["id"].astype(str))[:EXAMPLES])))
    return tuple(groups)


def _rerun(spark: SparkSession, config: ProjectConfig, settings: EffectiveSettings,
           inputs: FixInputs, base_dir: str, changes: tuple[str, ...], pipeline_dir: Path,
           work: Path, loaded: object | None = None) -> tuple[object, pd.DataFrame]:
    """Save the changed pipeline, score the corpus with it, join with the reference records."""
    from spark_pipelines.compare.job import run_compare
    from spark_pipelines.sparknlp.job import run_sparknlp

    pipeline = changed_pipeline(spark, base_dir, changes, settings, config.sparknlp_model_path(),
                                loaded)
    pipeline.write().overwrite().save(str(pipeline_dir))
    records = work / "sparknlp"
    run_sparknlp(spark, config, settings, inputs.corpus, str(records), overwrite=True,
                 pipeline_dir=str(pipeline_dir))
    run_compare(spark, config, settings, str(inputs.left_dir), str(records), inputs.corpus,
                str(work / "report"), overwrite=True, counterfactual="off")
    return pipeline, read_rows(work / "report")


def run_fix(spark: SparkSession, config: ProjectConfig, settings: EffectiveSettings,
            inputs: FixInputs, out_dir: str, overwrite: bool = False,
            say: Callable[[str], None] = print) -> tuple[HowToFix, object | None]:
    """Measure every change the report calls for; returns the typed result and the proposal."""
    from spark_pipelines.fix.proposal import pipeline_code
    from spark_pipelines.sparknlp.deployment import load_deployment

    out = Path(out_dir).resolve()
    # Built in place, not renamed in: the runs' folders are named in fix.json by their paths.
    clear_local(Output(str(out), f"--output {out}", overwrite))
    limits = Limits(settings.strip_accents, settings.max_input_chars_per_word,
                    settings.tokenize_chinese_chars, tokenizer_model(settings))
    before = read_rows(inputs.report_dir)
    base_dir = _base_pipeline(spark, config, settings, inputs, out)
    audit = audit_of(inputs.right_fingerprint)
    base = load_deployment(spark, base_dir)
    facts = base_facts(base, vocabulary_matches=audit is None or audit.finding(VOCABULARY) is None)
    word_rows = int((before["words_equal"] == False).sum())  # noqa: E712
    causes = before["deployment_cause"].dropna().value_counts().to_dict()
    candidates = derive_candidates(facts, settings, word_rows, causes)
    names = tuple(c.name for c in candidates)
    plans = [(c.name, (c.name,)) for c in candidates]
    if len(candidates) > 1:
        plans.append(("all", names))
    runs, proposal, after = [], None, None
    for name, changes in plans:
        chosen = changes == names
        pipeline_dir = out / PROPOSAL_DIR if chosen else out / RUNS_DIR / name / PROPOSAL_DIR
        say(f"re-running Spark NLP on every corpus row with: {', '.join(changes)}")
        pipeline, rows = _rerun(spark, config, settings, inputs, base_dir, changes, pipeline_dir,
                                out / RUNS_DIR / name, base)
        base = None  # its stages may have changed: later builds load the base afresh
        lost = regressions(before, rows)
        runs.append(FixRun(name, changes, typed_figures(figures(rows)), len(lost),
                           str(pipeline_dir), str(out / RUNS_DIR / name / "sparknlp")))
        say(f"  {name}: {runs[-1].figures}")
        if chosen:
            proposal, after, lost_rows = pipeline, rows, lost
    code, regressed, remaining = "", (), remaining_groups(before, limits)
    if proposal is not None:
        classifier = next(i for i, s in enumerate(proposal.stages)
                          if s._java_obj.getClass().getSimpleName().endswith(
                              "ForSequenceClassification"))
        code = pipeline_code(proposal, classifier, str(out / PROPOSAL_DIR))
        regressed = tuple(fix_row(r, limits) for _, r in lost_rows.iterrows())
        remaining = remaining_groups(after, limits)
    coverage = (f"Re-run on every corpus row ({len(before):,}), for each change alone and all "
                "together, and joined with the report's Hugging Face records: no sampling, so "
                "no regression can hide in an agreeing row that was not re-run.")
    fix = HowToFix(
        coverage=coverage, before=typed_figures(figures(before)),
        candidates=tuple(FixCandidate(**c.to_dict()) for c in candidates), runs=tuple(runs),
        proposal=names, after=None if after is None else typed_figures(figures(after)),
        code=code, pipeline_dir=str(out / PROPOSAL_DIR) if proposal is not None else None,
        regressions=regressed, remaining=remaining, verification=None)
    return fix, proposal
