"""index.html: one self-contained page rendered from the Summary model (what summary.json holds),
the first thing a person reads.

No external resources of any kind (inline CSS, SVG plots drawn here, no scripts, system fonts):
the page must open from an archived CI artefact or an air-gapped cluster. Every string that came
from data (texts, tokens, labels, ids, fingerprints) goes through `_text`, which HTML-escapes it
and shows control, format and bidi characters as visible code points, so '<script>', a
right-to-left override or a stray NUL can neither run nor reorder what is shown.
"""

from __future__ import annotations

import html
import json
import math
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any

from spark_pipelines.report import schema
from spark_pipelines.report.model import (
    NULL_VALUE,
    AlignmentWindow,
    Divergence,
    Example,
    Summary,
    plain,
)

# Characters shown as a code point: control, format (ZWJ, bidi overrides), surrogate, private,
# unassigned, line/paragraph separators, and every whitespace but the plain space (NBSP, tab,
# newline). A tokenizer may treat each differently, so the page shows them.
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
STATUS_COLOURS = {
    schema.SAME: "#2e7d32", schema.LABEL_DIFFERS: "#c62828", schema.SCORES_DIFFER: "#ef6c00",
    schema.TOKENS_DIFFER: "#f9a825", schema.MISSING_LEFT: "#6a1b9a",
    schema.MISSING_RIGHT: "#8e24aa", schema.ERROR_LEFT: "#4e342e", schema.ERROR_RIGHT: "#6d4c41",
    schema.UNSCORED_BOTH: "#37474f", schema.NOT_IN_CORPUS: "#757575",
}
OP_CLASSES = {schema.EQUAL: "eq", schema.CHANGED: "chg", schema.SPLIT: "grp",
              schema.MERGED: "grp", schema.REGROUPED: "grp", schema.MISSING_IN_LEFT: "gap",
              schema.MISSING_IN_RIGHT: "gap"}

CSS = """
body{font-family:"DejaVu Sans","Liberation Sans",Arial,sans-serif;color:#111;background:#fff;
 margin:0 auto;max-width:1200px;padding:24px 32px;line-height:1.4}
h1{font-size:22px;margin:0 0 16px}h2{font-size:20px;margin:32px 0 8px;border-bottom:2px solid #ddd}
h3{font-size:16px;margin:20px 0 6px}
.headline{display:flex;gap:56px;align-items:flex-end;flex-wrap:wrap;padding:8px 0 12px}
.big{font-size:88px;font-weight:bold;line-height:1;color:#000;letter-spacing:1px}
.big.rows{font-size:72px}.gate{display:flex;gap:24px;align-items:center;margin:8px 0}
.cap{font-size:18px;color:#222;margin-top:6px}
.verdict{font-size:56px;font-weight:bold;padding:0 24px;border-radius:6px}
.pass{color:#1b5e20;background:#e8f5e9}.fail{color:#b71c1c;background:#ffebee}
.reason{font-size:18px;margin:4px 0 0}.note{font-size:14px;color:#333;margin:4px 0}
.plots{display:flex;flex-wrap:wrap;gap:24px}.plot{flex:1 1 360px}
table{border-collapse:collapse;margin:6px 0}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top;font-size:14px}
th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}
.cc{font-size:10px;color:#b71c1c;border:1px solid #b71c1c;border-radius:3px;padding:0 2px}
.example{border:1px solid #ccc;border-radius:6px;padding:8px 12px;margin:10px 0}
.meta{font-size:14px}.text{font-size:14px;background:#fafafa;padding:4px 6px;margin:4px 0;
 white-space:pre-wrap;word-break:break-word}
.scroll{overflow-x:auto}
table.diff td,table.diff th{font-family:"DejaVu Sans Mono",monospace;font-size:13px;
 white-space:nowrap;border-color:#e0e0e0}
table.diff td.eq{background:#fff;color:#333}
table.diff td.chg{background:#ffe082}table.diff td.grp{background:#90caf9}
table.diff td.gap{background:#ef9a9a}
table.diff td.first{outline:3px solid #b71c1c;outline-offset:-3px;font-weight:bold}
table.diff td.mark{border:none;color:#b71c1c;font-weight:bold;text-align:center}
.legend span{display:inline-block;padding:0 6px;margin-right:8px;font-size:13px}
.tok{border:1px dotted #999;margin:0 1px;padding:0 2px}
details pre{font-size:12px;background:#fafafa;padding:8px;overflow-x:auto}
"""


