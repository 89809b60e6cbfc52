"""One text's two records and its report row, side by side: what `hfparity explain` prints.

Pure Python over plain dicts (a record as parity_core.records defines it, a report row as
report/schema.py ROWS_DDL defines it), so the same view serves records produced a moment ago
and a row read back from a report. The lines follow the text: each word run of the join's word
alignment (the characters both sides' words cover; the words themselves where they are equal),
with the pieces each side gave those characters, their ids and attention mask; the start and
end tokens at the ends. The cause and the counterfactual are the join's own (compare/rows.py
through pairs.py, or the report's rows/), with the cause catalogue's meaning
(explain/causes.py).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from itertools import zip_longest
from typing import Any

from spark_pipelines.explain.causes import BY_NAME, row_entry
from spark_pipelines.explain.verdict import CF_ERROR, NOT_REPRODUCED, REPRODUCED
from spark_pipelines.report.schema import EQUAL, SAME

LEFT_NAME = "Hugging Face"
RIGHT_NAME = "Spark NLP"
CF_MEANING = {
    REPRODUCED: "Spark NLP's own model input explains its output (tokenization, not numerics)",
    NOT_REPRODUCED: "same input, other output: the two runtimes compute differently (numerics)",
    CF_ERROR: "the re-run failed",
}


@dataclass(frozen=True)
class PieceCell:
    """One side's piece on a line: its string, its id (and the id the model was fed when that
    differs), its attention mask value (None when not recorded)."""

    piece: str
    id: int | None
    input_id: int | None
    mask: int | None

    def id_text(self) -> str:
        if self.input_id is not None and self.input_id != self.id:
            return f"{self.id}->{self.input_id}"
        return "" if self.id is None else str(self.id)


@dataclass(frozen=True)
class Line:
    """One line of the table: the characters (or special token) it covers, each side's piece
    there, and what differs (the word run's alignment op on its first line, "pieces" where the
    two pieces differ)."""

    text: str
    left: PieceCell | None
    right: PieceCell | None
    note: str


def plain(value: Any) -> Any:
    """JSON-ready: numpy values unwrapped, NaN as null, containers recursed."""
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        value = value.tolist()
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _cells(record: Mapping[str, Any] | None) -> list[tuple[PieceCell, int | None, int | None]]:
    """(cell, begin, end) per piece of a record, model input read at the piece's position."""
    if not record or not record.get("pieces"):
        return []
    ids = record.get("input_ids") or []
    mask = record.get("attention_mask") or []
    out = []
    for index, piece in enumerate(record["pieces"]):
        cell = PieceCell(str(piece["piece"]), piece.get("id"),
                         ids[index] if index < len(ids) else None,
                         mask[index] if index < len(mask) else None)
        out.append((cell, piece.get("begin"), piece.get("end")))
    return out


def shown(value: str) -> str:
    """A string as printed in the table: escapes for what would not show (NBSP, controls)."""
    return repr(value)[1:-1]


def _tokens(tokens: Sequence[str] | None) -> str:
    return " | ".join(shown(t) for t in tokens or []) or "-"


def _word_runs(row: Mapping[str, Any], left: Mapping[str, Any] | None,
               right: Mapping[str, Any] | None) -> list[tuple[int, int, str]]:
    """(begin, end, note) per word run: the join's word alignment where the words differ, else
    one side's words (equal on both)."""
    aligned = row.get("word_alignment")
    if aligned:
        return [(int(op["begin"]), int(op["end"]),
                 "" if op["op"] == EQUAL else
                 f"words {op['op']}: {_tokens(op['left_tokens'])} vs "
                 f"{_tokens(op['right_tokens'])}")
                for op in aligned if op.get("begin") is not None]
    words = (left or {}).get("words") or (right or {}).get("words") or []
    return [(int(w["begin"]), int(w["end"]), "") for w in words]


def _special_lines(left: list, right: list) -> list[Line]:
    return [Line(a[0].piece if a else b[0].piece, a[0] if a else None, b[0] if b else None,
                 _piece_note(a, b)) for a, b in zip_longest(left, right)]


def _piece_note(a: tuple | None, b: tuple | None) -> str:
    if a is None or b is None:
        return f"only {LEFT_NAME if b is None else RIGHT_NAME}"
    same = (a[0].piece, a[0].id, a[0].input_id, a[0].mask) == \
        (b[0].piece, b[0].id, b[0].input_id, b[0].mask)
    return "" if same else "pieces differ"


def aligned_lines(text: str | None, left: Mapping[str, Any] | None,
                  right: Mapping[str, Any] | None, row: Mapping[str, Any]) -> list[Line]:
    """The table: start tokens, then each word run with both sides' pieces over its characters,
    then the end tokens (a piece no run covers gets a line of its own, at the end)."""
    sides = [_cells(left), _cells(right)]
    lead = [[c for c in cells[:1] if c[1] is None] for cells in sides]
    body = [[c for c in cells if c[1] is not None] for cells in sides]
    tail = [[c for c in cells[1:] if c[1] is None] for cells in sides]
    lines = _special_lines(*lead)
    used: list[set[int]] = [set(), set()]
    for begin, end, note in _word_runs(row, left, right):
        runs = [[(i, c) for i, c in enumerate(cells) if begin <= c[1] < end] for cells in body]
        for k, run in enumerate(runs):
            used[k].update(i for i, _ in run)
        words = text[begin:end] if text is not None else ""
        for n, (a, b) in enumerate(zip_longest(*([c for _, c in run] for run in runs))):
            piece_note = _piece_note(a, b)
            first = [note, piece_note] if n == 0 else [piece_note]
            lines.append(Line(words if n == 0 else "", a[0] if a else None, b[0] if b else None,
                              "; ".join(x for x in first if x)))
        if not any(runs):
            lines.append(Line(words, None, None, note or "no pieces on either side"))
    strays = [[c for i, c in enumerate(cells) if i not in used[k]] for k, cells in enumerate(body)]
    for a, b in zip_longest(*strays):
        lines.append(Line("", a[0] if a else None, b[0] if b else None, "no word covers it"))
    lines += _special_lines(*tail)
    return lines or [Line("", None, None, "no pieces on either side")]


