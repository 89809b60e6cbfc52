"""The "How to fix" part of summary.json as typed values (written by `hfparity fix`).

The compare job never fills it: `hfparity fix` reads a report, tries the pipeline changes the
report calls for, and writes the report again with this key, so the page and the JSON show the
same figures. No pyspark, no torch here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Json = Any


@dataclass(frozen=True)
class FixFigures:
    """One Spark NLP run against the reference: label agreement over rows both sides label,
    identical model-input pieces over every row, max |Δp| and rows within 1e-5."""

    rows: int
    labeled_both: int
    labels_agree: int
    label_agreement: float
    pieces_same: int
    piece_agreement: float
    max_abs_delta: float | None
    within_tight_delta: int


@dataclass(frozen=True)
class FixCandidate:
    """A pipeline change the report calls for, before and after values side by side."""

    name: str
    before: str
    after: str
    why: str
    called_by_rows: int


@dataclass(frozen=True)
class FixRun:
    """The corpus re-run with some changes applied (one change, or all together)."""

    name: str
    changes: tuple[str, ...]
    figures: FixFigures
    regressions: int
    pipeline_dir: str
    records_dir: str


@dataclass(frozen=True)
class FixRow:
    """A row the proposal still gets wrong or newly gets wrong, and why."""

    id: str
    status: str
    cause: str | None
    sub_cause: str | None
    evidence: str | None
    reason: str


@dataclass(frozen=True)
class FixRemaining:
    """Rows whose difference survives the proposal, grouped by the fixed behaviour behind it."""

    reason: str
    explanation: str
    rows: int
    label_flips: int
    example_ids: tuple[str, ...]


@dataclass(frozen=True)
class FixVerification:
    """The saved pipeline loaded again by the Spark NLP job (--pipeline), then compared."""

    pipeline_dir: str
    records_dir: str
    report_dir: str
    compare_exit: int
    verdict: str


@dataclass(frozen=True)
class FixModelSide:
    """The model-side change for family rules no pipeline setting reaches: the export with an
    input rewrite in front (hf_reference/input_rewrite.py), imported into Spark NLP like any
    export, put in place of the classifier's model in the pipeline it starts from, and re-run
    on every corpus row by the Spark NLP job and the compare job (counterfactual included)."""

    family: str
    rules: tuple[str, ...]  # the family rules it removes
    rewrite: str  # what it does to Spark NLP's input, in words
    check: str  # the rewritten export on Spark NLP's input vs torch on Hugging Face's
    onnx_dir: str
    pipeline_dir: str
    records_dir: str
    report_dir: str
    starts_from: str  # the pipeline it replaces the model in ("the proposal", "the report's")
    before: FixFigures
    after: FixFigures
    regressions: tuple[FixRow, ...]
    remaining: tuple[FixRemaining, ...]
    compare_exit: int
    verdict: str


@dataclass(frozen=True)
class HowToFix:
    """What `hfparity fix` proposes and how it measured it."""

    coverage: str
    before: FixFigures
    candidates: tuple[FixCandidate, ...]
    runs: tuple[FixRun, ...]
    proposal: tuple[str, ...]
    after: FixFigures | None
    code: str
    pipeline_dir: str | None
    regressions: tuple[FixRow, ...]
    remaining: tuple[FixRemaining, ...]
    verification: FixVerification | None
    model_side: FixModelSide | None = None
