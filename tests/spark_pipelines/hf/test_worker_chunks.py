"""The HF job's worker function scores an Arrow batch in chunks: same records, same order."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest


def test_chunked_scoring_keeps_every_row_in_order(settings, monkeypatch):
    """Rows of one Arrow batch scored in chunks of 2 (a 10,000-row batch in chunks of 1,000 in
    production) give the records of one call over the whole batch, in input order, with the
    corpus' own reason on a non-string row."""
    from hf_reference.scorer import ReferenceScorer
    from spark_pipelines.hf import scoring
    from spark_pipelines.io import arrow_chunks

    monkeypatch.setattr(arrow_chunks, "WORKER_CHUNK_ROWS", 2)
    ids = ["a", "b", "c", "d", "e"]
    texts = ["a fine film", None, "dull and long", "", "the best of the year"]
    batch = pa.RecordBatch.from_pydict({"id": ids, "text": texts})
    settings_json = json.dumps(settings.to_dict(), sort_keys=True)
    score = scoring.score_arrow_batches(settings_json, "text column is int")
    out = list(score(iter([batch])))
    assert [b.num_rows for b in out] == [2, 2, 1]
    chunked = pa.Table.from_batches(out).to_pylist()
    whole = ReferenceScorer(settings, threads=1).score(ids, texts)
    assert [r["id"] for r in chunked] == ids
    assert chunked[1]["status"] == "invalid_text" and chunked[1]["error"] == "text column is int"
    for got, expected in zip(chunked, whole):
        assert (got["label"], got["pieces"], got["input_ids"]) == (
            expected["label"], expected["pieces"], expected["input_ids"])
        if expected["probabilities"] is not None:
            assert got["probabilities"] == pytest.approx(expected["probabilities"], abs=1e-6)
