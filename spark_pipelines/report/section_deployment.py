"""The deployment section of index.html: the audit and the deployment causes, shown first.

Its own module so report_html stays one page of general sections; it reads only the typed
summary (summary_model.DeploymentReport), like every other section.
"""

from __future__ import annotations

from parity_core.families import FAMILY_CAUSES
from spark_pipelines.report.html import _table, _text, format_percent, format_rows
from spark_pipelines.report.model import Counterfactual, Summary


def family_lines(summary: Summary) -> list[str]:
    """The report's first lines when Spark NLP 5.5.3 cannot reproduce the model family's input:
    each rule with the share of corpus rows it touches and the counterfactual's rate."""
    right = summary.fingerprints.right
    family = (right.get("sparknlp") or {}).get("family") if hasattr(right, "get") else None
    cf = summary.counterfactual
    lines = []
    for cause in summary.deployment.causes:
        if cause.cause not in FAMILY_CAUSES:
            continue
        share = format_percent(cause.rows / summary.corpus_rows if summary.corpus_rows else None)
        lines.append(f"Spark NLP 5.5.3 does not reproduce this {family} model's input: "
                     f"{cause.evidence} ({cause.cause}: {format_rows(cause.rows)}, {share} of "
                     f"the corpus; {_cf_text(cf)})")
    return lines


def _cf_text(cf: Counterfactual) -> str:
    """The counterfactual's reproduction figures as the summary holds them."""
    reproduced = cf.verdicts.get("reproduced", 0)
    rerun = sum(cf.verdicts.values())
    if not rerun:
        return "counterfactual not run"
    return (f"Hugging Face re-run on Spark NLP's exact input reproduces {reproduced:,} of "
            f"{rerun:,} re-run rows")


def deployment_section(summary: Summary) -> str:
    """Findings side by side, then the causes they explain with their row counts."""
    report = summary.deployment
    if not report.audited and not report.causes:
        return ""  # a matched pipeline: nothing to audit, the headline comes first
    out = ['<section class="deployment">']
    out.extend(f"<p class=reason><b>{_text(line)}</b></p>" for line in family_lines(summary))
    out.append("<h2>Deployment audit</h2>" if report.audited
               else "<h2>What the Spark NLP path does to this model's input</h2>")
    if report.audited:
        out.append(f"<p class=cap>{_text(report.source)} {_text(report.location)}: "
                   f"{_text(' → '.join(report.stages))}</p>")
        out.extend(f"<p class=cap>{_text(note)}</p>" for note in report.notes)
        if report.findings:
            out.append(_table(["setting", "deployed", "checkpoint implies", "effect"],
                              [[_text(f.setting), _text(f.deployed), _text(f.checkpoint),
                                _text(f.effect)] for f in report.findings], set()))
        else:
            out.append("<p>Every audited setting matches the checkpoint.</p>")
    if report.causes:
        out.append("<h3>Rows a deployment setting explains</h3>")
        out.append(_table(["cause", "rows", "evidence"],
                          [[_text(c.cause), format_rows(c.rows), _text(c.evidence or "")]
                           for c in report.causes], {1}))
    out.append("</section>")
    return "".join(out)