def _cell_text(cell: PieceCell | None) -> tuple[str, str, str]:
    if cell is None:
        return "-", "", ""
    return shown(cell.piece), cell.id_text(), "" if cell.mask is None else str(cell.mask)


def table(lines: Sequence[Line]) -> str:
    """The aligned table as text, columns sized to their content."""
    header = ("word(s)", f"{LEFT_NAME} piece", "id", "mask", f"{RIGHT_NAME} piece", "id", "mask",
              "differs")
    rows = [header] + [(shown(line.text), *_cell_text(line.left), *_cell_text(line.right),
                        line.note) for line in lines]
    widths = [max(len(r[k]) for r in rows) for k in range(len(header) - 1)]
    right_aligned = {2, 3, 5, 6}
    out = []
    for r in rows:
        cells = [r[k].rjust(widths[k]) if k in right_aligned else r[k].ljust(widths[k])
                 for k in range(len(widths))]
        out.append(("  ".join(cells) + "  " + r[-1]).rstrip())
    return "\n".join(out)


def _prediction(record: Mapping[str, Any] | None, labels: Sequence[str]) -> str:
    if record is None:
        return "no record"
    if record.get("label") is None:
        return f"{record.get('status')}: {record.get('error') or 'no label'}"
    return f"{record['label']:<10}  {_scores(labels, record.get('probabilities'))}"


def _scores(labels: Sequence[str], probabilities: Sequence[float] | None) -> str:
    return "  ".join(f"{name} {p:.6f}" for name, p in zip(labels, probabilities or []))


def cause_lines(row: Mapping[str, Any], labels: Sequence[str]) -> list[str]:
    """The cause, its catalogue meaning, the join's evidence, the deployment cause, and the
    counterfactual, as `name  value` lines."""
    if row.get("status") == SAME:
        return ["cause           none: the two sides agree on every compared stage"]
    name = row.get("cause") or "none"
    if row.get("sub_cause"):
        name = f"{name}/{row['sub_cause']}"
    where = "" if row.get("cause_word") is None else \
        f" at {row['cause_word']!r} (cause_position {row.get('cause_position')})"
    lines = [f"cause           {name}{where}"]
    entry = row_entry(row.get("cause"), row.get("sub_cause"))
    if entry is not None:
        lines.append(f"                {entry.meaning}")
    if row.get("cause_evidence"):
        lines.append(f"evidence        {row['cause_evidence']}  (left = {LEFT_NAME}, right = "
                     f"{RIGHT_NAME})")
    deployment = row.get("deployment_cause")
    if deployment:
        meaning = BY_NAME[deployment].meaning if deployment in BY_NAME else ""
        lines.append(f"deployment      {deployment}: {meaning}")
        if row.get("deployment_evidence"):
            lines.append(f"                {row['deployment_evidence']}")
    verdict = row.get("cf_verdict")
    if verdict:
        delta = row.get("cf_max_abs_delta")
        figure = "" if delta is None else f", max |Δp| {delta:.2e} vs {RIGHT_NAME}"
        lines.append(f"counterfactual  {verdict}: {LEFT_NAME} on {RIGHT_NAME}'s exact input "
                     f"gives {_scores(labels, row.get('cf_probabilities'))}{figure}")
        lines.append(f"                {CF_MEANING.get(verdict, '')}")
    return lines


def render(text: str | None, left: Mapping[str, Any] | None, right: Mapping[str, Any] | None,
           row: Mapping[str, Any], labels: Sequence[str], tolerance: float | None = None
           ) -> str:
    """The whole explanation as text: the text, the table, labels and probabilities per side,
    the row's status, the cause and the counterfactual."""
    changes = ", ".join(row.get("changes") or [])
    status = f"{row.get('status')}: {changes} differ" if changes else str(row.get("status"))
    delta = row.get("max_abs_delta")
    figure = "" if delta is None else f"max |Δp| {delta:.6f}"
    if figure and tolerance is not None:
        figure += f" (tolerance {tolerance:g})"
    lines = [f"text            {text!r} ({len(text or '')} characters)", "",
             table(aligned_lines(text, left, right, row)), "",
             f"{LEFT_NAME:<16}{_prediction(left, labels)}",
             f"{RIGHT_NAME:<16}{_prediction(right, labels)}",
             f"status          {status}" + (f"; {figure}" if figure else ""),
             *cause_lines(row, labels)]
    return "\n".join(lines)


def as_json(text: str | None, left: Mapping[str, Any] | None, right: Mapping[str, Any] | None,
            row: Mapping[str, Any], labels: Sequence[str]) -> dict[str, Any]:
    """The same explanation for scripts: both records, the report row, the aligned lines and the
    catalogue meanings of the row's cause and deployment cause."""
    entry = row_entry(row.get("cause"), row.get("sub_cause"))
    deployment = BY_NAME.get(row.get("deployment_cause") or "")
    return plain({
        "text": text, "labels": list(labels),
        "hugging_face": left, "spark_nlp": right, "row": row,
        "aligned": [asdict(line) for line in aligned_lines(text, left, right, row)],
        "cause_meaning": entry.meaning if entry else None,
        "deployment_cause_meaning": deployment.meaning if deployment else None,
        "counterfactual_meaning": CF_MEANING.get(row.get("cf_verdict") or ""),
    })
