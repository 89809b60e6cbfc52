"""The README's "Check your own model" commands, run verbatim on set-up's cased BERT (model b).

Like tests/jobs/test_cluster.py for docs/cluster.md's standalone block: the commands are read
from README.md after its marker and run one by one with bash from the clone; only the three
variables the README asks the user to set are given (a corpus slice keeps it to a few minutes).
The slice holds every accented row of the 3-label corpus, because a cased model is where
accents matter: Hugging Face keeps them, Spark NLP's BasicTokenizer strips them, and the report
must say so.
"""

from __future__ import annotations

import json
import os
import subprocess
import unicodedata
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from tests.support.paths import REPO

MARKER = ("<!-- check-your-own-model commands: tests/test_readme_check.py runs this block "
          "verbatim -->")
PLAIN_ROWS = 60


def readme_block() -> list[str]:
    """The commands of the README block after MARKER, one per line, comments dropped."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert MARKER in text, f"README.md lost the marker {MARKER!r}"
    block = text.split(MARKER, 1)[1].split("```bash\n", 1)[1].split("\n```", 1)[0]
    return [line for line in block.splitlines() if line.strip() and not line.startswith("#")]


def accented(text: str) -> bool:
    return any(unicodedata.category(c) == "Mn" for c in unicodedata.normalize("NFD", text))


@pytest.fixture(scope="module")
def model_b() -> Path:
    root = Path(os.environ.get("HFPARITY_CACHE", "~/.cache/hfparity")).expanduser() / "models"
    checkpoint, corpus = root / "cased_bert" / "checkpoint", root / "corpus_3label.parquet"
    for needed in (checkpoint / "model.safetensors", corpus):
        if not needed.is_file():
            pytest.fail(f"{needed} missing: run `make setup` first")
    return root


@pytest.mark.slow
def test_readme_check_block_on_the_cased_bert(model_b, tmp_path):
    commands = readme_block()
    assert [c.split()[:2] for c in commands] == [[".venv/bin/hfparity", "import"],
                                                 [".venv/bin/hfparity", "check"]]
    full = pq.read_table(model_b / "corpus_3label.parquet").to_pandas()
    picked = pd.concat([full[full.text.map(accented)], full.head(PLAIN_ROWS)]).drop_duplicates("id")
    corpus = tmp_path / "corpus.parquet"
    picked[["id", "text"]].to_parquet(corpus, index=False)
    out = tmp_path / "my-model"
    env = {**os.environ, "CHECKPOINT": str(model_b / "cased_bert" / "checkpoint"),
           "CORPUS": str(corpus), "OUT": str(out)}
    env.pop("PYTHONPATH", None)  # the installed project, as a user runs it
    printed = []
    for command, allowed in zip(commands, ((0,), (0, 1))):
        done = subprocess.run(["bash", "-c", command], cwd=REPO, env=env, capture_output=True,
                              text=True, timeout=1800, check=False)
        assert done.returncode in allowed, (
            f"{command}: exit {done.returncode}\n{done.stderr[-4000:]}")
        printed.append(done.stdout)

    imported, checked = printed
    assert "[hfparity] export: ONNX vs torch on 30 texts: max |Δlogit|" in imported
    assert (out / "model" / "sparknlp_model" / "metadata").is_dir()
    assert "import: cached" in checked  # check reuses the import the first command made
    assert f"report {out}/report/index.html" in checked
    assert "hfparity compare: " in checked

    summary = json.loads((out / "report" / "summary.json").read_text(encoding="utf-8"))
    assert summary["corpus_rows"] == len(picked)
    settings = summary["fingerprints"]["left"]["settings"]
    assert settings["labels"] == ["fresh", "rotten", "plot"]
    assert settings["do_lower_case"] is False and settings["strip_accents"] is False
    rows = pd.read_parquet(out / "report" / "rows")
    assert sorted(rows.id) == sorted(picked.id)  # every corpus row, each with a status
    assert rows.status.notna().all()
    accents = rows[rows.sub_cause == "accent_one_side"]
    assert len(accents) > 0, rows.groupby(["cause", "sub_cause"], dropna=False).size()
    assert set(accents.id) <= set(picked[picked.text.map(accented)].id)
