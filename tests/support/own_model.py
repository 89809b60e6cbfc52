"""One `hfparity import` + `hfparity check` flow on a checkpoint that is not the default model.

Two test files read it (tests/jobs/test_hfparity.py: the import and the report on a family of
its own; tests/jobs/test_hfparity_options.py: the options check passes to the jobs): each flow
costs an ONNX export, a Spark NLP import in its own JVM and three spark-submit jobs, so it runs
once per session (the `own_model_check` fixture in tests/conftest.py) and every test asserts
its own facts on the same outputs.

The checkpoint is a small DistilBERT made here (2 layers, dim 64, 3 labels fresh/rotten/plot,
random init with a fixed seed) on the default checkpoint's vocabulary, saved with
save_pretrained: transformers 5 writes tokenizer.json but no vocab.txt, so the export builds
the vocabulary from tokenizer.json. The commands run as a user runs them (a new Python process,
`python -m jobs.hfparity`), on a 60-row slice of the default corpus (every edge case) whose
text column is `body`, with the options the spark-submit jobs have: `--text-column body`,
`--pipeline` (a copy of the first import's saved model, the deployment as it is) and an extra
`--conf`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from tests.support.paths import REPO

LABELS = ("fresh", "rotten", "plot")
ROWS = 60
TEXT_COLUMN = "body"
EXTRA_CONF = "spark.sql.shuffle.partitions=3"


def hfparity(*args: str, timeout: float = 1200) -> subprocess.CompletedProcess:
    """`python -m jobs.hfparity ARGS` in a new process, from the clone, output captured."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "HFPARITY_DRIVER_MEMORY": "1g"}
    return subprocess.run([sys.executable, "-m", "jobs.hfparity", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)


def make_distilbert(settings, folder: Path) -> Path:
    """A random-init 2-layer DistilBERT with LABELS on the default checkpoint's vocabulary."""
    import torch
    from transformers import (
        DistilBertConfig,
        DistilBertForSequenceClassification,
        DistilBertTokenizer,
    )

    tokenizer = DistilBertTokenizer.from_pretrained(settings.checkpoint)
    torch.manual_seed(1234)
    config = DistilBertConfig(
        vocab_size=tokenizer.vocab_size, dim=64, hidden_dim=128, n_layers=2, n_heads=2,
        id2label=dict(enumerate(LABELS)), label2id={x: i for i, x in enumerate(LABELS)})
    DistilBertForSequenceClassification(config).save_pretrained(str(folder))
    tokenizer.save_pretrained(str(folder))
    return folder


def default_rows(default_corpus_path: Path) -> pd.DataFrame:
    """ROWS rows of the default corpus: every edge case (null, empty, very long, ...) and the
    first snippets."""
    full = pd.read_parquet(default_corpus_path)
    edges = full["id"].str.startswith("edge-")
    return pd.concat([full[~edges].head(ROWS - int(edges.sum())), full[edges]],
                     ignore_index=True)


@dataclass(frozen=True)
class OwnModelCheck:
    """What the flow ran on and what each command printed (outputs stay under `output`)."""

    checkpoint: Path
    corpus: pd.DataFrame  # id and text, as in the default corpus
    corpus_path: Path  # the same rows with the text in TEXT_COLUMN
    output: Path  # check's --output (model/ holds the import)
    deployed: Path  # check's --pipeline: a copy of the first import's saved model
    first_import: subprocess.CompletedProcess
    second_import: subprocess.CompletedProcess
    check: subprocess.CompletedProcess


def run_own_model_check(settings, default_corpus_path: Path, root: Path) -> OwnModelCheck:
    """import (twice: the second finds the first) and check, as described above."""
    checkpoint = make_distilbert(settings, root / "distilbert")
    corpus = default_rows(default_corpus_path)
    corpus_path = root / "corpus.parquet"
    corpus.rename(columns={"text": TEXT_COLUMN}).to_parquet(corpus_path, index=False)
    output = root / "check"
    first = hfparity("import", "--checkpoint", str(checkpoint), "--output", str(output / "model"))
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    second = hfparity("import", "--checkpoint", str(checkpoint), "--output", str(output / "model"))
    deployed = shutil.copytree(output / "model" / "sparknlp_model", root / "deployed")
    check = hfparity("check", "--checkpoint", str(checkpoint), "--corpus", str(corpus_path),
                     "--text-column", TEXT_COLUMN, "--pipeline", str(deployed),
                     "--conf", EXTRA_CONF, "--output", str(output))
    return OwnModelCheck(checkpoint, corpus, corpus_path, output, Path(deployed), first, second,
                         check)
