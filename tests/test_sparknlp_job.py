"""The Spark NLP job end to end through spark-submit on the whole default corpus (slow)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_job_scores_default_corpus(default_corpus_path, tmp_path):
    import pyarrow.parquet as pq

    bin_dir = Path(sys.executable).parent
    out = tmp_path / "records"
    command = [str(bin_dir / "spark-submit"), "--master", "local[2]",
               str(REPO / "jobs" / "sparknlp_pipeline.py"), "--config",
               str(REPO / "conf" / "default.yaml"), "--input", str(default_corpus_path),
               "--output", str(out)]
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ.get('PATH', '')}"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "sparknlp_pipeline:" in done.stdout
    rows_in = pq.read_metadata(default_corpus_path).num_rows
    table = pq.read_table(out, columns=["id", "status"])
    assert table.num_rows == rows_in
    fingerprint = json.loads((out / "_fingerprint.json").read_text())
    assert fingerprint["framework"] == "sparknlp" and fingerprint["warnings"]
    again = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert again.returncode == 2 and "--overwrite" in again.stdout + again.stderr
