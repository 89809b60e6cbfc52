"""Deployments as people ship them, scored as they are (--pipeline) and audited: each must give
the right audit line and the right top deployment cause, with its row count taken from the
report rows by an independent rule, and the gate must fail where the deployment breaks parity.

Real Spark NLP, the real default model, one Spark session: all five deployments share the
default model's ONNX file (tests/support/deployments.py says how).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.support.deployments import SWAPPED, save_deployments

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
    from spark_pipelines.hf_on_spark.job import run_hf_reference

    config = _config(work, max_length)
    settings = derive_settings(config)
    out = work / f"hf{max_length}"
    if not out.exists():
        run_hf_reference(spark, config, settings, str(corpus), str(out))
    return out, config, settings


def _audit(spark, work, corpus, deployments, name, max_length=128):
    """Score the deployment, compare with Hugging Face; (result, rows, fingerprint)."""
    from spark_pipelines.compare.job import run_compare
    from spark_pipelines.sparknlp.job import run_sparknlp

    hf, config, settings = _hf(spark, work, corpus, max_length)
    out = work / f"snlp-{name}"
    run_sparknlp(spark, config, settings, str(corpus), str(out),
                 pipeline_dir=str(deployments[name]))
    report = work / f"report-{name}"
    result = run_compare(spark, config, settings, str(hf), str(out), str(corpus), str(report),
                         counterfactual="off")
    rows = pd.read_parquet(report / "rows")
    fingerprint = json.loads((out / "_fingerprint.json").read_text(encoding="utf-8"))
    summary = json.loads((report / "summary.json").read_text(encoding="utf-8"))
    assert next(iter(summary)) == "deployment", "the audit is the first key of summary.json"
    assert (report / "index.html").read_text(encoding="utf-8").index("Deployment audit") < \
        (report / "index.html").read_text(encoding="utf-8").index("corpus rows")
    assert len(rows) == ROWS + len(EDGE_IDS) and rows["status"].notna().all()
    return result, rows, fingerprint


def _settings(fingerprint) -> list[str]:
    return [f["setting"] for f in fingerprint["deployment_audit"]["findings"]]


def test_spark_nlp_defaults_against_max_length_512(spark, work, corpus, deployments):
    result, rows, fingerprint = _audit(spark, work, corpus, deployments, "defaults", 512)
    assert _settings(fingerprint) == ["caseSensitive", "maxSentenceLength"]
    line = result.summary.deployment.findings[1].line
    assert line.startswith("maxSentenceLength: deployed 128 vs checkpoint max_length 512")
    top = result.summary.deployment.top
    # The very long row is cased too, but its cut at 128 pieces is the bigger cause: it is the
    # maxSentenceLength row (deployment causes take the first rule that applies).
    lowercase = (rows["sub_cause"] == "lowercase_one_side") & (rows["id"] != "edge-very-long")
    assert top.cause == "caseSensitive" and top.rows == int(lowercase.sum()) > 0
    long_row = rows.set_index("id").loc["edge-very-long"]
    assert long_row["deployment_cause"] == "maxSentenceLength"
    assert "maxSentenceLength: deployed 128 vs checkpoint max_length 512" in \
        long_row["deployment_evidence"]
    assert not result.passed


def test_labels_reversed_is_one_cause(spark, work, corpus, deployments):
    result, rows, fingerprint = _audit(spark, work, corpus, deployments, "labels_reversed")
    assert _settings(fingerprint) == ["labels"]
    top = result.summary.deployment.top
    flipped = (rows["left_label"].notna() & rows["right_label"].notna()
               & (rows["left_label"] != rows["right_label"]))
    assert top.cause == "label_order" and top.rows == int(flipped.sum())
    assert top.rows >= 0.95 * (rows["left_label"].notna() & rows["right_label"].notna()).sum()
    assert "negative→positive, positive→negative" in top.evidence
    assert len(result.summary.deployment.causes) == 1
    assert not result.passed


def test_swapped_vocabulary_is_one_cause(spark, work, corpus, deployments):
    result, rows, fingerprint = _audit(spark, work, corpus, deployments, "vocab_swapped")
    assert _settings(fingerprint) == ["vocabulary"]
    finding = result.summary.deployment.findings[0]
    assert f"{SWAPPED[0]!r} vs {SWAPPED[1]!r}" in finding.effect or \
        f"{SWAPPED[1]!r} vs {SWAPPED[0]!r}" in finding.effect
    hf = pd.read_parquet(work / "hf128")
    uses = {r.id for r in hf.itertuples() if r.pieces is not None
            and any(p["piece"] in SWAPPED for p in r.pieces)}
    top = result.summary.deployment.top
    assert top.cause == "vocabulary" and top.rows == len(uses) > 0
    assert set(rows.loc[rows["deployment_cause"] == "vocabulary", "id"]) == uses


def test_normalizer_before_the_classifier(spark, work, corpus, deployments):
    result, rows, fingerprint = _audit(spark, work, corpus, deployments, "normalizer")
    assert _settings(fingerprint) == ["text_stage"]
    assert fingerprint["deployment_audit"]["findings"][0]["deployed"].startswith("NormalizerModel")
    top = result.summary.deployment.top
    expected = rows["cause"].isin(["text", "words"]) & (rows["status"] != "same")
    assert top.cause == "text_stage" and top.rows == int(expected.sum()) > 0


def test_sentence_detector_rows_are_flagged(spark, work, corpus, deployments):
    result, rows, fingerprint = _audit(spark, work, corpus, deployments, "sentences")
    assert _settings(fingerprint) == ["sentence_splitting"]
    several = rows["right_predictions"].fillna(1) > 1
    records = pd.read_parquet(work / "snlp-sentences")
    assert (records.loc[records["predictions"].fillna(1) > 1, "label_rule"]
            == "mean_of_probabilities").all()
    top = result.summary.deployment.top
    assert top.cause == "sentence_splitting"
    assert top.rows == int((several & (rows["status"] != "same")).sum()) > 0
