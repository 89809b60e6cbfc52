"""Attribution and the counterfactual on real runs of the default checkpoint.

The left side is the reference as configured; each right side differs in exactly one controlled
way (a flipped tokenizer setting, a Spark NLP-style dropped piece rescored by the real model,
perturbed logits), so every pinned cause is the true one.
"""

from __future__ import annotations

import copy
from dataclasses import replace

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from parity_core.records import RECORD_SCHEMA, STATUS_ERROR, empty_record
from spark_pipelines.compare.attribution import attribute
from spark_pipelines.hf_on_spark.verdict import NOT_REPRODUCED, REPRODUCED

CASED_TEXT = "what a Brilliant film"
ACCENT_TEXT = "a naive but naïve film"
CONTRACTION_TEXT = "i don't care for it"
LONG_TEXT = " ".join(["a slow and lovely film about two brothers and their dog"] * 6)


@pytest.fixture(scope="module")
def scorers(settings):
    from hf_reference.scorer import ReferenceScorer

    return {
        "left": ReferenceScorer(settings, threads=1),
        "cased": ReferenceScorer(replace(settings, do_lower_case=False), threads=1),
        "accents": ReferenceScorer(replace(settings, strip_accents=False), threads=1),
        "short": ReferenceScorer(replace(settings, max_length=32), threads=1),
    }


def score(scorer, text: str, record_id: str = "r") -> dict:
    return scorer.score([record_id], [text])[0]


def rescored(scorer, record: dict, pieces: list[dict]) -> dict:
    """`record` with other model-input pieces, scored by the real model."""
    logits, probabilities = scorer.score_ids([[p["id"] for p in pieces]])
    out = copy.deepcopy(record)
    label_id = int(np.argmax(logits[0]))
    out.update(pieces=pieces, piece_count=len(pieces), logits=[float(x) for x in logits[0]],
               probabilities=[float(p) for p in probabilities[0]], label_id=label_id,
               label=scorer.settings.labels[label_id])
    return out


def perturbed(record: dict, shift: float) -> dict:
    out = copy.deepcopy(record)
    logits = np.array(record["logits"]) + np.array([shift, -shift])
    exp = np.exp(logits - logits.max())
    out.update(logits=logits.tolist(), probabilities=(exp / exp.sum()).tolist())
    return out


def test_casing_flip_is_pieces_lowercase_one_side(scorers, project_config):
    got = attribute(score(scorers["left"], CASED_TEXT), score(scorers["cased"], CASED_TEXT),
                    project_config.compare.probability_tolerance)
    assert (got.cause, got.sub_cause, got.word, got.position) == (
        "pieces", "lowercase_one_side", "Brilliant", 3)
    assert got.evidence.startswith("left 'brilliant' vs right '[UNK]'")


def test_accent_flip_is_pieces_accent_one_side(scorers, project_config):
    got = attribute(score(scorers["left"], ACCENT_TEXT), score(scorers["accents"], ACCENT_TEXT),
                    project_config.compare.probability_tolerance)
    assert (got.cause, got.sub_cause, got.word, got.position) == (
        "pieces", "accent_one_side", "naïve", 4)


def test_max_length_flip_is_truncation(scorers, project_config):
    left, right = score(scorers["left"], LONG_TEXT), score(scorers["short"], LONG_TEXT)
    assert right["truncated"] and not left["truncated"]
    got = attribute(left, right, project_config.compare.probability_tolerance)
    assert (got.cause, got.position) == ("truncation", 31)
    assert got.word == left["words"][30]["text"]
    assert "right kept 30 pieces (truncated" in got.evidence


def test_spark_nlp_style_first_piece_only_is_pieces_dropped(scorers, project_config):
    left = score(scorers["left"], CONTRACTION_TEXT)
    kept = [p for p in left["pieces"] if p["piece"] not in ("'", "t")]
    right = rescored(scorers["left"], left, kept)
    right["words"] = [{"text": w, "begin": b, "end": b + len(w)}
                      for w, b in (("i", 0), ("don't", 2), ("care", 8), ("for", 13), ("it", 17))]
    got = attribute(left, right, project_config.compare.probability_tolerance)
    assert (got.cause, got.sub_cause, got.word, got.position) == (
        "pieces", "pieces_dropped", "don't", 2)
    assert got.evidence.startswith(
        "left 'don' ''' 't' vs right 'don': 2 pieces dropped from \"don't\" on right")


