"""Sentence embeddings without Spark: set-up's two checkpoints, the spec read from their folders,
the pooling formulas against sentence-transformers itself, and the join's per-row rule."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from parity_core.tasks.sentence_embedding import (
    compare_vectors,
    is_sentence_transformers_folder,
    read_spec,
)
from spark_pipelines.compare.sentence_embedding import EmbeddingThresholds, join

MODELS = Path(os.environ.get("HFPARITY_CACHE", "~/.cache/hfparity")).expanduser() / "models"
TEXTS = ["A modest pleasure that accomplishes its goals with ease.",
         "Café in Zürich, near Jean-Luc's shop", "ok"]


def _checkpoint(name: str) -> Path:
    folder = MODELS / name / "checkpoint"
    if not (folder / "modules.json").is_file():
        pytest.fail(f"{folder} missing: run `make assets` (hf_reference.setup_models."
                    "sentence_models)")
    return folder


def test_set_up_checkpoints_are_mean_normalised_and_cls_unnormalised():
    mean, cls = read_spec(_checkpoint("minilm_mean")), read_spec(_checkpoint("minilm_cls"))
    assert (mean.pooling, mean.normalize, mean.max_length, mean.lowercase) == (
        "mean", True, 256, True)
    assert (cls.pooling, cls.normalize, cls.dimension) == ("cls", False, 384)
    assert is_sentence_transformers_folder(_checkpoint("minilm_cls"))
    assert not is_sentence_transformers_folder(MODELS.parent / "default" / "checkpoint")


@pytest.mark.parametrize("name", ["minilm_mean", "minilm_cls"])
def test_reference_is_sentence_transformers_and_the_pooling_recomputes_it(name):
    from hf_reference.sentence_embedding import candidates, load_encoder, reference

    folder = _checkpoint(name)
    records = reference(folder, ["a", "b", "c", "blank", "null"], [*TEXTS, "  ", None])
    # a blank text is embedded as sentence-transformers embeds it ([CLS][SEP]); a null one is
    # invalid_text and never gets a vector (the classifier's reference does the same)
    assert [r["status"] for r in records] == ["ok", "ok", "ok", "ok", "invalid_text"]
    assert records[3]["input_ids"] == [101, 102] and records[4]["vector"] is None
    spec = read_spec(folder)
    own = f"{spec.pooling}{'+l2' if spec.normalize else ''}@{spec.max_length}"
    recomputed = candidates(load_encoder(folder), TEXTS, [spec.max_length])[own]
    for record, vector in zip(records, recomputed):
        diff = compare_vectors(record["vector"], vector.tolist(), 1e-6, 1e-5)
        assert diff.agrees, (name, diff)
    assert (abs(records[0]["norm"] - 1.0) < 1e-5) == spec.normalize


def test_join_statuses_never_read_unmeasured_rows_as_agreement():
    limits = EmbeddingThresholds()
    reference = [{"id": "same", "status": "ok", "vector": [0.6, 0.8], "dimension": 2,
                  "norm": 1.0},
                 {"id": "scaled", "status": "ok", "vector": [0.6, 0.8], "dimension": 2,
                  "norm": 1.0},
                 {"id": "flat", "status": "ok", "vector": [0.6, 0.8], "dimension": 2,
                  "norm": 1.0},
                 {"id": "null", "status": "invalid_text", "vector": None},
                 {"id": "lost", "status": "ok", "vector": [1.0, 0.0], "dimension": 2,
                  "norm": 1.0}]
    spark = [{"id": "same", "status": "ok", "vector": [0.6, 0.8000001], "dimension": 2},
             {"id": "scaled", "status": "ok", "vector": [3.0, 4.0], "dimension": 2},
             {"id": "flat", "status": "ok", "vector": [0.6, 0.8, 0.0, 0.0], "dimension": 4},
             {"id": "null", "status": "invalid_text", "vector": None}]
    rows = {r["id"]: r for r in join(reference, spark, limits)}
    assert rows["same"]["status"] == "agree"
    # cosine 1 but |Δ| 3.2 against a norm of 1: the norm differs, so the vectors do
    assert rows["scaled"]["status"] == "differs"
    assert np.isclose(rows["scaled"]["cosine"], 1.0) and np.isclose(rows["scaled"]["norm_ratio"], 5)
    assert rows["flat"]["status"] == "dimension_mismatch" and rows["flat"]["cosine"] is None
    assert rows["null"]["status"] == "unscored_both" and rows["null"]["cosine"] is None
    assert rows["lost"]["status"] == "missing_sparknlp"
