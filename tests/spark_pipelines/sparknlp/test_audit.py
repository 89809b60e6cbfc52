"""Deployments as people ship them, scored as they are (--pipeline) and audited: each must give
the right audit line and the right top deployment cause, with its row count taken from the
report rows by an independent rule, and the gate must fail where the deployment breaks parity.

Real Spark NLP, the real default model, one Spark session: all five deployments share the
default model's ONNX file (tests/support/deployments.py says how).
"""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from parity_core.fingerprint import sha256_file
from tests.support.deployments import SWAPPED, save_deployments, swap_vocabulary

ROWS = 160  # snippets from the top of the default corpus, plus the edge cases below
EDGE_IDS = ("edge-very-long", "edge-empty", "edge-emoji")


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("deployment-audit")


@pytest.fixture(scope="module")
def corpus(default_corpus_path, work) -> Path:
    import pyarrow.compute as pc

    table = pq.read_table(default_corpus_path, columns=["id", "text"])
    snippets = table.filter(pc.invert(pc.starts_with(table["id"], "edge-"))).slice(0, ROWS)
    edges = table.filter(pc.is_in(table["id"], value_set=pa.array(EDGE_IDS)))
    path = work / "slice.parquet"
    pq.write_table(pa.concat_tables([snippets, edges]), path)
    return path


def _config(work: Path, max_length: int):
    from parity_core.config import load_config
    from tests.conftest import DEFAULT_CONFIG

    text = DEFAULT_CONFIG.read_text(encoding="utf-8").replace(
        "max_length: 128", f"max_length: {max_length}")
    path = work / f"conf{max_length}.yaml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


@pytest.fixture(scope="module")
def deployments(spark, work) -> dict[str, Path]:
    return save_deployments(spark, work / "deployments")


def _hf(spark, work, corpus, max_length) -> tuple[Path, object, object]:
    from parity_core.settings import derive_settings
    from spark_pipelines.hf.job import run_hf_reference

    config = _config(work, max_length)
    settings = derive_settings(config)
    out = work / f"hf{max_length}"
    if not out.exists():
        run_hf_reference(spark, config, settings, str(corpus), str(out))
    return out, config, settings


def _audit(spark, work, corpus, deployments, name, max_length=128):
    """Score the deployment, compare with Hugging Face through the compare job's main (the exit
    code CI sees); (exit code, typed summary, rows, fingerprint)."""
    from jobs.compare import main
    from spark_pipelines.report.model import Summary
    from spark_pipelines.sparknlp.job import run_sparknlp

    hf, config, settings = _hf(spark, work, corpus, max_length)
    out = work / f"snlp-{name}"
    run_sparknlp(spark, config, settings, str(corpus), str(out),
                 pipeline_dir=str(deployments[name]))
    report = work / f"report-{name}"
    code = main(["--config", str(config.source), "--left", str(hf), "--right", str(out),
                 "--corpus", str(corpus), "--output", str(report), "--counterfactual", "off"])
    rows = pd.read_parquet(report / "rows")
    fingerprint = json.loads((out / "_fingerprint.json").read_text(encoding="utf-8"))
    text = (report / "summary.json").read_text(encoding="utf-8")
    assert next(iter(json.loads(text))) == "deployment", "the audit is the first key"
    page = (report / "index.html").read_text(encoding="utf-8")
    assert page.index("Deployment audit") < page.index("corpus rows")
    assert len(rows) == ROWS + len(EDGE_IDS) and rows["status"].notna().all()
    return code, Summary.from_json(text), rows, fingerprint


def _fails_on(code: int, summary, rows: pd.DataFrame, cause: str, line: str) -> None:
    """Exit 1, and the gate's reason names the cause, its decisive rows and the audit line."""
    decisive = (rows["deployment_cause"] == cause) & \
        rows["status"].isin(["label_differs", "scores_differ"])
    assert code == 1 and not summary.passed
    count = int(decisive.sum())
    assert f"deployment cause {cause} on {count:,} row{'' if count == 1 else 's'} (" \
        in summary.reason
    assert line in summary.reason and int(decisive.sum()) > 0


