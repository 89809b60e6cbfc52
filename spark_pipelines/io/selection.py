"""The selection folder's names and selection.json as a value: what the join reads of an input
pass (spark_pipelines/selection/job.py writes it, docs/input-first.md). Here in io/, beside the
records folders, so the join (compare/) reads it without importing the producers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pyspark.sql import SparkSession

from parity_core.errors import BadInput
from spark_pipelines.io.publish import read_text

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


def read_selection(spark: SparkSession, folder: str) -> Selection:
    """selection.json of a published selection folder."""
    text = read_text(spark, f"{folder.rstrip('/')}/{SELECTION_FILE}")
    if text is None:
        raise BadInput(f"--selection {folder}: no {SELECTION_FILE} (run jobs/input_pass.py)")
    return Selection(**json.loads(text))
