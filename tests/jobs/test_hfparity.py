"""`hfparity import` and `hfparity check` on a checkpoint that is not the default model.

The flow (tests/support/own_model.py, run once per session by the `own_model_check` fixture):
a small DistilBERT made there (random init, 3 labels fresh/rotten/plot, saved with
save_pretrained: transformers 5 writes tokenizer.json but no vocab.txt, so the export builds the
vocabulary from tokenizer.json), imported twice and checked as a user runs the commands (a new
Python process, `python -m jobs.hfparity`) on a 60-row slice of the default corpus, with real
Spark, real Spark NLP and real parquet. tests/jobs/test_hfparity_options.py reads the same run
for the options it passes to the jobs.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from jobs.cli import EXIT_BAD_INPUT
from tests.support.own_model import LABELS

DELTA = re.compile(r"ONNX vs torch on 30 texts: max \|Δlogit\| ([0-9.e+-]+) \(\|logit\| up to .*"
                   r"vs bound 0\.0001 \+ 0\.001·\|logit\| = .*; 0 argmax differences$", re.M)


def test_import_refuses_an_unsupported_checkpoint_before_any_work(settings, tmp_path, capsys):
    from jobs.hfparity import main

    folder = tmp_path / "electra"
    folder.mkdir()
    for name in ("config.json", "tokenizer_config.json", "tokenizer.json"):
        (folder / name).write_bytes((Path(settings.checkpoint) / name).read_bytes())
    config = json.loads((folder / "config.json").read_text())
    config["architectures"] = ["ElectraForSequenceClassification"]
    (folder / "config.json").write_text(json.dumps(config))
    out = tmp_path / "out"
    code = main(["import", "--checkpoint", str(folder), "--output", str(out)])
    err = capsys.readouterr().err
    assert code == EXIT_BAD_INPUT
    assert (f"error: --checkpoint {folder}: config.json: architecture "
            "ElectraForSequenceClassification is not supported") in err
    assert "Traceback" not in err and not out.exists()


def test_check_refuses_a_missing_corpus(settings, tmp_path, capsys):
    from jobs.hfparity import main

    code = main(["check", "--checkpoint", settings.checkpoint, "--corpus",
                 str(tmp_path / "none.parquet"), "--output", str(tmp_path / "out")])
    assert code == EXIT_BAD_INPUT
    assert f"--corpus {tmp_path / 'none.parquet'}: no such file" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.fixture(scope="module")
def runs(own_model_check):
    """The session's import + check flow (tests/support/own_model.py)."""
    return own_model_check


@pytest.mark.slow
def test_import_prints_onnx_parity_within_the_bound(runs):
    [delta] = DELTA.findall(runs.first_import.stdout)
    assert float(delta) <= 1e-4
    assert "import: Spark NLP DistilBertForSequenceClassification saved to" in \
        runs.first_import.stdout
    assets = runs.output / "model" / "onnx" / "assets"
    assert (assets / "labels.txt").read_text().splitlines() == list(LABELS)
    assert not (runs.checkpoint / "vocab.txt").exists()  # built from tokenizer.json
    assert len((assets / "vocab.txt").read_text(encoding="utf-8").splitlines()) == 30522


@pytest.mark.slow
def test_second_import_finds_the_manifest_and_returns_at_once(runs):
    assert runs.second_import.returncode == 0, runs.second_import.stderr[-3000:]
    assert "import: cached" in runs.second_import.stdout
    assert "export:" not in runs.second_import.stdout
    # Nothing was imported again (a count of work, not a timing: the suite runs on loaded
    # machines; import speed belongs in a benchmark).
    assert "saved to" not in runs.second_import.stdout


@pytest.mark.slow
def test_check_writes_a_report_with_every_corpus_row(runs):
    assert runs.check.returncode in (0, 1), runs.check.stdout[-4000:] + runs.check.stderr[-4000:]
    assert "import: cached" in runs.check.stdout  # the import above is reused
    report = runs.output / "report"
    assert (report / "index.html").is_file() and (report / "_HFPARITY_COMPLETE").is_file()
    assert f"[hfparity] report: {report / 'index.html'}" in runs.check.stdout
    assert re.search(r"^\[hfparity\] verdict: .*(PASS|FAIL)", runs.check.stdout, re.M)
    rows = pd.read_parquet(report / "rows")
    assert sorted(rows["id"]) == sorted(runs.corpus["id"])


@pytest.mark.slow
def test_check_records_come_from_distilbert_on_both_sides(runs):
    fingerprint = json.loads((runs.output / "sparknlp" / "_fingerprint.json").read_text())
    assert fingerprint["sparknlp"]["annotator"] == \
        "com.johnsnowlabs.nlp.annotators.classifier.dl.DistilBertForSequenceClassification"
    assert fingerprint["sparknlp"]["pieces_udf"] == \
        "hfparity.SparkNlpWordpieces(DistilBertClassification)"
    assert fingerprint["settings"]["family"] == "distilbert"
    hf = json.loads((runs.output / "hf" / "_fingerprint.json").read_text())
    assert hf["checkpoint_sha256"] == fingerprint["checkpoint_sha256"]
    assert hf["vocab_sha256"] == fingerprint["vocab_sha256"]
    records = pd.read_parquet(runs.output / "hf")
    # DistilBERT takes no token_type_ids: passing them would make every row an error.
    assert set(records["status"]) <= {"ok", "invalid_text"}
    assert set(records["label"].dropna()) <= set(LABELS)
    sparknlp = pd.read_parquet(runs.output / "sparknlp")
    assert sparknlp.loc[sparknlp["status"] == "ok", "pieces"].notna().all()


@pytest.mark.slow
def test_check_writes_a_conf_the_jobs_accept(runs):
    from parity_core.config import load_config
    from parity_core.settings import derive_settings

    config = load_config(runs.output / "hfparity.yaml")
    assert Path(config.checkpoint_path()) == runs.checkpoint.resolve()
    assert Path(config.sparknlp_model_path()) == runs.output / "model" / "sparknlp_model"
    assert derive_settings(config).labels == LABELS
