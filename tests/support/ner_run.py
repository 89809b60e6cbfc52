"""A NER check on one of set-up's NER models over a small slice, in a process of its own.

Spark NLP keeps one model.onnx per SparkContext, so the NER model cannot join the tests' shared
session (which holds the default model): `python -m tests.support.ner_run OUT [MODEL [SHORT
[IDS]]]` runs the check (jobs/hfparity_steps/ner_check.run_check) with models/MODEL
(ner_cased_bert by default) on SHORT (4) short held-out rows, the held-out rows named in IDS
(comma-separated), one long row (past 128 pieces) and one row with the words the first-chunk
rule cuts, and writes OUT/report/.
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


def slice_corpus(out: Path, short_rows: int = 4, ids: tuple[str, ...] = ()) -> Path:
    """short_rows short held-out rows, those named in ids, the first long one, and EXTRA."""
    check = pd.read_parquet(cache_dir() / "models" / "ner_corpus_check.parquet")
    short = check[check.text.str.len() < 120].head(short_rows)
    named = check[check.id.isin(ids) & ~check.id.isin(short.id)]
    long = check[check.text.str.len() > 700].head(1)
    rows = pd.concat([short, named, long, pd.DataFrame([{"id": "zz-extra", "text": EXTRA}])])
    path = out / "corpus.parquet"
    rows.to_parquet(path, index=False)
    return path


def main(out: str, model: str = MODEL, short_rows: str = "4", ids: str = "") -> int:
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    root = cache_dir() / "models" / model
    info = inspect_checkpoint(root / "checkpoint")
    imported = imported_at(info, root)
    if imported is None:
        print(f"{root}: not imported; run make assets", file=sys.stderr)
        return 2
    corpus = slice_corpus(folder, int(short_rows), tuple(x for x in ids.split(",") if x))
    run_check(info, imported, str(corpus), folder / "report", NerSettings())
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
