"""The default assets made by `make setup`: checkpoint, ONNX export, Spark NLP import, corpus."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from parity_core.fingerprint import read_model_manifest, sha256_file


def test_checkpoint_has_labels_vocab_and_recorded_accuracy(settings):
    folder = Path(settings.checkpoint)
    config = json.loads((folder / "config.json").read_text())
    assert config["id2label"] == {"0": "negative", "1": "positive"}
    assert config["label2id"] == {"negative": 0, "positive": 1}
    vocab = (folder / "vocab.txt").read_text(encoding="utf-8").splitlines()
    assert len(vocab) == 30522 and vocab[101] == "[CLS]" and vocab[102] == "[SEP]"
    metrics = json.loads((folder / "training_metrics.json").read_text())
    assert metrics["held_out_accuracy"] >= 0.80


def test_manifest_hashes_name_the_files_on_disk(project_config, settings):
    """The checkpoint's manifest names its weights and vocab; the import's (onnx/ and the saved
    Spark NLP model, written by `hfparity import`) names the same ones and the ONNX on disk."""
    manifest = read_model_manifest(settings.checkpoint)
    folder = Path(settings.checkpoint)
    assert manifest["checkpoint_sha256"] == sha256_file(folder / "model.safetensors")
    assert manifest["vocab_sha256"] == sha256_file(folder / "vocab.txt")
    onnx = Path(project_config.onnx_export_path())
    imported = read_model_manifest(onnx)
    for key in ("checkpoint_sha256", "vocab_sha256", "labels_sha256"):
        assert imported[key] == manifest[key], key
    assert imported["family"] == "bert"
    assert imported["onnx_sha256"] == sha256_file(onnx / "model.onnx")
    assert (onnx / "assets" / "labels.txt").read_text().splitlines() == ["negative", "positive"]
    assert read_model_manifest(project_config.sparknlp_model_path()) == imported
    assert imported["onnx_max_abs_logit_delta"] <= 1e-4


def test_torch_checkpoint_and_onnx_export_agree(project_config, settings, default_corpus_path):
    import onnxruntime
    import torch
    from transformers import AutoTokenizer, BertForSequenceClassification

    texts = pd.read_parquet(default_corpus_path)["text"].dropna().tolist()[:64]
    tokenizer = AutoTokenizer.from_pretrained(settings.checkpoint)
    model = BertForSequenceClassification.from_pretrained(settings.checkpoint).eval()
    batch = tokenizer(texts, truncation=True, max_length=128, padding=True, return_tensors="pt")
    with torch.inference_mode():
        expected = model(**batch).logits.numpy()
    session = onnxruntime.InferenceSession(
        str(Path(project_config.onnx_export_path()) / "model.onnx"),
        providers=["CPUExecutionProvider"],
    )
    names = ("input_ids", "attention_mask", "token_type_ids")
    got = session.run(["logits"], {n: batch[n].numpy().astype(np.int64) for n in names})[0]
    assert (got.argmax(-1) == expected.argmax(-1)).all()
    assert np.abs(got - expected).max() < 1e-4


def test_default_corpus_has_snippets_and_edge_cases(default_corpus_path):
    corpus = pd.read_parquet(default_corpus_path)
    assert list(corpus.columns) == ["id", "text", "label"]
    assert corpus["id"].is_unique
    assert len(corpus) == 2551 + 27
    edges = corpus[corpus["id"].str.startswith("edge-")].set_index("id")["text"]
    assert edges["edge-null"] is None and edges["edge-empty"] == ""
    assert "\u00a0" in edges["edge-nbsp"] and "\u200d" in edges["edge-zwj"]
    assert len(edges["edge-very-long"]) > 5000
