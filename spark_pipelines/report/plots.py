"""The page's figures as inline SVG: label agreement by text length, the |Δprobability|
histogram, rows by status, and |Δ| per layer. No external resources (the page must open from an
archived CI artefact), no plotting library: a few shapes placed from numbers.

Each function returns `Markup` so the templates can place it as it is: the SVG is drawn here from
the summary's numbers, and the few words in it that came from the data (a length bucket, a status,
a layer's name) pass through `formats.visible`, which escapes them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

from markupsafe import Markup

from spark_pipelines.report import schema
from spark_pipelines.report.formats import format_count, format_percent, visible
from spark_pipelines.report.model import AbsDelta, LayerLocalisation, SliceValue

STATUS_COLOURS = {
    schema.SAME: "#2e7d32", schema.LABEL_DIFFERS: "#c62828", schema.SCORES_DIFFER: "#ef6c00",
    schema.TOKENS_DIFFER: "#f9a825", schema.MISSING_LEFT: "#6a1b9a",
    schema.MISSING_RIGHT: "#8e24aa", schema.ERROR_LEFT: "#4e342e", schema.ERROR_RIGHT: "#6d4c41",
    schema.UNSCORED_BOTH: "#37474f", schema.NOT_IN_CORPUS: "#757575",
    schema.INPUT_IDENTICAL_NOT_SCORED: "#b0bec5",
}
FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif"
# The per-layer figure: size, margins, and the floor below which |Δ| is drawn at the floor.
LAYER_WIDTH, LAYER_HEIGHT, LAYER_LEFT, LAYER_RIGHT, LAYER_TOP, LAYER_BOTTOM = (
    560, 250, 52, 12, 16, 56)
LAYER_FLOOR = 1e-8


def _svg(width: int, height: int, body: str, label: str) -> Markup:
    # Markup: the body is shapes placed from numbers plus text already passed through `visible`.
    return Markup(f'<svg width="{width}" height="{height}" '
                  f'viewBox="0 0 {width} {height}" role="img" aria-label="{visible(label)}" '
                  f'font-family="{FONT}" font-size="12">{body}</svg>')


def _bar_chart(bars: Sequence[tuple[str, float | None, str, str]], label: str,
               y_caption: str, x_font: int = 12) -> Markup:
    """Vertical bars: (x label, height 0..1 or None, text above the bar, colour)."""
    width, height, left, bottom, top = 560, 270, 40, 50, 36
    plot_h = height - bottom - top
    step = (width - left - 10) / max(len(bars), 1)
    parts = [f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" '
             'stroke="#333"/>',
             f'<text x="4" y="12" fill="#333">{visible(y_caption)}</text>']
    for i, (name, fraction, above, colour) in enumerate(bars):
        x = left + i * step + step * 0.15
        w = step * 0.7
        if fraction is not None:
            h = max(plot_h * min(max(fraction, 0.0), 1.0), 1.0 if fraction > 0 else 0.0)
            parts.append(f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{w:.1f}" '
                         f'height="{h:.1f}" fill="{colour}"/>')
            parts.append(f'<text x="{x + w / 2:.1f}" y="{top + plot_h - h - 4:.1f}" '
                         f'text-anchor="middle" fill="#111">{visible(above)}</text>')
        else:
            parts.append(f'<text x="{x + w / 2:.1f}" y="{top + plot_h - 4:.1f}" '
                         f'text-anchor="middle" fill="#777">{visible(above)}</text>')
        parts.append(f'<text x="{x + w / 2:.1f}" y="{top + plot_h + 16:.1f}" '
                     f'text-anchor="middle" font-size="{x_font}" fill="#111">{visible(name)}'
                     '</text>')
    return _svg(width, height, "".join(parts), label)


def length_plot(buckets: Sequence[SliceValue]) -> Markup:
    """Label agreement per text-length bucket; green at 99% and above, orange below."""
    bars = []
    for b in buckets:
        rate = b.agreement_rate
        colour = "#2e7d32" if rate is not None and rate >= 0.99 else "#ef6c00"
        above = format_percent(rate) if rate is not None else "no labels"
        bars.append((str(b.value), rate, above, colour))
    return _bar_chart(bars, "label agreement by text length bucket", "agreement (0–100%)")


def short_bin(bin_label: str) -> str:
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


def delta_plot(delta: AbsDelta, tolerance: float | None) -> Markup:
    """The |Δprobability| histogram on a log scale; bins above the tolerance in orange."""
    scale = _log_scale(max((b.rows for b in delta.histogram), default=0))
    bars = [(short_bin(b.bin), scale(b.rows), format_count(b.rows),
             "#ef6c00" if b.above(tolerance) else "#1565c0")
            for b in delta.histogram]
    return _bar_chart(bars, "histogram of |Δprobability|", "rows (log scale)", x_font=11)


def status_plot(counts: Mapping[str, int]) -> Markup:
    """One horizontal bar per status, its count and share of all rows beside it."""
    total = max(sum(counts.values()), 1)
    width, row_h, left = 560, 24, 120
    parts = []
    for i, (status, n) in enumerate(counts.items()):
        y = 6 + i * row_h
        w = (width - left - 90) * n / total
        parts.append(f'<text x="{left - 6}" y="{y + 15}" text-anchor="end">{visible(status)}'
                     '</text>')
        parts.append(f'<rect x="{left}" y="{y + 3}" width="{max(w, 1.0 if n else 0.0):.1f}" '
                     f'height="{row_h - 8}" fill="{STATUS_COLOURS.get(status, "#555")}"/>')
        parts.append(f'<text x="{left + w + 6:.1f}" y="{y + 15}">{n:,} '
                     f'({format_percent(n / total)})</text>')
    return _svg(width, 12 + len(counts) * row_h, "".join(parts), "rows by status")


def _layer_y(value: float, low: float, high: float) -> float:
    plot_h = LAYER_HEIGHT - LAYER_TOP - LAYER_BOTTOM
    v = math.log10(max(value, LAYER_FLOOR))
    return LAYER_TOP + plot_h * (1 - (v - low) / (high - low or 1))


def layer_plot(loc: LayerLocalisation) -> Markup:
    """Polylines of the median and max |Δ| per layer, log10 scale, tolerance dashed."""
    width, height, left, right = LAYER_WIDTH, LAYER_HEIGHT, LAYER_LEFT, LAYER_RIGHT
    base = height - LAYER_BOTTOM
    values = [*loc.median_abs_delta, *loc.max_abs_delta, loc.tolerance]
    low = math.floor(math.log10(max(min(values), LAYER_FLOOR)))
    high = (math.ceil(math.log10(max(max(values), LAYER_FLOOR)))
            + (0 if max(values) > LAYER_FLOOR else 1))
    step = (width - left - right) / max(len(loc.layers) - 1, 1)
    xs = [left + i * step for i in range(len(loc.layers))]
    parts = [f'<line x1="{left}" y1="{base}" x2="{width - right}" y2="{base}" stroke="#333"/>']
    for exponent in range(low, high + 1):
        y = _layer_y(10.0 ** exponent, low, high)
        parts.append(f'<text x="4" y="{y + 4:.1f}" fill="#555" font-size="11">1e{exponent}'
                     f'</text><line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
                     'stroke="#eee"/>')
    ty = _layer_y(loc.tolerance, low, high)
    parts.append(f'<line x1="{left}" y1="{ty:.1f}" x2="{width - right}" y2="{ty:.1f}" '
                 'stroke="#c62828" stroke-dasharray="4 3"/>')
    for series, colour in ((loc.max_abs_delta, "#ef6c00"), (loc.median_abs_delta, "#1565c0")):
        points = " ".join(f"{x:.1f},{_layer_y(v, low, high):.1f}" for x, v in zip(xs, series))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" '
                     'stroke-width="2"/>')
        parts.extend(f'<circle cx="{x:.1f}" cy="{_layer_y(v, low, high):.1f}" r="3" '
                     f'fill="{colour}"/>' for x, v in zip(xs, series))
    for x, name in zip(xs, loc.layers):
        parts.append(f'<text x="{x:.1f}" y="{base + 14}" font-size="10" '
                     f'text-anchor="end" transform="rotate(-35 {x:.1f} {base + 14})"'
                     f'>{visible(name)}</text>')
    return _svg(width, height, "".join(parts), "max |Δ| per layer (log scale)")