def test_perturbed_logits_are_numerics_and_equal_scores_other_label_boundary(
        scorers, project_config):
    left = score(scorers["left"], CASED_TEXT)
    tolerance = project_config.compare.probability_tolerance
    assert attribute(left, perturbed(left, 0.05), tolerance).cause == "numerics"
    assert attribute(left, perturbed(left, 1e-5), tolerance).cause is None
    relabeled = copy.deepcopy(left)
    relabeled["label_id"] = 1 - left["label_id"]
    relabeled["label"] = scorers["left"].settings.labels[relabeled["label_id"]]
    assert attribute(left, relabeled, tolerance).cause == "boundary"


def test_text_words_and_status_causes_on_real_records(scorers, project_config):
    tolerance = project_config.compare.probability_tolerance
    left = score(scorers["left"], "good\u00a0film")
    assert attribute(left, score(scorers["left"], "good film!"), tolerance).cause == "text"
    merged = copy.deepcopy(left)  # Spark NLP does not split on NBSP
    merged["words"] = [{"text": "good\u00a0film", "begin": 0, "end": 9}]
    got = attribute(left, merged, tolerance)
    assert (got.cause, got.word, got.position) == ("words", "good\u00a0film", 1)
    failed = empty_record("r", STATUS_ERROR, "RuntimeError: boom")
    assert (attribute(left, failed, tolerance).cause,
            attribute(left, failed, tolerance).sub_cause) == ("status", "error")


def test_counterfactual_on_spark_separates_tokenization_from_numerics(
        spark, scorers, settings, project_config, tmp_path):
    from spark_pipelines.hf_on_spark.counterfactual import counterfactual_scores

    tolerance = project_config.compare.probability_tolerance
    texts = {"cased": CASED_TEXT, "short": LONG_TEXT, "numerics": ACCENT_TEXT, "same": "fine"}
    left = {k: score(scorers["left"], t, k) for k, t in texts.items()}
    right = {
        "cased": score(scorers["cased"], CASED_TEXT, "cased"),
        "short": score(scorers["short"], LONG_TEXT, "short"),
        "numerics": perturbed(left["numerics"], 0.05),
        "same": copy.deepcopy(left["same"]),
    }
    for side, records in (("left", left), ("right", right)):
        pq.write_table(pa.Table.from_pylist(list(records.values()), schema=RECORD_SCHEMA),
                       str(tmp_path / f"{side}.parquet"))
    frame = counterfactual_scores(spark.read.parquet(str(tmp_path / "left.parquet")),
                                  spark.read.parquet(str(tmp_path / "right.parquet")),
                                  settings, tolerance, partitions=1)
    rows = {row["id"]: row.asDict() for row in frame.collect()}
    assert frame.columns == ["id", "cf_probabilities", "cf_logits", "cf_verdict",
                             "cf_max_abs_delta"]
    assert set(rows) == {"cased", "short", "numerics"}  # "same" does not disagree
    assert rows["cased"]["cf_verdict"] == REPRODUCED
    assert rows["short"]["cf_verdict"] == REPRODUCED
    assert rows["numerics"]["cf_verdict"] == NOT_REPRODUCED
    assert rows["cased"]["cf_probabilities"] == pytest.approx(right["cased"]["probabilities"],
                                                              abs=1e-5)
    for key, cause in (("cased", "pieces"), ("short", "truncation"), ("numerics", "numerics")):
        got = attribute(left[key], right[key], tolerance, rows[key])
        assert (got.cause, got.cf_consistent) == (cause, True)


def test_controlled_experiment_attributes_every_changed_row_to_the_flipped_stage(
        settings, project_config):
    from spark_pipelines.hf_on_spark.experiment import FLIPS, Runner, render, run_flip

    texts = [CASED_TEXT, ACCENT_TEXT, LONG_TEXT, "plain lowercase text", "Zoë's CAFÉ", None]
    runner = Runner(settings, [f"t{i}" for i in range(len(texts))], texts, threads=1)
    tolerance = project_config.compare.probability_tolerance
    results = {name: run_flip(runner, flip, tolerance) for name, flip in FLIPS.items()}
    assert {n: (r.changed, r.attributed) for n, r in results.items()} == {
        "casing": (2, 2), "max_length": (1, 1), "accents": (2, 2)}
    assert results["casing"].counterfactual == {REPRODUCED: 2}
    assert results["casing"].counterfactual_agrees == 2
    assert "casing/pieces" in render(list(results.values()))
