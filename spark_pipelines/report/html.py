"""index.html: one self-contained page rendered from the Summary model (what summary.json holds),
the first thing a person reads.

The page is jinja2 templates (report/templates/: page.html, one template per section, and
macros.html for tables, tokens, examples and token diffs) with autoescaping on: every value a
template prints is HTML-escaped unless it is `Markup`, and only two things are: `formats.visible`
(the text filter that escapes and shows control, format and bidi characters as code points, so
'<script>', a right-to-left override or a stray NUL can neither run nor reorder the page) and the
SVG figures report/plots.py draws from numbers. No external resources of any kind (inline CSS,
inline SVG, no scripts, system fonts): the page must open from an archived CI artefact or an
air-gapped cluster.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

import jinja2

from spark_pipelines.report import first_screen, plots, schema
from spark_pipelines.report.formats import FILTERS
from spark_pipelines.report.model import NULL_VALUE, AlignmentWindow, Example, Summary
from spark_pipelines.report.section_deployment import family_lines

TEMPLATES = Path(__file__).with_name("templates")
OP_CLASSES = {schema.EQUAL: "eq", schema.CHANGED: "chg", schema.SPLIT: "grp",
              schema.MERGED: "grp", schema.REGROUPED: "grp", schema.MISSING_IN_LEFT: "gap",
              schema.MISSING_IN_RIGHT: "gap"}


def render_report(summary: Summary, report_dir: str | None = None) -> str:
    """The whole page as a string (UTF-8 when written). `report_dir`: the report folder as the
    user names it, for the `hfparity fix` command the first screen shows (None: described)."""
    title = "Prediction parity report: " + " vs ".join(
        first_screen.framework(fp, side)
        for side, fp in (("left", summary.fingerprints.left),
                         ("right", summary.fingerprints.right)))
    return environment().get_template("page.html").render(
        summary=summary, title=title, family_lines=family_lines(summary),
        report_dir=report_dir)


@functools.cache
def environment() -> jinja2.Environment:
    """The templates next to this module (shipped in the wheel as package data), escaping on."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True, keep_trailing_newline=True)
    env.filters.update(FILTERS)
    env.globals.update(
        # The plots return Markup: SVG drawn from the summary's numbers (see plots.py).
        length_plot=plots.length_plot, delta_plot=plots.delta_plot,
        status_plot=plots.status_plot, layer_plot=plots.layer_plot,
        status_colours=plots.STATUS_COLOURS, op_classes=OP_CLASSES, schema=schema,
        null_value=NULL_VALUE, unscored_sides=unscored_sides, token_windows=token_windows,
        cause_sentence=first_screen.cause_sentence, fix_command=first_screen.fix_command,
        fix_outcome=first_screen.fix_outcome, fixed_verdict=first_screen.fixed_verdict)
    return env


def unscored_sides(example: Example) -> list[tuple[str, str, str | None]]:
    """(side, its status or "no record", its error) for each side that did not score the row."""
    return [(side, status or "no record", error)
            for side, status, error in (("left", example.left_status, example.left_error),
                                        ("right", example.right_status, example.right_error))
            if status != "ok"]


def token_windows(example: Example) -> Sequence[tuple[str, AlignmentWindow]]:
    """The example's token diffs to draw: words, then pieces, each when the row has one."""
    return [(level, window) for level, window in (("words", example.word_window),
                                                  ("pieces", example.piece_window)) if window]