def render_report(summary: Summary) -> str:
    """The whole page as a string (UTF-8 when written)."""
    from spark_pipelines.report.section_deployment import deployment_section
    from spark_pipelines.report.section_fix import fix_section
    from spark_pipelines.report.section_layers import layers_section

    sections = [fix_section(summary.how_to_fix), deployment_section(summary),
                _headline(summary), _plots(summary), _confusion(summary), _slices(summary),
                _tokens(summary), _causes(summary), layers_section(summary), _worst(summary),
                _provenance(summary)]
    title = "Prediction parity report: " + " vs ".join(
        str(_framework(fp, side)) for side, fp in (("left", summary.fingerprints.left),
                                                   ("right", summary.fingerprints.right)))
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width\"><title>{_text(title)}</title>"
            f"<style>{CSS}</style></head><body>\n<h1>{_text(title)}</h1>\n"
            + "\n".join(sections) + "\n</body></html>\n")


def format_percent(rate: float | None) -> str:
    """Two decimals; never rounds a partial agreement up to 100% or a non-zero rate down to 0%."""
    if rate is None:
        return "n/a"
    shown = f"{rate * 100:.2f}"
    if rate < 1 and shown == "100.00":
        return ">99.99%"
    if rate > 0 and shown == "0.00":
        return "<0.01%"
    return shown + "%"


def format_rows(count: int) -> str:
    return f"{count:,} row" + ("" if count == 1 else "s")


def _text(value: Any, keep_newlines: bool = False) -> str:
    """HTML-escaped text with hidden characters shown as code points (U+200B, U+0007, ...)."""
    if value is None:
        return ""
    out = []
    for ch in str(value):
        if keep_newlines and ch == "\n":
            out.append(ch)
        elif unicodedata.category(ch) in HIDDEN_CATEGORIES or (ch != " " and ch.isspace()):
            out.append(f'<span class="cc">U+{ord(ch):04X}</span>')
        else:
            out.append(html.escape(ch))
    return "".join(out)


def _num(value: Any, digits: int = 4) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return f"{value:,}" if isinstance(value, int) else _text(value)


def _framework(fingerprint: Any, side: str) -> Any:
    """A run's framework as its fingerprint (verbatim JSON) records it, else the side's name."""
    return fingerprint.get("framework", side) if hasattr(fingerprint, "get") else side


# --- headline ---------------------------------------------------------------------------------

def _headline(summary: Summary) -> str:
    agreement = summary.label_agreement
    not_in_corpus = summary.status_counts.get(schema.NOT_IN_CORPUS, 0)
    extra = (f"; plus {not_in_corpus:,} id{'s' if not_in_corpus != 1 else ''} not in the "
             "corpus" if not_in_corpus else "")
    passed = summary.passed
    return (
        '<section class="headline">'
        f'<div><div class="big">{format_percent(agreement.rate)}</div>'
        f'<div class="cap">label agreement: {_num(agreement.agree)} of '
        f'{_num(agreement.denominator)} rows where both sides have a label</div></div>'
        f'<div><div class="big rows">{format_rows(summary.corpus_rows)}</div>'
        f'<div class="cap">corpus rows, each with a status{extra}</div></div></section>'
        f'<div class="gate"><div class="verdict {"pass" if passed else "fail"}">'
        f'{"PASS" if passed else "FAIL"}</div>'
        f'<p class="reason"><b>{"Within" if passed else "Outside"} thresholds:</b> '
        f'{_text(summary.reason)}</p></div>'
        + _status_line(summary)
    )


