"""Writes what `hfparity fix` found: the original report again with "How to fix" first
(summary.json key `how_to_fix`, index.html's first section), the code to paste, fix.json.

Plain files in the fix's output folder (local), each replaced atomically
(spark_pipelines/io/publish.py); the report it read is left as it was.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from parity_core.files import REPORT_FILE, SUMMARY_FILE
from spark_pipelines.io.publish import write_file_atomically
from spark_pipelines.report.fix_model import FixVerification, HowToFix
from spark_pipelines.report.model import Summary, plain

FIX_FILE = "fix.json"
CODE_FILE = "proposal.py"


def publish_fix(report_dir: Path, fix: HowToFix, out_dir: Path) -> Path:
    """Write summary.json, index.html, fix.json and proposal.py; returns index.html's path."""
    from spark_pipelines.report.html import render_report

    summary = Summary.from_json((report_dir / SUMMARY_FILE).read_text(encoding="utf-8"))
    summary = dataclasses.replace(summary, how_to_fix=fix)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_file_atomically(out_dir / SUMMARY_FILE, summary.to_json())
    page = write_file_atomically(out_dir / REPORT_FILE, render_report(summary))
    write_file_atomically(out_dir / FIX_FILE,
                          json.dumps(plain(fix), indent=2, ensure_ascii=False) + "\n")
    if fix.code:
        write_file_atomically(out_dir / CODE_FILE, fix.code)
    return page


def read_fix(out_dir: Path) -> HowToFix:
    """fix.json read back as the typed value."""
    from spark_pipelines.report.model import decode

    return decode(HowToFix, json.loads((out_dir / FIX_FILE).read_text(encoding="utf-8")),
                  FIX_FILE)


def with_verification(fix: HowToFix, check: FixVerification) -> HowToFix:
    return dataclasses.replace(fix, verification=check)
