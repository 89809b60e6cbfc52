"""Two tiny finished records folders and their corpus, written without any model.

Tests that are about the join's plumbing (which modules it loads, how the compare job treats
its config) need real records folders, not real predictions: these are written with the
project's own writer (spark_pipelines.io.records), so they are what a producer publishes, and
nothing here imports torch. Also runnable as `python -m tests.support.tiny_runs <folder>` so a
test can make them in a fresh process.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from parity_core.records import STATUS_OK
from parity_core.settings import EffectiveSettings

LABELS = ("negative", "positive")
TEXTS = {"a": "A fine film", "b": "Dull", "c": "It's great"}


@dataclass(frozen=True)
class TinyRuns:
    """Where the corpus and the two records folders are, and the settings they record."""

    corpus: Path
    left: Path
    right: Path
    settings: EffectiveSettings


def tiny_settings(checkpoint: str = "/nonexistent/hfparity-test-checkpoint") -> EffectiveSettings:
    """Settings as a run records them; the checkpoint need not exist (the join never loads it)."""
    return EffectiveSettings(
        checkpoint=checkpoint, labels=LABELS, do_lower_case=True, strip_accents=True,
        max_length=128, model_max_length=512, max_input_chars_per_word=100,
        tokenize_chinese_chars=True, hf_batch_size=32, sparknlp_batch_size=32, threads=None,
        sources=(("max_length", "tests/support/tiny_runs.py"),))


def _words(text: str) -> list[dict[str, Any]]:
    words, start = [], 0
    for word in text.split(" "):
        words.append({"text": word, "begin": start, "end": start + len(word)})
        start += len(word) + 1
    return words


def _record(record_id: str, text: str, positive: float, with_logits: bool) -> dict[str, Any]:
    from parity_core.records import text_sha256

    words = _words(text)
    pieces = [{"piece": "[CLS]", "id": 101, "begin": None, "end": None},
              *({"piece": w["text"].lower(), "id": 1000 + i, "begin": w["begin"],
                 "end": w["end"]} for i, w in enumerate(words)),
              {"piece": "[SEP]", "id": 102, "begin": None, "end": None}]
    label_id = int(positive >= 0.5)
    return {
        "id": record_id, "status": STATUS_OK, "error": None,
        "text_sha256": text_sha256(text), "text_length": len(text), "words": words,
        "pieces": pieces, "pieces_note": None, "piece_count": len(pieces), "truncated": False,
        "label": LABELS[label_id], "label_id": label_id,
        "probabilities": [1.0 - positive, positive],
        "logits": [0.0, positive] if with_logits else None,
    }


def write_tiny_runs(spark: Any, folder: Path) -> TinyRuns:
    """corpus.parquet, left/ (Hugging Face-like) and right/ (one label flipped) under folder."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from parity_core.records import RECORD_COLUMNS
    from spark_pipelines.io.corpus import corpus_digest, read_corpus
    from spark_pipelines.io.records import SPARK_RECORD_SCHEMA, write_records

    folder.mkdir(parents=True, exist_ok=True)
    corpus = folder / "corpus.parquet"
    pq.write_table(pa.table({"id": list(TEXTS), "text": list(TEXTS.values())}), corpus)
    digest = corpus_digest(read_corpus(spark, str(corpus)))
    settings = tiny_settings()
    scores = {"left": {"a": 0.9, "b": 0.2, "c": 0.7}, "right": {"a": 0.9, "b": 0.2, "c": 0.4}}
    for side, framework in (("left", "huggingface"), ("right", "sparknlp")):
        records = [_record(i, TEXTS[i], scores[side][i], side == "left") for i in TEXTS]
        frame = spark.createDataFrame([tuple(r.get(c) for c in RECORD_COLUMNS) for r in records],
                                      SPARK_RECORD_SCHEMA)
        fingerprint = {"schema_version": "1", "framework": framework,
                       "checkpoint_sha256": "0" * 64, "vocab_sha256": "1" * 64,
                       "settings": settings.to_dict(), "warnings": [],
                       "corpus": str(corpus), "corpus_digest": digest}
        write_records(frame, str(folder / side), fingerprint)
    return TinyRuns(corpus, folder / "left", folder / "right", settings)


def main(argv: list[str] | None = None) -> int:
    from spark_pipelines.jvm.session import get_session

    folder = Path((argv if argv is not None else sys.argv[1:])[0])
    spark = get_session("hfparity-tiny-runs", master="local[1]")
    try:
        runs = write_tiny_runs(spark, folder)
    finally:
        spark.stop()
    print(json.dumps({"corpus": str(runs.corpus), "left": str(runs.left),
                      "right": str(runs.right)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