def _status_line(summary: Summary) -> str:
    counts = summary.status_counts
    items = [f'<span style="color:{STATUS_COLOURS.get(s, "#333")}">■</span> {_text(s)}: '
             f'<b>{n:,}</b>' for s, n in counts.items() if n]
    return f'<p class="cap">{" · ".join(items)}</p>'


# --- plots (inline SVG) -----------------------------------------------------------------------

def _plots(summary: Summary) -> str:
    return ('<h2>Where they disagree</h2><div class="plots">'
            f'<div class="plot"><h3>Label agreement by text length (characters)</h3>'
            f'{_length_plot(summary)}</div>'
            f'<div class="plot"><h3>|Δprobability| per row (largest over classes)</h3>'
            f'{_delta_plot(summary)}</div>'
            f'<div class="plot"><h3>Rows by status</h3>{_status_plot(summary)}</div></div>')


def _svg(width: int, height: int, body: str, label: str) -> str:
    return (f'<svg width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{_text(label)}" '
            f'font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif" font-size="12">'
            f'{body}</svg>')


def _bar_chart(bars: Sequence[tuple[str, float | None, str, str]], label: str,
               y_caption: str, x_font: int = 12) -> str:
    """Vertical bars: (x label, height 0..1 or None, text above the bar, colour)."""
    width, height, left, bottom, top = 560, 270, 40, 50, 36
    plot_h = height - bottom - top
    step = (width - left - 10) / max(len(bars), 1)
    parts = [f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" '
             'stroke="#333"/>',
             f'<text x="4" y="12" fill="#333">{_text(y_caption)}</text>']
    for i, (name, fraction, above, colour) in enumerate(bars):
        x = left + i * step + step * 0.15
        w = step * 0.7
        if fraction is not None:
            h = max(plot_h * min(max(fraction, 0.0), 1.0), 1.0 if fraction > 0 else 0.0)
            parts.append(f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{w:.1f}" '
                         f'height="{h:.1f}" fill="{colour}"/>')
            parts.append(f'<text x="{x + w / 2:.1f}" y="{top + plot_h - h - 4:.1f}" '
                         f'text-anchor="middle" fill="#111">{_text(above)}</text>')
        else:
            parts.append(f'<text x="{x + w / 2:.1f}" y="{top + plot_h - 4:.1f}" '
                         f'text-anchor="middle" fill="#777">{_text(above)}</text>')
        parts.append(f'<text x="{x + w / 2:.1f}" y="{top + plot_h + 16:.1f}" '
                     f'text-anchor="middle" font-size="{x_font}" fill="#111">{_text(name)}</text>')
    return _svg(width, height, "".join(parts), label)


def _length_plot(summary: Summary) -> str:
    buckets = summary.slices.get("length_bucket", ())
    bars = []
    for b in buckets:
        rate = b.agreement_rate
        colour = "#2e7d32" if rate is not None and rate >= 0.99 else "#ef6c00"
        above = format_percent(rate) if rate is not None else "no labels"
        bars.append((str(b.value), rate, above, colour))
    svg = _bar_chart(bars, "label agreement by text length bucket", "agreement (0–100%)")
    counts = " · ".join(f'{_text(b.value)}: {format_rows(b.rows)}' for b in buckets)
    return svg + f'<div class="cap" style="font-size:13px">{counts}</div>'


def _delta_plot(summary: Summary) -> str:
    delta = summary.abs_delta
    top = max((b.rows for b in delta.histogram), default=0)
    scale = _log_scale(top)
    tolerance = summary.thresholds.probability_tolerance
    bars = [(_short_bin(b.bin), scale(b.rows), f'{b.rows:,}',
             "#ef6c00" if b.above(tolerance) else "#1565c0")
            for b in delta.histogram]
    svg = _bar_chart(bars, "histogram of |Δprobability|", "rows (log scale)", x_font=11)
    quant = " · ".join(f"{name} {_num(value, 3)}" for name, value in (
        ("p50", delta.p50), ("p90", delta.p90), ("p99", delta.p99), ("max", delta.max)))
    note = f" · orange: above the tolerance {_num(tolerance, 3)}"
    return svg + (f'<div class="cap" style="font-size:13px">{_num(delta.rows)} rows '
                  f'with both probabilities · {quant}{note}</div>')


