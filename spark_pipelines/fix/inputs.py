"""What `hfparity fix` reads: a report folder and the two records folders and corpus behind it.

By default the records are the report's siblings (`hf/`, `sparknlp/`: what `hfparity check` and
`make demo` write) and the corpus is the one the Spark NLP run recorded in its fingerprint; each
can be named instead. Everything is checked before Spark starts, naming the missing file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from parity_core.errors import BadInput
from parity_core.files import FINGERPRINT_FILE, ROWS_DIR, SUMMARY_FILE
from spark_pipelines.fix.metrics import ROW_COLUMNS


@dataclass(frozen=True)
class FixInputs:
    report_dir: Path
    left_dir: Path
    right_dir: Path
    corpus: str
    right_fingerprint: dict[str, Any]


def _records(path: Path, flag: str) -> dict[str, Any]:
    fingerprint = path / FINGERPRINT_FILE
    if not fingerprint.is_file():
        raise BadInput(f"{flag} {path}: not a records folder (no {FINGERPRINT_FILE}); name it "
                       f"with {flag}")
    return json.loads(fingerprint.read_text(encoding="utf-8"))


def resolve_inputs(report: str, left: str | None = None, right: str | None = None,
                   corpus: str | None = None) -> FixInputs:
    """The folders and corpus of a report, checked (local paths only)."""
    report_dir = report_folder(report)
    left_dir = Path(left).resolve() if left else report_dir.parent / "hf"
    right_dir = Path(right).resolve() if right else report_dir.parent / "sparknlp"
    left_fp = _records(left_dir, "--left")
    right_fp = _records(right_dir, "--right")
    if left_fp.get("framework") != "huggingface":
        raise BadInput(f"--left {left_dir}: a {left_fp.get('framework')} run; the fix re-runs "
                       "Spark NLP against Hugging Face records")
    if right_fp.get("framework") != "sparknlp":
        raise BadInput(f"--right {right_dir}: a {right_fp.get('framework')} run, not Spark NLP")
    corpus = corpus or right_fp.get("corpus")
    if not corpus or not Path(corpus).exists():
        raise BadInput(f"--corpus {corpus}: not found; name the corpus the report was made on")
    return FixInputs(report_dir, left_dir, right_dir, str(corpus), right_fp)


def read_rows(report_dir: Path | str) -> pd.DataFrame:
    """The columns of a report's rows/ that the fix reads, one row per corpus id."""
    return pd.read_parquet(Path(report_dir) / ROWS_DIR, columns=list(ROW_COLUMNS))


def report_folder(report: str) -> Path:
    """A local report folder, resolved, once it holds summary.json and rows/ (else BadInput
    naming the missing one): what `hfparity fix` and `hfparity explain --report` read."""
    report_dir = Path(report).resolve()
    for name in (SUMMARY_FILE, ROWS_DIR):
        if not (report_dir / name).exists():
            raise BadInput(f"--report {report_dir}: no {name}; give the folder the compare job "
                           "or `hfparity check` wrote (…/report)")
    return report_dir
