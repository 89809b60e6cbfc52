"""The deployment section of index.html: the audit and the deployment causes, shown first.

Its own module so report_html stays one page of general sections; it reads only the typed
summary (summary_model.DeploymentReport), like every other section.
"""

from __future__ import annotations

from spark_pipelines.compare.report_html import _table, _text, format_rows
from spark_pipelines.compare.summary_model import Summary


def deployment_section(summary: Summary) -> str:
    """Findings side by side, then the causes they explain with their row counts."""
    report = summary.deployment
    if not report.audited and not report.causes:
        return ""  # a matched pipeline: nothing to audit, the headline comes first
    out = ['<section class="deployment"><h2>Deployment audit</h2>']
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
