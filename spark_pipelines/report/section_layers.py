"""The per-layer section of index.html: where numerics rows part, as a small inline SVG.

One line per statistic (median and max over the localised rows of each row's max |Δ|) across
the layers, on a log scale, with the tolerance drawn; then how many rows first pass it at each
layer. Reads only the typed summary (summary_model.LayerLocalisation).
"""

from __future__ import annotations

import math

from spark_pipelines.report.html import _num, _svg, _table, _text, format_rows
from spark_pipelines.report.model import LayerLocalisation, Summary

WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 560, 250, 52, 12, 16, 56
FLOOR = 1e-8  # |Δ| below this is drawn at the floor (log scale)


def _y(value: float, low: float, high: float) -> float:
    plot_h = HEIGHT - TOP - BOTTOM
    v = math.log10(max(value, FLOOR))
    return TOP + plot_h * (1 - (v - low) / (high - low or 1))


def layer_plot(loc: LayerLocalisation) -> str:
    """Polylines of the median and max |Δ| per layer, log10 scale, tolerance dashed."""
    values = [*loc.median_abs_delta, *loc.max_abs_delta, loc.tolerance]
    low = math.floor(math.log10(max(min(values), FLOOR)))
    high = math.ceil(math.log10(max(max(values), FLOOR))) + (0 if max(values) > FLOOR else 1)
    step = (WIDTH - LEFT - RIGHT) / max(len(loc.layers) - 1, 1)
    xs = [LEFT + i * step for i in range(len(loc.layers))]
    parts = [f'<line x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - RIGHT}" '
             f'y2="{HEIGHT - BOTTOM}" stroke="#333"/>']
    for exponent in range(low, high + 1):
        y = _y(10.0 ** exponent, low, high)
        parts.append(f'<text x="4" y="{y + 4:.1f}" fill="#555" font-size="11">1e{exponent}'
                     f'</text><line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
                     'stroke="#eee"/>')
    ty = _y(loc.tolerance, low, high)
    parts.append(f'<line x1="{LEFT}" y1="{ty:.1f}" x2="{WIDTH - RIGHT}" y2="{ty:.1f}" '
                 'stroke="#c62828" stroke-dasharray="4 3"/>')
    for series, colour in ((loc.max_abs_delta, "#ef6c00"), (loc.median_abs_delta, "#1565c0")):
        points = " ".join(f"{x:.1f},{_y(v, low, high):.1f}" for x, v in zip(xs, series))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" '
                     'stroke-width="2"/>')
        parts.extend(f'<circle cx="{x:.1f}" cy="{_y(v, low, high):.1f}" r="3" '
                     f'fill="{colour}"/>' for x, v in zip(xs, series))
    for x, name in zip(xs, loc.layers):
        parts.append(f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 14}" font-size="10" '
                     f'text-anchor="end" transform="rotate(-35 {x:.1f} {HEIGHT - BOTTOM + 14})"'
                     f'>{_text(name)}</text>')
    return _svg(WIDTH, HEIGHT, "".join(parts), "max |Δ| per layer (log scale)")


def layers_section(summary: Summary) -> str:
    """Empty when no row was localised."""
    loc = summary.layers
    if loc is None:
        return ""
    out = ['<section class="layers"><h2>Where the numbers part (per layer)</h2>',
           f'<p class=cap>{format_rows(loc.rows)} whose numbers differ on the same pieces '
           "(cause numerics, or the counterfactual did not reproduce the right side), re-run on "
           "the right side's pieces: the reference's hidden states against its ONNX graph with "
           f"its layer outputs exposed; tolerance {_num(loc.tolerance, 3)}"
           + (f"; {loc.errors:,} could not be localised" if loc.errors else "") + ".</p>"]
    if loc.layers:
        out.append(layer_plot(loc))
        out.append('<div class="cap" style="font-size:13px"><span style="color:#1565c0">'
                   'median</span> and <span style="color:#ef6c00">max</span> over rows of '
                   'each row\'s max |Δ|; dashed: tolerance</div>')
        out.append(_table(("first layer past the tolerance", "rows"),
                          [(_text(k), f"{v:,}") for k, v in loc.first_past.items()], {1}))
    out.append("</section>")
    return "".join(out)
