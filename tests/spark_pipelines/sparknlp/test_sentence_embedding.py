"""A real Spark NLP 5.5.3 BertSentenceEmbeddings run on set-up's pooled export returns
sentence-transformers' own vector per row, and rows without text get no vector (and hand none
to their neighbours). One spark-submit-free subprocess: Spark NLP keeps one model.onnx per
SparkContext, and the session fixture holds another."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from parity_core.tasks.sentence_embedding import compare_vectors

MODELS = Path(os.environ.get("HFPARITY_CACHE", "~/.cache/hfparity")).expanduser() / "models"
ROWS = [("r1", "A modest pleasure that accomplishes its goals with ease."),
        ("r2", ""), ("r3", "Café in Zürich, near Jean-Luc's shop"), ("r4", "   "),
        ("r5", "ok")]


def test_pooled_export_reproduces_sentence_transformers_row_by_row(tmp_path):
    from hf_reference.sentence_embedding import load_encoder, on_pieces, reference

    model = MODELS / "minilm_mean"
    if not (model / "onnx_sentence" / "model.onnx").is_file():
        pytest.fail(f"{model} missing: run `make assets`")
    corpus = tmp_path / "corpus.parquet"
    pq.write_table(pa.table({"id": [r[0] for r in ROWS], "text": [r[1] for r in ROWS]}), corpus)
    out = tmp_path / "sparknlp.parquet"
    done = subprocess.run(
        [sys.executable, "-m", "spark_pipelines.sparknlp.sentence_embedding", "--corpus",
         str(corpus), "--out", str(out), "--onnx", str(model / "onnx_sentence"),
         "--annotator", "BertSentenceEmbeddings", "--param", "caseSensitive=false",
         "--param", "maxSentenceLength=256", "--param", "batchSize=2"],
        capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    spark = {r["id"]: r for r in pq.read_table(out).to_pylist()}
    expected = {r["id"]: r for r in reference(model / "checkpoint", [r[0] for r in ROWS],
                                              [r[1] for r in ROWS])}
    assert [spark[i]["status"] for i in ("r1", "r3", "r5")] == ["ok", "ok", "ok"]
    for row_id in ("r1", "r3", "r5"):  # each row its own vector (batches of 2 span the gaps)
        assert spark[row_id]["dimension"] == 384
        diff = compare_vectors(expected[row_id]["vector"], spark[row_id]["vector"], 1e-5, 1e-3)
        assert diff.agrees, (row_id, diff)
    # Spark NLP 5.5.3 embeds the empty document (measured): its own [CLS][SEP] vector, recorded
    # as vector_without_text, never a neighbour's; the reference embeds no blank row.
    assert spark["r2"]["status"] == "vector_without_text"
    empty = on_pieces(load_encoder(model / "checkpoint"), [[]], 256, "mean", True)[0]
    for row_id in ("r2", "r4"):
        assert expected[row_id]["status"] == "no_text" and expected[row_id]["vector"] is None
        if spark[row_id]["vector"] is not None:
            assert spark[row_id]["status"] == "vector_without_text"
            own = compare_vectors(empty.tolist(), spark[row_id]["vector"], 1e-5, 1e-3)
            assert own.agrees, (row_id, own)
