"""The small 3-label test models made by `make setup`
(hf_reference.setup_models.build_test_models)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest

from hf_reference.setup_models.build_test_models import (
    CORPUS_FILE,
    RECIPES,
    recipe_hash,
    vocabulary_file,
)
from hf_reference.setup_models.three_label_corpus import LABELS_3
from parity_core.config import cache_dir, load_config
from parity_core.fingerprint import read_model_manifest, sha256_file
from tests.support.paths import REPO

CHECKPOINT_FILES = ("model.safetensors", "config.json", "tokenizer.json", "tokenizer_config.json",
                    "special_tokens_map.json", "vocab.txt", "training_metrics.json")
DECLARED_LOWERCASE = {"cased_bert": False, "distilbert": True}
# The WordPiece test models; the other families' are checked in
# tests/parity_core/families/test_families.py.
WORDPIECE = sorted(name for name, r in RECIPES.items() if r.family in ("bert", "distilbert"))


def checkpoint(name: str) -> Path:
    folder = cache_dir() / "models" / name / "checkpoint"
    if not (folder / "model.safetensors").is_file():
        pytest.fail(f"{folder}: test model missing: run `make setup` first")
    return folder


@pytest.fixture(scope="module")
def corpus() -> pd.DataFrame:
    path = cache_dir() / "models" / CORPUS_FILE
    if not path.is_file():
        pytest.fail(f"{path} missing: run `make setup` first")
    return pd.read_parquet(path, use_threads=False)  # threaded reads can abort at exit


@pytest.mark.parametrize("name", WORDPIECE)
def test_checkpoint_holds_what_a_fine_tuned_checkpoint_holds(name):
    folder = checkpoint(name)
    assert [f for f in CHECKPOINT_FILES if not (folder / f).is_file()] == []
    config = json.loads((folder / "config.json").read_text())
    assert config["model_type"] == RECIPES[name].family
    assert config["id2label"] == {str(i): label for i, label in enumerate(LABELS_3)}
    assert config["label2id"] == {label: i for i, label in enumerate(LABELS_3)}
    vocab = (folder / "vocab.txt").read_text(encoding="utf-8").splitlines()
    assert vocab[:5] == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    assert len(vocab) == config["vocab_size"] and len(set(vocab)) == len(vocab)
    tok = json.loads((folder / "tokenizer_config.json").read_text())
    lowercase = DECLARED_LOWERCASE[name]
    assert tok["do_lower_case"] is lowercase and tok["strip_accents"] is lowercase
    assert tok["model_max_length"] == 512
    assert tok["tokenizer_class"] == {"bert": "BertTokenizer",
                                      "distilbert": "DistilBertTokenizer"}[RECIPES[name].family]
    special = json.loads((folder / "special_tokens_map.json").read_text())
    assert special["pad_token"] == "[PAD]" and special["cls_token"] == "[CLS]"


@pytest.mark.parametrize("name", WORDPIECE)
def test_tokenizer_is_wordpiece_with_declared_casing_and_accents(name):
    from transformers import AutoTokenizer

    folder = checkpoint(name)
    assert json.loads((folder / "tokenizer.json").read_text())["model"]["type"] == "WordPiece"
    tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
    assert type(tokenizer.backend_tokenizer.model).__name__ == "WordPiece"
    vocab = (folder / "vocab.txt").read_text(encoding="utf-8").splitlines()
    assert tokenizer.get_vocab() == {token: i for i, token in enumerate(vocab)}
    assert tokenizer.pad_token_id == 0
    upper, lower = tokenizer.tokenize("Brilliant"), tokenizer.tokenize("brilliant")
    pieces = "".join(tokenizer.tokenize("café naïve"))
    if DECLARED_LOWERCASE[name]:
        assert upper == lower
        assert "é" not in pieces and "ï" not in pieces
    else:
        assert upper != lower
        assert "é" in pieces and "ï" in pieces  # Hugging Face keeps accents when cased
        assert any("é" in token for token in vocab) and "[UNK]" not in pieces


@pytest.mark.parametrize("name", WORDPIECE)
def test_recorded_accuracy_beats_majority_and_is_real(name, corpus):
    import numpy as np
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    folder = checkpoint(name)
    metrics = json.loads((folder / "training_metrics.json").read_text())
    assert metrics["held_out_accuracy"] >= metrics["majority_baseline"] + 0.05
    assert metrics["held_out_rows"] == len(corpus)
    assert read_model_manifest(folder)["training"]["held_out_accuracy"] == (
        metrics["held_out_accuracy"])
    tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
    model = AutoModelForSequenceClassification.from_pretrained(
        str(folder), local_files_only=True).eval()
    assert type(model).__name__ == {"bert": "BertForSequenceClassification",
                                    "distilbert": "DistilBertForSequenceClassification"}[
        RECIPES[name].family]
    predicted = []
    with torch.inference_mode():
        for start in range(0, len(corpus), 128):
            batch = tokenizer(corpus["text"].tolist()[start:start + 128], truncation=True,
                              max_length=RECIPES[name].max_length, padding=True,
                              return_tensors="pt")
            predicted.extend(model(**batch).logits.argmax(-1).tolist())
    labels = [model.config.id2label[i] for i in predicted]
    accuracy = float(np.mean(np.array(labels) == corpus["label"].to_numpy()))
    assert accuracy == pytest.approx(metrics["held_out_accuracy"], abs=0.002)


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_recipe_hash_is_stable_and_names_the_built_folder(name):
    folder = checkpoint(name)
    key = recipe_hash(RECIPES[name])
    assert recipe_hash(RECIPES[name]) == key
    link = cache_dir() / "models" / name
    assert link.is_symlink() and Path(os.readlink(link)).name == key, (
        "the cached model was built from another recipe: run `make setup`")
    manifest = read_model_manifest(folder)
    assert manifest["recipe"] == key
    assert manifest["checkpoint_sha256"] == sha256_file(folder / "model.safetensors")
    assert manifest["vocab_sha256"] == sha256_file(vocabulary_file(RECIPES[name], folder))
    other = [recipe_hash(r) for n, r in RECIPES.items() if n != name]
    assert key not in other


def test_three_label_corpus_is_the_held_out_split(corpus):
    from hf_reference.setup_models.three_label_corpus import three_label_split

    assert list(corpus.columns) == ["id", "text", "label"]
    assert corpus["id"].is_unique and corpus["text"].notna().all()
    assert set(corpus["label"]) == set(LABELS_3)
    held = three_label_split().held_out
    assert corpus["id"].tolist() == held["id"].tolist()


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_conf_file_points_at_the_test_model(name):
    config = load_config(REPO / "conf" / f"{name}.yaml")
    default = load_config(REPO / "conf" / "default.yaml")
    assert Path(config.checkpoint_path()) == cache_dir() / "models" / name / "checkpoint"
    assert Path(config.onnx_export_path()) == cache_dir() / "models" / name / "onnx"
    assert Path(config.sparknlp_model_path()) == cache_dir() / "models" / name / "sparknlp_model"
    assert (config.tokenization, config.inference, config.compare) == (
        default.tokenization, default.inference, default.compare)