def _on_screen(work: Path, name: str, summary, expected: list[str]) -> None:
    """The report's first screen and the audit section as Chromium draws them (the top 1,100
    pixels, not the page, to keep OCR quick), read back by OCR: the first screen's why names
    the top deployment cause, then the audit's settings, the expected texts and the top cause
    with its row count."""
    import re

    from tests.support.screenshot import chromium, ocr, screenshot

    page = work / f"report-{name}" / "index.html"
    text = ocr(screenshot(page, work, height=1100))
    if text is None:  # never silently: say it, and check what Chromium rendered instead
        warnings.warn("tesseract not installed: checked the rendered DOM only, not OCR "
                      "(apt-get install -y tesseract-ocr)", stacklevel=2)
        text = re.sub(r"<[^>]+>", " ", chromium(work, "--dump-dom", page.as_uri()).stdout)
        text = " ".join(text.replace("&gt;", ">").split())
    top = summary.deployment.top
    cause = re.escape(top.cause).replace("_", "[_ ]?")  # OCR may drop an underscore
    why = text[:text.index("Deployment audit")]
    if top.decisive:  # a cause that changes rows is the why (report/first_screen.py)
        assert re.search(rf"Why: the deployment.s {cause} on {top.rows:,} rows?", why), why[:600]
    first = text[text.index("Deployment audit"):]
    for shown in [*(f.setting for f in summary.deployment.findings), *expected]:
        assert shown in first, f"{shown!r} not on screen: {first[:600]!r}"
    # The causes table: the cause, then its row count (OCR reads a cell's "rows" later; it may
    # drop the cause's underscore, which `cause` allows).
    assert re.search(rf"{cause} {top.rows:,}\b", first), first[:600]


def _settings(fingerprint) -> list[str]:
    return [f["setting"] for f in fingerprint["deployment_audit"]["findings"]]


def test_spark_nlp_defaults_against_max_length_512(spark, work, corpus, deployments):
    code, summary, rows, fingerprint = _audit(spark, work, corpus, deployments, "defaults", 512)
    assert _settings(fingerprint) == ["caseSensitive", "maxSentenceLength"]
    line = summary.deployment.findings[1].line
    assert line.startswith("maxSentenceLength: deployed 128 vs checkpoint max_length 512")
    top = summary.deployment.top
    # The very long row is cased too, but its cut at 128 pieces is the bigger cause: it is the
    # maxSentenceLength row (deployment causes take the first rule that applies).
    lowercase = (rows["sub_cause"] == "lowercase_one_side") & (rows["id"] != "edge-very-long")
    assert top.cause == "caseSensitive" and top.rows == int(lowercase.sum()) > 0
    long_row = rows.set_index("id").loc["edge-very-long"]
    assert long_row["deployment_cause"] == "maxSentenceLength"
    left_kept = min(512, long_row["left_piece_count"])
    kept = f"left kept {left_kept} of {long_row['left_piece_count']} pieces, right 128 of " \
           f"{long_row['right_piece_count']}"
    assert long_row["deployment_evidence"].startswith(
        f"maxSentenceLength 128 vs max_length 512: {kept}")
    cased = rows[rows["deployment_cause"] == "caseSensitive"]
    assert cased["deployment_evidence"].str.startswith(
        "caseSensitive true vs false (do_lower_case true): '").all()
    assert all(f"'{w}'" in e for w, e in zip(cased["cause_word"], cased["deployment_evidence"]))
    _fails_on(code, summary, rows, "caseSensitive", summary.deployment.findings[0].line)
    _on_screen(work, "defaults", summary, ["max_length 512"])


def test_labels_reversed_is_one_cause(spark, work, corpus, deployments):
    code, summary, rows, fingerprint = _audit(spark, work, corpus, deployments, "labels_reversed")
    assert _settings(fingerprint) == ["labels"]
    top = summary.deployment.top
    flipped = (rows["left_label"].notna() & rows["right_label"].notna()
               & (rows["left_label"] != rows["right_label"]))
    assert top.cause == "label_order" and top.rows == int(flipped.sum())
    assert top.rows >= 0.95 * (rows["left_label"].notna() & rows["right_label"].notna()).sum()
    assert "negative→positive, positive→negative" in top.evidence
    assert len(summary.deployment.causes) == 1
    _fails_on(code, summary, rows, "label_order", summary.deployment.findings[0].line)
    _on_screen(work, "labels_reversed", summary, ["config.id2label"])