def _short_bin(bin_label: str) -> str:
    """'(1e-06, 1e-05]' -> '≤1e-05': bins are contiguous, so the upper edge names each one."""
    if bin_label.startswith("(") and "," in bin_label:
        return "≤" + bin_label.split(",")[1].strip(" ]")
    return bin_label


def _log_scale(top: int) -> Callable[[int], float]:
    """Bar heights on log10(1 + rows): one stray row stays visible next to thousands."""

    def scale(count: int) -> float:
        if top <= 0:
            return 0.0
        return math.log10(1 + count) / math.log10(1 + top)

    return scale


def _status_plot(summary: Summary) -> str:
    counts = summary.status_counts
    total = max(sum(counts.values()), 1)
    width, row_h, left = 560, 24, 120
    parts = []
    for i, (status, n) in enumerate(counts.items()):
        y = 6 + i * row_h
        w = (width - left - 90) * n / total
        parts.append(f'<text x="{left - 6}" y="{y + 15}" text-anchor="end">{_text(status)}</text>')
        parts.append(f'<rect x="{left}" y="{y + 3}" width="{max(w, 1.0 if n else 0.0):.1f}" '
                     f'height="{row_h - 8}" fill="{STATUS_COLOURS.get(status, "#555")}"/>')
        parts.append(f'<text x="{left + w + 6:.1f}" y="{y + 15}">{n:,} '
                     f'({format_percent(n / total)})</text>')
    return _svg(width, 12 + len(counts) * row_h, "".join(parts), "rows by status")


# --- tables -----------------------------------------------------------------------------------

def _table(header: Sequence[str], rows: Sequence[Sequence[str]], numeric: set[int]) -> str:
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f'<td{" class=n" if i in numeric else ""}>{cell}</td>'
                         for i, cell in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _confusion(summary: Summary) -> str:
    labels, matrix = summary.confusion.labels, summary.confusion.matrix
    header = ["left \\ right", *[_text(x) for x in labels]]
    rows = [[f"<b>{_text(lbl)}</b>", *[f"{n:,}" for n in line]]
            for lbl, line in zip(labels, matrix)]
    return ("<h2>Confusion of labels</h2><p class=cap>Rows: left label; columns: right label; "
            "(none): that side has no label.</p>"
            + _table(header, rows, set(range(1, len(labels) + 1))))


SLICE_TITLES = {"length_bucket": "text length", "has_upper": "has upper case",
                "has_non_ascii": "has non-ASCII", "has_inner_punct": "punctuation inside a word",
                "truncated_either": "truncated on either side"}


def _slices(summary: Summary) -> str:
    rows = []
    for name, items in summary.slices.items():
        for s in items:
            rows.append([_text(SLICE_TITLES.get(name, name)), _text(s.value), _num(s.rows),
                         _num(s.labelled), format_percent(s.agreement_rate), _num(s.same)])
    return ("<h2>Slices</h2>" + _table(
        ["slice", "value", "rows", "both labelled", "label agreement", "same"], rows,
        {2, 3, 4, 5}))


def _tokens_cell(tokens: Sequence[str] | None) -> str:
    if not tokens:
        return '<span style="color:#777">∅</span>'
    return "".join(f'<span class="tok"><bdi>{_text(t)}</bdi></span>' for t in tokens)


def _tokens(summary: Summary) -> str:
    out = ["<h2>Most frequent differing tokens</h2>"]
    for level, items in summary.differing_tokens.items():
        out.append(f"<h3>{_text(level)}</h3>")
        if not items:
            out.append("<p>none</p>")
            continue
        rows = [[_tokens_cell(t.left), _tokens_cell(t.right), _text(t.op), _num(t.count),
                 _num(t.rows)] for t in items]
        out.append(_table(["left", "right", "op", "positions", "rows"], rows, {3, 4}))
    return "".join(out)


