"""The "How to fix" section of index.html, first on the page when `hfparity fix` wrote one.

Reads only the typed summary (fix_model.HowToFix): the before/after table per change and all
together, the code to paste, the saved pipeline, its verification, the regressions and the
differences no setting removes.
"""

from __future__ import annotations

import html

from spark_pipelines.report.fix_model import FixFigures, HowToFix
from spark_pipelines.report.html import _table, _text, format_percent, format_rows


def _figures_cells(figures: FixFigures) -> list[str]:
    worst = "n/a" if figures.max_abs_delta is None else f"{figures.max_abs_delta:.3g}"
    return [f"{format_percent(figures.label_agreement)} ({figures.labels_agree:,}/"
            f"{figures.labeled_both:,})",
            f"{format_percent(figures.piece_agreement)} ({figures.pieces_same:,}/"
            f"{figures.rows:,})", worst, f"{figures.within_tight_delta:,}"]


def fix_section(fix: HowToFix | None) -> str:
    """The section, or "" when the summary has no how_to_fix."""
    if fix is None:
        return ""
    out = ['<section class="fix"><h2>How to fix</h2>']
    if not fix.proposal:
        out.append("<p>No pipeline change is called for: the report's differences come from "
                   "behaviour no Spark NLP setting changes (below).</p>")
    else:
        out.append(f"<p>Proposed: {_text(', '.join(fix.proposal))}. {_text(fix.coverage)}</p>")
    header = ["run", "changes", "label agreement", "identical pieces", "max |Δp|",
              "rows |Δp| ≤ 1e-5", "regressions"]
    rows = [["before", "(the report)", *_figures_cells(fix.before), ""]]
    rows += [[_text(run.name), _text(", ".join(run.changes)), *_figures_cells(run.figures),
              f"{run.regressions:,}"] for run in fix.runs]
    out.append(_table(header, rows, {2, 3, 4, 5, 6}))
    if fix.candidates:
        out.append("<h3>Changes the report calls for</h3>")
        out.append(_table(["change", "now", "proposed", "why"],
                          [[_text(c.name), _text(c.before), _text(c.after), _text(c.why)]
                           for c in fix.candidates], set()))
    if fix.code:
        out.append("<h3>Pipeline to deploy</h3>")
        if fix.pipeline_dir:
            out.append(f"<p class=cap>Saved PipelineModel: {_text(fix.pipeline_dir)}</p>")
        out.append(f"<pre>{html.escape(fix.code)}</pre>")
    if fix.verification is not None:
        check = fix.verification
        out.append(f"<p>Verified: the saved pipeline loaded again by the Spark NLP job "
                   f"(--pipeline), compare exit {check.compare_exit}: "
                   f"<b>{_text(check.verdict)}</b></p>")
    out.append(f"<h3>Regressions ({format_rows(len(fix.regressions))} agree before and "
               "disagree after)</h3>")
    if fix.regressions:
        out.append(_table(["id", "status", "cause", "evidence", "why"],
                          [[_text(r.id), _text(r.status), _text(r.cause or ""),
                            _text(r.evidence or ""), _text(r.reason)]
                           for r in fix.regressions], set()))
    if fix.remaining:
        out.append("<h3>Differences that remain, and why no setting removes them</h3>")
        out.append(_table(["reason", "rows", "label flips", "why", "examples"],
                          [[_text(r.reason), f"{r.rows:,}", f"{r.label_flips:,}",
                            _text(r.explanation), _text(", ".join(r.example_ids))]
                           for r in fix.remaining], {1, 2}))
    out.append("</section>")
    return "".join(out)
