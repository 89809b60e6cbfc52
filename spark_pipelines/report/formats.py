"""How the page writes values: percentages, row counts, numbers, probabilities, and text with its
hidden characters shown. Each is a jinja filter of the page's templates (see html.environment); the
plots (report/plots.py) use the same ones, so a figure reads the same in a chart and a table.

Only `visible` builds markup: it escapes the text itself and adds a `<span class="cc">` per hidden
character, so what it returns is safe by construction, whatever the text held.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from markupsafe import Markup, escape

from parity_core.families.unicode import is_python_space
from spark_pipelines.report.model import format_percent, plain

# Characters shown as a code point: control, format (ZWJ, bidi overrides), surrogate, private,
# unassigned, line/paragraph separators, and every whitespace but the plain space (NBSP, tab,
# newline). A tokenizer may treat each differently, so the page shows them.
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def visible(value: Any, keep_newlines: bool = False) -> Markup:
    """HTML-escaped text with hidden characters shown as code points (U+200B, U+0007, ...), so
    '<script>', a right-to-left override or a stray NUL can neither run nor reorder the page."""
    if value is None:
        return Markup("")
    if isinstance(value, Markup):  # already markup: showing it again would escape it twice
        raise TypeError(f"visible() takes text, not markup: {value[:80]!r}")
    text = str(value)
    out, start = [], 0
    for i, ch in enumerate(text):
        if keep_newlines and ch == "\n":
            continue
        if unicodedata.category(ch) in HIDDEN_CATEGORIES or (ch != " " and is_python_space(ch)):
            out += [escape(text[start:i]), f'<span class="cc">U+{ord(ch):04X}</span>']
            start = i + 1
    out.append(escape(text[start:]))
    return Markup("".join(out))  # the text escaped, run by run, and our own spans between


def join_visible(values: Iterable[Any], separator: str) -> Markup:
    """The values joined as plain text, then shown with `visible` (jinja's own `join` would
    escape them first, and `visible` must see the text, not its escaped form)."""
    return visible(separator.join(str(v) for v in values))


def pretty_json(value: Any) -> str:
    """A summary part as indented JSON with sorted keys, for the provenance blocks."""
    return json.dumps(plain(value), indent=2, ensure_ascii=False, sort_keys=True)


def format_rows(count: int) -> str:
    """'1 row', '2,768 rows'."""
    return f"{count:,} row" + ("" if count == 1 else "s")


def format_count(count: int) -> str:
    """A count with thousands separators: '2,768'."""
    return f"{count:,}"


def format_number(value: Any, digits: int = 4) -> str | Markup:
    """A float to `digits` significant digits, an int with separators, None as 'n/a'; anything
    else is text, shown with `visible`."""
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return f"{value:,}" if isinstance(value, int) else visible(value)


def format_probabilities(values: Sequence[float | None] | None) -> str:
    """Four decimals; a null entry (a NaN, once summary.json has been read back) as "null"."""
    if values is None:
        return "none"
    return "[" + ", ".join("null" if v is None else f"{v:.4f}" for v in values) + "]"


FILTERS = {"visible": visible, "join_visible": join_visible, "pretty_json": pretty_json,
           "percent": format_percent, "rows": format_rows, "thousands": format_count,
           "num": format_number, "probabilities": format_probabilities}