# --- causes and examples ----------------------------------------------------------------------

def _causes(summary: Summary) -> str:
    causes = summary.causes
    cf = summary.counterfactual
    out = ["<h2>Why: the first stage where the runs part</h2>"]
    if not causes:
        return out[0] + "<p>No disagreeing rows.</p>"
    rows = []
    for c in causes:
        subs = ", ".join(f"{_text(k) if k != NULL_VALUE else '—'} {v:,}"
                         for k, v in c.sub_causes.items())
        words = ", ".join(f"<bdi>{_text(w.word)}</bdi> ({w.rows:,})" for w in c.trigger_words)
        cf_text = f"{c.cf_consistent_true:,} of {c.cf_checked:,}" if c.cf_checked else "—"
        rows.append([f"<b>{_text(c.cause)}</b>", _num(c.rows), subs, words, cf_text])
    out.append(_table(["cause", "rows", "sub-causes", "trigger words (rows)",
                       "counterfactual agrees"], rows, {1}))
    verdicts = ", ".join(f"{_text(k)} {v:,}" for k, v in cf.verdicts.items())
    if verdicts:
        out.append(f"<p class=note>Counterfactual (reference model re-run on the right side's "
                   f"pieces): {verdicts}; agrees with the cause on "
                   f"{format_percent(cf.agreement_with_cause)} of the rows it could "
                   f"check ({cf.cf_consistent.get('true', 0):,} of {cf.checked:,}).</p>")
    else:
        out.append("<p class=note>Counterfactual re-run: not run for this report.</p>")
    out.append(_legend())
    for c in causes:
        if c.examples:
            out.append(f"<h3>Worked examples: {_text(c.cause)}</h3>")
            out.extend(_example(e) for e in c.examples)
    return "".join(out)


def _worst(summary: Summary) -> str:
    worst = summary.worst_examples
    body = "".join(_example(e) for e in worst) if worst else "<p>No disagreeing rows.</p>"
    return ("<h2>Worst examples</h2><p class=cap>Label flips first, then by largest "
            "|Δprobability|.</p>" + body)


def _legend() -> str:
    return ('<p class="legend">Token diff: <span style="background:#fff;border:1px solid #ccc">'
            'equal</span><span style="background:#ffe082">changed</span>'
            '<span style="background:#90caf9">split / merged / regrouped</span>'
            '<span style="background:#ef9a9a">only one side</span>'
            '<span style="outline:3px solid #b71c1c">▼ first point where they part</span></p>')


def _probabilities(values: Sequence[float | None] | None) -> str:
    """Four decimals; a null entry (a NaN, once summary.json has been read back) as "null"."""
    if values is None:
        return "none"
    return "[" + ", ".join("null" if v is None else f"{v:.4f}" for v in values) + "]"


