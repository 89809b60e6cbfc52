"""The selection folder's names and selection.json as a value: what the join reads of an input
pass (spark_pipelines/selection/job.py writes it). Imports nothing of the producers, so the join
(compare/) can read it without torch, transformers or Spark NLP's Python package.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pyspark.sql import SparkSession

from parity_core.errors import BadInput
from spark_pipelines.io.publish import read_text
from spark_pipelines.report.schema import NOT_SCORED

ROWS = "rows"
CORPUS = "corpus"
SELECTION_FILE = "selection.json"


@dataclass(frozen=True)
class Selection:
    """selection.json as a value."""

    corpus: str
    corpus_digest: dict[str, Any]
    rows: int
    reasons: dict[str, int]
    texts_scored: int
    sample_target: int
    seed: int
    unscored_bound: float
    confidence: float
    batch_size: int
    seconds: float
    pipeline: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def scored(self) -> int:
        return self.rows - self.reasons.get(NOT_SCORED, 0)

    def line(self, out_dir: str) -> str:
        shown = ", ".join(f"{k} {v:,}" for k, v in self.reasons.items() if v)
        return (f"hfparity input pass: {self.scored:,} of {self.rows:,} rows to score "
                f"({self.texts_scored:,} distinct texts; {shown}) in {self.seconds:.1f} s; "
                f"selection {out_dir.rstrip('/')}")


def read_selection(spark: SparkSession, folder: str) -> Selection:
    """selection.json of a published selection folder."""
    text = read_text(spark, f"{folder.rstrip('/')}/{SELECTION_FILE}")
    if text is None:
        raise BadInput(f"--selection {folder}: no {SELECTION_FILE} (run jobs/input_pass.py)")
    return Selection(**json.loads(text))
