"""Are two reports the same? rows/ equal on every row and column, summary.json equal but for
the keys that name when or where it ran.

Run: python -m tests.support.same_report REPORT_A REPORT_B   (exit 0 same, 1 different)
Used to show that a refactor left `make demo`'s report unchanged.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

VOLATILE = frozenset({"created_utc"})


def _without_volatile(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_volatile(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_without_volatile(v) for v in value]
    return value


def _same_value(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_value(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same_value(x, y) for x, y in zip(a, b))
    return a == b


def row_differences(a: Path, b: Path, limit: int = 20) -> list[str]:
    """Every (id, column) whose value differs, plus schema differences; [] when equal."""
    left = pq.read_table(a / "rows").sort_by("id")
    right = pq.read_table(b / "rows").sort_by("id")
    found: list[str] = []
    if left.schema != right.schema:
        found.append(f"schema: {left.schema} != {right.schema}")
    if left.num_rows != right.num_rows:
        found.append(f"rows: {left.num_rows} != {right.num_rows}")
        return found
    ids = left.column("id").to_pylist()
    for name in left.column_names:
        if name not in right.column_names:
            continue
        for row_id, x, y in zip(ids, left.column(name).to_pylist(),
                                right.column(name).to_pylist()):
            if not _same_value(x, y):
                found.append(f"{row_id} {name}: {x!r} != {y!r}")
                if len(found) >= limit:
                    return found
    return found


def summary_differences(a: Path, b: Path) -> list[str]:
    left = _without_volatile(json.loads((a / "summary.json").read_text()))
    right = _without_volatile(json.loads((b / "summary.json").read_text()))
    if _same_value(left, right):
        return []
    return [f"summary.json key {k}" for k in sorted(set(left) | set(right))
            if not _same_value(left.get(k), right.get(k))] or ["summary.json differs"]


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    a, b = (Path(p) for p in argv)
    rows = row_differences(a, b)
    summary = summary_differences(a, b)
    table = pq.read_table(a / "rows")
    print(f"rows/: {table.num_rows} rows x {table.num_columns} columns, "
          f"{'equal' if not rows else f'{len(rows)} differences'}")
    volatile = ", ".join(sorted(VOLATILE))
    print(f"summary.json: {summary if summary else 'equal but for ' + volatile}")
    for line in rows:
        print("  " + line)
    return 0 if not rows and not summary else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