def _example(e: Example) -> str:
    cut = "…" if e.text_cut else ""
    cause = " / ".join(_text(x) for x in (e.cause, e.sub_cause) if x)
    word = f' on <bdi>“{_text(e.cause_word)}”</bdi>' if e.cause_word else ""
    trunc = [side for side, cut_off in (("left", e.left_truncated),
                                        ("right", e.right_truncated)) if cut_off]
    meta = (f'<b>{_text(e.id)}</b> · <span style="color:'
            f'{STATUS_COLOURS.get(e.status, "#333")}">{_text(e.status)}</span> · '
            f'left <b>{_text(e.left_label) or "none"}</b> '
            f'{_probabilities(e.left_probabilities)} → right '
            f'<b>{_text(e.right_label) or "none"}</b> '
            f'{_probabilities(e.right_probabilities)} · max |Δp| '
            f'{_num(e.max_abs_delta, 3)}'
            + (f" · cause {cause}{word}" if cause else "")
            + (f" · truncated: {', '.join(trunc)}" if trunc else ""))
    if e.cf_verdict:
        agrees = {True: "agrees with the cause", False: "contradicts the cause"}.get(
            e.cf_consistent, "not checked against the cause")
        meta += (f' · counterfactual {_text(e.cf_verdict)} (max |Δp| '
                 f'{_num(e.cf_max_abs_delta, 3)}), {agrees}')
    if e.cause_evidence:
        meta += f'<br><span class="note">evidence: {_text(e.cause_evidence)}</span>'
    sides = [f'{side}: {_text(status or "no record")}'
             + (f' ({_text(error)})' if error else "")
             for side, status, error in (("left", e.left_status, e.left_error),
                                         ("right", e.right_status, e.right_error))
             if status != "ok"]
    diffs = [_diff(level, window, e.first_divergence)
             for level, window in (("words", e.word_window), ("pieces", e.piece_window))
             if window]
    if e.status == schema.NOT_IN_CORPUS:
        diffs.insert(0, '<p class="note">This id is in a run but not in the corpus.</p>')
    elif sides:
        diffs.insert(0, f'<p class="note">Not scored on both sides: {"; ".join(sides)}.</p>')
    elif not diffs:
        diffs = ['<p class="note">Words and pieces are identical on both sides: the difference '
                 "is in the scores alone.</p>"]
    shown = (_text(e.text) + cut if e.text
             else '<span style="color:#777">(empty text)</span>' if e.text == ""
             else '<span style="color:#777">(no text)</span>')
    return (f'<div class="example"><div class="meta">{meta}</div>'
            f'<div class="text" dir="auto">{shown}</div>' + "".join(diffs) + "</div>")


def _diff(level: str, window: AlignmentWindow, divergence: Divergence | None) -> str:
    """Two aligned rows of tokens; the first non-equal position is outlined and marked ▼."""
    entries = window.entries or ()
    start = 0 if window.start is None else window.start
    first = -1 if window.first is None else window.first
    size = 0 if window.size is None else window.size
    marks, lefts, rights = ['<th></th>'], ["<th>left</th>"], ["<th>right</th>"]
    if start > 0:
        for row in (marks, lefts, rights):
            row.append('<td class="mark">…</td>' if row is not marks else "<td class=mark></td>")
    for i, a in enumerate(entries):
        op = a.op
        is_first = start + i == first
        cls = OP_CLASSES.get(op, "chg") + (" first" if is_first else "")
        title = f' title="{_text(op)}"'
        marks.append(f'<td class="mark">{"▼" if is_first else ""}</td>')
        lefts.append(f'<td class="{cls}"{title}>{_tokens_cell(a.left_tokens)}</td>')
        rights.append(f'<td class="{cls}"{title}>{_tokens_cell(a.right_tokens)}</td>')
    if start + len(entries) < size:
        for row in (marks, lefts, rights):
            row.append('<td class="mark">…</td>' if row is not marks else "<td class=mark></td>")
    where = ""
    if divergence and divergence.level and level.startswith(divergence.level[:4]):
        where = f' · first divergence: {_text(divergence.op)}'
        if divergence.begin is not None and divergence.end is not None:
            where += f' at characters {_num(divergence.begin)}–{_num(divergence.end)}'
    shown = f"positions {start + 1}–{start + len(entries)} of {size}"
    return (f'<div class="cap" style="font-size:13px">{_text(level)} ({shown}){where}</div>'
            f'<div class="scroll"><table class="diff"><tr>{"".join(marks)}</tr>'
            f'<tr>{"".join(lefts)}</tr><tr>{"".join(rights)}</tr></table></div>')


def _provenance(summary: Summary) -> str:
    blocks = [("left run fingerprint", summary.fingerprints.left),
              ("right run fingerprint", summary.fingerprints.right),
              ("effective settings", summary.settings),
              ("thresholds and definitions", {"thresholds": summary.thresholds,
                                              "gate": summary.gate,
                                              "definitions": summary.definitions})]
    return "<h2>Provenance</h2>" + "".join(
        f"<details><summary>{_text(name)}</summary><pre>"
        f"{_text(json.dumps(plain(value), indent=2, ensure_ascii=False, sort_keys=True), True)}"
        "</pre>"
        "</details>"
        for name, value in blocks)
