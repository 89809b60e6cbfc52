"""The fix's model side in real Spark NLP, for one family (XLM-R: both of its rules): the
rewritten export imported with loadSavedModel in a JVM of its own, loaded by the Spark NLP
producer, which recognises the rewrite from the model and records the effective input; that
input is Hugging Face's own (start attended, unknown piece as <unk>), and Spark NLP's scores are
torch's on it."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np

from parity_core.config import ModelConfig, ProjectConfig, cache_dir
from parity_core.families.input_rewrite import family_rewrite
from tests.support.paths import REPO

# Lower-case words SentencePiece and Spark NLP's Tokenizer split alike, and one character the
# test model's vocabulary lacks (an unknown piece: Spark NLP feeds it as <pad>).
TEXTS = {"a": "the film is good", "b": "a story about nothing", "c": "the end☃ is near"}


def test_rewritten_export_in_spark_nlp_feeds_hugging_faces_input(spark, tmp_path):
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from hf_reference.input_rewrite import build_rewritten_export
    from parity_core.checkpoint import inspect_checkpoint
    from parity_core.settings import derive_settings
    from spark_pipelines.sparknlp.pipeline import annotate, build_pipeline

    root = cache_dir() / "models" / "xlm_roberta"
    info = inspect_checkpoint(root / "checkpoint")
    onnx_dir, saved = tmp_path / "onnx", tmp_path / "sparknlp_model"
    build_rewritten_export(info, root / "onnx", onnx_dir, say=lambda _: None)
    env = {**os.environ, "PYTHONPATH": str(REPO), "HFPARITY_DRIVER_MEMORY": "1g"}
    done = subprocess.run([sys.executable, "-m", "spark_pipelines.sparknlp.import_model",
                           "--onnx", str(onnx_dir), "--out", str(saved)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]

    config = ProjectConfig(model=ModelConfig(str(root / "checkpoint"), str(saved),
                                             str(onnx_dir)))
    settings = derive_settings(config)
    run = build_pipeline(spark, config, settings)
    assert run.input_rewrite == family_rewrite("xlm-roberta", 1)
    corpus = spark.createDataFrame(list(TEXTS.items()), "id string, text string")
    records = {r["id"]: r for r in annotate(corpus, run, settings).collect()}

    tokenizer = AutoTokenizer.from_pretrained(str(root / "checkpoint"))
    model = AutoModelForSequenceClassification.from_pretrained(str(root / "checkpoint")).eval()
    unknown_seen = False
    for key, text in TEXTS.items():
        hf = tokenizer(text, return_tensors="pt")
        record = records[key]
        assert record["input_ids"] == hf["input_ids"][0].tolist(), key
        assert record["attention_mask"] == hf["attention_mask"][0].tolist(), key
        assert record["attention_mask"][0] == 1  # <s> attended: start_token_masked is gone
        unknown_seen |= tokenizer.unk_token_id in record["input_ids"]
        with torch.inference_mode():
            expected = torch.softmax(model(**hf).logits[0], -1).numpy()
        assert np.abs(np.array(record["probabilities"]) - expected).max() < 1e-4, key
    assert unknown_seen  # unknown_as_pad is gone too: the piece is <unk>, not <pad>
