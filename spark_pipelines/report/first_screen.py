"""The page's first screen in words (templates/verdict.html prints them): after the verdict and
how many predictions change, why (the leading cause, in the cause catalogue's words) and what
to do (the `hfparity fix` command for this report, or, once the fix ran, its before and after).

Plain text, made here from the Summary so the sentences have one home; the template escapes it
like any other text.
"""

from __future__ import annotations

from spark_pipelines.report.fix_model import FixFigures, HowToFix
from spark_pipelines.report.formats import format_rows
from spark_pipelines.report.model import DeploymentCause, Example, Summary

FIX_COMMAND = ".venv/bin/hfparity fix --report {report}"
TRIGGER_WORDS_SHOWN = 3


def cause_sentence(summary: Summary) -> str | None:
    """Why, in one sentence: the deployment cause with the most rows when it changes any (one
    setting explains them all), else the leading row cause: 'pieces/pieces_dropped (one side's
    pieces ...) on 1,301 of the 1,423 rows that differ in any way and 58 of the 66 label
    changes; most often at “It's” (110 rows), ...; e.g. row ...'. None when no row differs."""
    deployed = summary.deployment.top
    if deployed is not None and deployed.decisive:
        return _deployment_sentence(summary, deployed)
    lead = summary.leading_cause
    if lead is None:
        return None
    what = f" ({lead.meaning})" if lead.meaning else ""
    text = (f"{lead.name}{what} on {lead.rows:,} of the {format_rows(lead.differing_rows)} "
            "that differ in any way")
    if summary.label_changes:
        text += f" and {lead.label_changes:,} of the {summary.label_changes:,} label changes"
    words = [f"“{w.word}” ({format_rows(w.rows)})"
             for w in lead.trigger_words[:TRIGGER_WORDS_SHOWN]]
    if words:
        text += "; most often at " + ", ".join(words)
    example = _example(summary, lead.cause, lead.sub_cause)
    if example is not None and example.cause_evidence:
        sides = ", ".join(f"{side} {framework(fp, side)}" for side, fp in (
            ("left", summary.fingerprints.left), ("right", summary.fingerprints.right)))
        text += f"; e.g. row {example.id} ({sides}): {example.cause_evidence.split('; ')[0]}"
    return text + "."


def _deployment_sentence(summary: Summary, top: DeploymentCause) -> str:
    """A deployment setting or family rule that changes rows comes first: one setting explains
    them all ('caseSensitive on 40 rows and 4 of the 12 label changes: caseSensitive: deployed
    false vs ...'), in the audit's words, else the rule's evidence."""
    text = f"the deployment's {top.cause} on {format_rows(top.rows)}"
    if summary.label_changes:
        text += f" and {top.label_changed:,} of the {summary.label_changes:,} label changes"
    said = top.setting or top.evidence
    return f"{text}: {said}." if said else f"{text}."


def _example(summary: Summary, cause: str, sub_cause: str | None) -> Example | None:
    """A worked example of the cause with its evidence, whose first clause shows on one row what
    each side did (e.g. "left 'can' ''' 't' vs right 'can': 2 pieces dropped ... on right")."""
    for found in summary.causes:
        for example in found.examples if found.cause == cause else ():
            if example.sub_cause == sub_cause and example.cause_evidence:
                return example
    return None


def fix_command(summary: Summary, report_dir: str | None) -> str | None:
    """The command that proposes and proves the fix for this report; None when the fix already
    ran (its outcome is shown instead) or nothing differs."""
    if summary.how_to_fix is not None or (summary.passed and summary.leading_cause is None):
        return None
    return FIX_COMMAND.format(report=report_dir or "<this report's folder>")


def fix_outcome(fix: HowToFix | None) -> list[str]:
    """The fix's proposal and its figures before → after (fixed_verdict adds the verdict on the
    saved pipeline); empty when the fix has not run."""
    if fix is None:
        return []
    before, after = fix.before, fix.after
    if not fix.proposal:
        lines = ["No Spark NLP pipeline change is called for: what differs comes from "
                 "behaviour no setting changes (How to fix, below)."]
    elif after is None:
        lines = [f"Proposed: {', '.join(fix.proposal)} (not measured)."]
    else:
        lines = [f"Proposed: {', '.join(fix.proposal)}. Label changes {_changes(before)} → "
                 f"{_changes(after)}; rows with |Δp| ≤ 1e-5 {before.within_tight_delta:,} → "
                 f"{after.within_tight_delta:,} of {after.rows:,}; max |Δp| "
                 f"{_delta(before)} → {_delta(after)}."]
    side = fix.model_side
    if side is not None:
        lines.append(f"Then, on the model side, an input rewrite for {', '.join(side.rules)} "
                     f"(no setting reaches them): label changes {_changes(side.before)} → "
                     f"{_changes(side.after)}; rows with |Δp| ≤ 1e-5 "
                     f"{side.before.within_tight_delta:,} → {side.after.within_tight_delta:,}; "
                     f"{side.verdict}")
    return lines


def fixed_verdict(fix: HowToFix | None) -> tuple[bool, str] | None:
    """(passed, the compare job's verdict line) on the saved proposal run again by the Spark NLP
    job; None before that proof ran."""
    if fix is None or fix.verification is None:
        return None
    return fix.verification.compare_exit == 0, fix.verification.verdict


def framework(fingerprint: object, side: str) -> str:
    """A run's framework as its fingerprint (verbatim JSON) records it, else the side's name."""
    return str(fingerprint.get("framework", side)) if hasattr(fingerprint, "get") else side


def _changes(figures: FixFigures) -> str:
    return f"{figures.labeled_both - figures.labels_agree:,} of {figures.labeled_both:,}"


def _delta(figures: FixFigures) -> str:
    return "n/a" if figures.max_abs_delta is None else f"{figures.max_abs_delta:.3g}"
