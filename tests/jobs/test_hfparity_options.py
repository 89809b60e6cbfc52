"""`hfparity check` does what the jobs do: the options the spark-submit jobs had and `check`
lacked, and a checkpoint with large logits.

The options are read from the session's one real `hfparity check` run (tests/support/
own_model.py, the `own_model_check` fixture, which tests/jobs/test_hfparity.py reads too): a
corpus whose text column is `body` (`--text-column body`), a copy of the run's own saved import
as the deployment (`--pipeline`), and an extra `--conf`. Set-up's large-logit checkpoint (cased
BERT with its head x4, logits up to ±16; hf_reference/setup_models/large_logits.py) is exported
in-process, as `check` exports it: within the default bound, and outside an absurdly tight one
(exit 2). A corpus without the named column is refused in-process, before any Spark.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pandas as pd
import pytest

from jobs.cli import EXIT_BAD_INPUT
from tests.support.own_model import EXTRA_CONF, ROWS, TEXT_COLUMN

CSV_ROWS = 60


@pytest.fixture(scope="module")
def large_logits() -> Path:
    root = Path(os.environ.get("HFPARITY_CACHE", "~/.cache/hfparity")).expanduser() / "models"
    folder = root / "large_logits"
    for needed in (folder / "checkpoint" / "model.safetensors",
                   folder / "sparknlp_model" / "metadata", root / "corpus_3label.parquet"):
        if not needed.exists():
            pytest.fail(f"{needed} missing: run `make setup` first")
    return folder


@pytest.fixture(scope="module")
def body_csv(large_logits, tmp_path_factory) -> Path:
    corpus = pd.read_parquet(large_logits.parent / "corpus_3label.parquet").head(CSV_ROWS)
    path = tmp_path_factory.mktemp("body") / "reviews.csv"
    corpus.rename(columns={"text": "body"})[["id", "body", "label"]].to_csv(path, index=False)
    return path


def test_a_corpus_without_the_text_column_is_refused_in_seconds(large_logits, body_csv,
                                                                 tmp_path, capsys):
    from jobs.hfparity import main

    started = time.time()
    code = main(["check", "--checkpoint", str(large_logits / "checkpoint"), "--corpus",
                 str(body_csv), "--output", str(tmp_path / "out")])
    seconds = time.time() - started
    err = capsys.readouterr().err
    assert code == EXIT_BAD_INPUT
    assert err == (f"error: corpus {body_csv}: no text column 'text' (columns: body, id, label); "
                   "pass --text-column\n")
    assert not (tmp_path / "out").exists() and seconds < 30  # nothing imported, no Spark


def test_an_export_outside_the_bound_exits_2_with_one_line(large_logits, tmp_path, capsys):
    from jobs.hfparity import main

    out = tmp_path / "out"
    code = main(["import", "--checkpoint", str(large_logits / "checkpoint"), "--output",
                 str(out), "--export-atol", "1e-9", "--export-rtol", "0"])
    captured = capsys.readouterr()
    assert code == EXIT_BAD_INPUT
    [line] = [x for x in captured.err.splitlines() if x.startswith("error:")]
    assert re.fullmatch(r"error: ONNX export of .*/checkpoint: the ONNX export differs from "
                        r"torch by \|Δlogit\| [0-9.e+-]+ at logit .* above the bound 1e-09 \+ "
                        r"0·\|logit\| = 1\.00e-09; .*raise --export-atol / --export-rtol\)",
                        line), line
    assert "Traceback" not in captured.err
    assert not (out / "onnx").exists() and not list(out.glob("*.building"))


def test_the_large_logit_export_passes_the_default_bound_and_prints_its_figure(large_logits,
                                                                                  tmp_path):
    """The export `hfparity import`/`check` make and print (lines prefixed `export: `)."""
    from hf_reference.export import export_checkpoint
    from parity_core.checkpoint import inspect_checkpoint

    printed: list[str] = []
    export_checkpoint(inspect_checkpoint(large_logits / "checkpoint"), tmp_path / "onnx",
                      say=printed.append)
    [largest] = re.findall(r"ONNX vs torch on 30 texts: max \|Δlogit\| [0-9.e+-]+ \(\|logit\| "
                           r"up to ([0-9.]+)\);.* 0 argmax differences$", "\n".join(printed), re.M)
    assert float(largest) > 12


@pytest.mark.slow
def test_check_reads_the_named_text_column_and_writes_a_report(own_model_check):
    run = own_model_check.check
    assert run.returncode in (0, 1), run.stdout[-4000:] + run.stderr[-4000:]
    assert f"corpus: {ROWS} rows, text '{TEXT_COLUMN}', ids from 'id'" in run.stdout
    assert re.search(r"^\[hfparity\] verdict: .*(PASS|FAIL)", run.stdout, re.M)
    rows = pd.read_parquet(own_model_check.output / "report" / "rows")
    assert len(rows) == ROWS and rows["status"].notna().all()


@pytest.mark.slow
def test_check_passes_columns_pipeline_and_conf_to_the_jobs(own_model_check):
    from parity_core.config import load_config

    run, output, deployed = own_model_check.check, own_model_check.output, own_model_check.deployed
    assert run.returncode in (0, 1), run.stderr[-4000:]
    config = load_config(output / "hfparity.yaml")
    assert (config.corpus.text_column, config.corpus.id_column) == (TEXT_COLUMN, "id")
    printed = [line for line in run.stdout.splitlines() if "Spark NLP job: " in line]
    assert f"--pipeline {deployed.resolve()}" in printed[0]
    assert f"--conf {EXTRA_CONF}" in printed[0]
    fingerprint = json.loads((output / "sparknlp" / "_fingerprint.json").read_text())
    audit = fingerprint["deployment_audit"]
    assert (audit["source"], audit["location"]) == ("classifier", str(deployed.resolve()))


def test_submit_flags_on_a_cluster_master_ship_jars_and_code_and_let_the_user_conf_win():
    from jobs.hfparity_steps.model_check import Submit

    flags = Submit("spark://127.0.0.1:7077", ("spark.pyspark.python=./env/bin/python",)).flags()
    assert flags[:2] == ["--master", "spark://127.0.0.1:7077"]
    jars = flags[flags.index("--jars") + 1].split(",")
    assert any(jar.endswith("hfparity-functions.jar") for jar in jars)
    assert Path(flags[flags.index("--py-files") + 1]).name == "hfparity-py.zip"
    confs = [flags[i + 1] for i, flag in enumerate(flags) if flag == "--conf"]
    assert confs[-1] == "spark.pyspark.python=./env/bin/python"  # after ours: it wins
    assert "--driver-class-path" not in flags  # local[2]'s jar shortcut only
