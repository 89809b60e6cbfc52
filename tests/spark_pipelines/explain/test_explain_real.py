"""Attribution and the counterfactual on real runs of the default checkpoint.

The left side is the reference as configured; each right side differs in exactly one controlled
way (a flipped tokenizer setting, a Spark NLP-style dropped piece rescored by the real model,
perturbed logits), so every pinned cause is the true one. Pairs are explained by the report's
own code (compare/pairs.explain_records: build_rows and its JVM explanation).
"""

from __future__ import annotations

import copy
from dataclasses import replace

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from parity_core.records import RECORD_SCHEMA, STATUS_ERROR, empty_record
from spark_pipelines.compare.pairs import Pair, explain_records
from spark_pipelines.explain.verdict import NOT_REPRODUCED, REPRODUCED

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


def cause(row: dict) -> tuple:
    return row["cause"], row["sub_cause"], row["cause_word"], row["cause_position"]


def test_setting_flips_are_the_flipped_stage(spark, scorers, project_config):
    """Casing → pieces/lowercase_one_side, accents → pieces/accent_one_side, max_length →
    truncation: one Spark job for the three pairs."""
    long_left, long_right = score(scorers["left"], LONG_TEXT), score(scorers["short"], LONG_TEXT)
    assert long_right["truncated"] and not long_left["truncated"]
    cased, accent, long = explain_records(spark, [
        Pair(score(scorers["left"], CASED_TEXT), score(scorers["cased"], CASED_TEXT), CASED_TEXT),
        Pair(score(scorers["left"], ACCENT_TEXT), score(scorers["accents"], ACCENT_TEXT),
             ACCENT_TEXT),
        Pair(long_left, long_right, LONG_TEXT),
    ], project_config.compare.probability_tolerance)
    assert cause(cased) == ("pieces", "lowercase_one_side", "Brilliant", 3)
    assert cased["cause_evidence"].startswith("left 'brilliant' vs right '[UNK]'")
    assert cause(accent) == ("pieces", "accent_one_side", "naïve", 4)
    assert cause(long) == ("truncation", None, long_left["words"][30]["text"], 31)
    assert "right kept 30 pieces (truncated" in long["cause_evidence"]


def test_spark_nlp_style_first_piece_only_is_pieces_dropped(spark, scorers, project_config):
    left = score(scorers["left"], CONTRACTION_TEXT)
    kept = [p for p in left["pieces"] if p["piece"] not in ("'", "t")]
    right = rescored(scorers["left"], left, kept)
    right["words"] = [{"text": w, "begin": b, "end": b + len(w)}
                      for w, b in (("i", 0), ("don't", 2), ("care", 8), ("for", 13), ("it", 17))]
    [got] = explain_records(spark, [Pair(left, right, CONTRACTION_TEXT)],
                            project_config.compare.probability_tolerance)
    assert cause(got) == ("pieces", "pieces_dropped", "don't", 2)
    assert got["cause_evidence"].startswith(
        "left 'don' ''' 't' vs right 'don': 2 pieces dropped from \"don't\" on right")


def test_scores_text_words_and_status_causes_on_real_records(spark, scorers, project_config):
    """Perturbed logits are numerics (within tolerance: same); equal scores with the other label
    are boundary; another text, an NBSP word and a failed side are text, words and status."""
    tolerance = project_config.compare.probability_tolerance
    left = score(scorers["left"], CASED_TEXT)
    relabeled = copy.deepcopy(left)
    relabeled["label_id"] = 1 - left["label_id"]
    relabeled["label"] = scorers["left"].settings.labels[relabeled["label_id"]]
    nbsp = score(scorers["left"], "good\u00a0film")
    merged = copy.deepcopy(nbsp)  # Spark NLP does not split on NBSP
    merged["words"] = [{"text": "good\u00a0film", "begin": 0, "end": 9}]
    failed = empty_record("r", STATUS_ERROR, "RuntimeError: boom")
    rows = explain_records(spark, [
        Pair(left, perturbed(left, 0.05), CASED_TEXT),
        Pair(left, perturbed(left, 1e-5), CASED_TEXT),
        Pair(left, relabeled, CASED_TEXT),
        Pair(nbsp, score(scorers["left"], "good film!"), "good\u00a0film"),
        Pair(nbsp, merged, "good\u00a0film"),
        Pair(nbsp, failed, "good\u00a0film"),
    ], tolerance)
    numerics, within, boundary, text, words, status = rows
    assert numerics["cause"] == "numerics"
    assert (within["status"], within["cause"]) == ("same", None)
    assert boundary["cause"] == "boundary"
    assert text["cause"] == "text"
    # One side keeps the NBSP-joined word whole yet its pieces still spell both words (this
    # record copies Hugging Face's pieces): the separator sub-cause says "joined".
    assert cause(words) == ("words", "separator_u00a0_joined", "good\u00a0film", 1)
    assert cause(status)[:2] == ("status", "error")


def test_counterfactual_on_spark_separates_tokenization_from_numerics(
        spark, scorers, settings, project_config, tmp_path):
    from spark_pipelines.explain.counterfactual import counterfactual_scores

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
    keys = ("cased", "short", "numerics")
    explained = explain_records(spark, [Pair(left[k], right[k], texts[k], rows[k]) for k in keys],
                                tolerance)
    assert [(row["cause"], row["cf_verdict"], row["cf_consistent"]) for row in explained] == [
        ("pieces", REPRODUCED, True), ("truncation", REPRODUCED, True),
        ("numerics", NOT_REPRODUCED, True)]


def test_controlled_experiment_attributes_every_changed_row_to_the_flipped_stage(
        spark, settings, project_config):
    from spark_pipelines.compare.experiment import FLIPS, Runner, render, run_flip

    texts = [CASED_TEXT, ACCENT_TEXT, LONG_TEXT, "plain lowercase text", "Zoë's CAFÉ", None]
    runner = Runner(settings, [f"t{i}" for i in range(len(texts))], texts, threads=1)
    tolerance = project_config.compare.probability_tolerance
    results = {name: run_flip(spark, runner, flip, tolerance) for name, flip in FLIPS.items()}
    assert {n: (r.changed, r.attributed) for n, r in results.items()} == {
        "casing": (2, 2), "max_length": (1, 1), "accents": (2, 2)}
    assert results["casing"].counterfactual == {REPRODUCED: 2}
    assert results["casing"].counterfactual_agrees == 2
    assert "casing/pieces" in render(list(results.values()))
