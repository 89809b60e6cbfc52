"""A NER check on set-up's cased BERT NER model over a small slice, in a process of its own.

Spark NLP keeps one model.onnx per SparkContext, so the NER model cannot join the tests' shared
session (which holds the default model): `python -m tests.support.ner_run OUT` runs the check
(jobs/hfparity_steps/ner_check.run_check) on four short held-out rows, one long row (past 128
pieces) and one row with the words the first-chunk rule cuts, and writes OUT/report/.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from jobs.hfparity_steps.model_import import imported_at
from jobs.hfparity_steps.ner_check import run_check
from parity_core.checkpoint import inspect_checkpoint
from parity_core.config import cache_dir
from spark_pipelines.sparknlp.ner import NerSettings

MODEL = "ner_cased_bert"
EXTRA = "Seán O'Brien-Smythe said the U.S. office of AT&T Inc. is in Zürich."


def slice_corpus(out: Path) -> Path:
    """Four short held-out rows, the first long one, and EXTRA."""
    check = pd.read_parquet(cache_dir() / "models" / "ner_corpus_check.parquet")
    short = check[check.text.str.len() < 120].head(4)
    long = check[check.text.str.len() > 700].head(1)
    rows = pd.concat([short, long, pd.DataFrame([{"id": "zz-extra", "text": EXTRA}])])
    path = out / "corpus.parquet"
    rows.to_parquet(path, index=False)
    return path


def main(out: str) -> int:
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    root = cache_dir() / "models" / MODEL
    info = inspect_checkpoint(root / "checkpoint")
    imported = imported_at(info, root)
    if imported is None:
        print(f"{root}: not imported; run make assets", file=sys.stderr)
        return 2
    run_check(info, imported, str(slice_corpus(folder)), folder / "report", NerSettings())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