def test_swapped_vocabulary_is_one_cause(spark, work, corpus, deployments):
    code, summary, rows, fingerprint = _audit(spark, work, corpus, deployments, "vocab_swapped")
    assert _settings(fingerprint) == ["vocabulary"]
    finding = summary.deployment.findings[0]
    assert f"{SWAPPED[0]!r} vs {SWAPPED[1]!r}" in finding.effect or \
        f"{SWAPPED[1]!r} vs {SWAPPED[0]!r}" in finding.effect
    hf = pd.read_parquet(work / "hf128")
    uses = {r.id for r in hf.itertuples() if r.pieces is not None
            and any(p["piece"] in SWAPPED for p in r.pieces)}
    top = summary.deployment.top
    assert top.cause == "vocabulary" and top.rows == len(uses) > 0
    assert set(rows.loc[rows["deployment_cause"] == "vocabulary", "id"]) == uses
    # One vocabulary identity: the file's sha256, as the run fingerprints keep it.
    swapped = work / "swapped-vocab"
    swapped.mkdir(exist_ok=True)
    shutil.copy(Path(_config(work, 128).checkpoint_path()) / "vocab.txt", swapped / "vocab.txt")
    swap_vocabulary(swapped)
    assert fingerprint["vocab_sha256"] == sha256_file(swapped / "vocab.txt")
    hf_sha = json.loads((work / "hf128" / "_fingerprint.json").read_text())["vocab_sha256"]
    assert finding.deployed.startswith(f"sha256 {fingerprint['vocab_sha256'][:16]}, ")
    assert finding.checkpoint.startswith(f"sha256 {hf_sha[:16]}, ")
    _fails_on(code, summary, rows, "vocabulary", finding.line)
    _on_screen(work, "vocab_swapped", summary, ["sha256"])


def test_normalizer_before_the_classifier(spark, work, corpus, deployments):
    code, summary, rows, fingerprint = _audit(spark, work, corpus, deployments, "normalizer")
    assert _settings(fingerprint) == ["text_stage"]
    assert fingerprint["deployment_audit"]["findings"][0]["deployed"].startswith("NormalizerModel")
    top = summary.deployment.top
    expected = rows["cause"].isin(["text", "words"]) & (rows["status"] != "same")
    assert top.cause == "text_stage" and top.rows == int(expected.sum()) > 0
    _fails_on(code, summary, rows, "text_stage", summary.deployment.findings[0].line)
    _on_screen(work, "normalizer", summary, ["Normalizer"])


def test_sentence_detector_rows_are_flagged(spark, work, corpus, deployments):
    code, summary, rows, fingerprint = _audit(spark, work, corpus, deployments, "sentences")
    assert _settings(fingerprint) == ["sentence_splitting"]
    several = rows["right_predictions"].fillna(1) > 1
    records = pd.read_parquet(work / "snlp-sentences")
    assert (records.loc[records["predictions"].fillna(1) > 1, "label_rule"]
            == "mean_of_probabilities").all()
    top = summary.deployment.top
    assert top.cause == "sentence_splitting"
    assert top.rows == int((several & (rows["status"] != "same")).sum()) > 0
    _fails_on(code, summary, rows, "sentence_splitting", summary.deployment.findings[0].line)
    _on_screen(work, "sentences", summary, [])


def test_a_lone_classifier_folder_is_wrapped_and_audited(spark, work, corpus):
    """A classifier saved on its own, elsewhere (no manifest of ours), with its own column names
    and Spark NLP's caseSensitive default: scored inside DocumentAssembler -> Tokenizer, and
    the audit says so and finds the casing."""
    from parity_core.config import cache_dir
    from spark_pipelines.sparknlp.deployment import WRAPPED_NOTE
    from tests.support.deployments import _saved_classifier

    folder = work / "elsewhere" / "my_classifier"
    _saved_classifier(str(cache_dir() / "default" / "sparknlp_model")) \
        .setInputCols(["doc", "words"]).setOutputCol("sentiment").setCaseSensitive(True) \
        .write().overwrite().save(str(folder))
    assert not list(folder.rglob("hfparity_manifest.json"))
    code, summary, rows, fingerprint = _audit(spark, work, corpus, {"lone": folder}, "lone")
    audit = fingerprint["deployment_audit"]
    assert audit["source"] == "classifier" and audit["notes"] == [WRAPPED_NOTE]
    assert audit["stages"] == ["DocumentAssembler", "TokenizerModel",
                               "BertForSequenceClassification"]
    assert _settings(fingerprint) == ["caseSensitive"]
    records = pd.read_parquet(work / "snlp-lone")
    assert (records["status"] == "ok").sum() >= ROWS  # every snippet scored through the wrap
    lowercase = rows["sub_cause"] == "lowercase_one_side"
    top = summary.deployment.top
    assert top.cause == "caseSensitive" and top.rows == int(lowercase.sum()) > 0
    _fails_on(code, summary, rows, "caseSensitive", summary.deployment.findings[0].line)
