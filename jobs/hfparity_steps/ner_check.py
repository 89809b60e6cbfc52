"""`hfparity check` on a token-classification (NER) checkpoint: both sides, the join, the report.

One process, one local Spark session: the corpora are small and every step needs the driver
(Spark NLP's words and exact model input are collected; the Hugging Face side runs in torch on
the driver, on Spark NLP's words). Steps: import (cached when done), Spark NLP pipeline with
NerConverter, Hugging Face per word and its pipeline's entities (aggregation named), the
counterfactual (the same torch model on Spark NLP's exact input, read at Spark NLP's positions),
the join (spark_pipelines/compare/ner_join.py), the report (rows/*.parquet, summary.json,
index.html).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from parity_core.checkpoint import CheckpointInfo
from parity_core.tasks.token_classification import DEFAULT_AGGREGATION

WORDS_FILE = "rows/words.parquet"
ENTITIES_FILE = "rows/entities.parquet"


def _counterfactual(probs: Any, spark_row: Any) -> list[Any]:
    """Per Spark NLP word: HF's probabilities on Spark NLP's exact input (probs, per position),
    at the position Spark NLP reads the word from: its first kept piece's position (Spark NLP's
    pieces list holds the start token first, so its index is the position); a word with no kept
    piece that Spark NLP labelled anyway is read at the end token's position (the truncation
    pairing); else none."""
    if probs is None:
        return [None] * len(spark_row.words)
    first: dict[int, int] = {}
    for i, (_, _, begin, _) in enumerate(spark_row.pieces):
        if begin >= 0:
            first.setdefault(begin, i)
    out = []
    for (begin, _), label in zip(spark_row.words, spark_row.labels):
        position = first.get(begin)
        if position is None and label is not None and spark_row.truncated:
            position = len(spark_row.input_ids) - 1
        out.append(None if position is None else [float(p) for p in probs[position]])
    return out


def run_check(info: CheckpointInfo, imported: Any, corpus: str, out: Path,
              settings: Any, aggregation: str = DEFAULT_AGGREGATION, limit: int | None = None,
              say: Callable[[str], None] = print, tolerance: float = 1e-3,
              columns: tuple[str, str] = ("id", "text"), pipeline: str | None = None,
              extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run both sides on the corpus, join, write the report (with `extra`'s keys in its
    summary: the fix's proposal and before figures); returns summary.json's content."""
    import pandas as pd

    from hf_reference.ner import NerModel, entities
    from spark_pipelines.compare import ner_join
    from spark_pipelines.jvm.session import get_session
    from spark_pipelines.report.ner_html import write_report
    from spark_pipelines.sparknlp import ner as spark_ner

    started = time.time()
    spark = get_session("hfparity-ner-check", master="local[2]")
    try:
        frame = read_frame(corpus, columns)
        if limit:
            frame = frame.head(limit)
        labels = list(info.labels)
        assets = imported.onnx / "assets"
        vocab = assets / (info.family.spm_file or "vocab.txt")
        merges = assets / "merges.txt" if (assets / "merges.txt").is_file() else None
        deployed = spark_ner.load_deployed(spark, pipeline) if pipeline else None
        if deployed is not None:  # the deployment's own settings are what is audited
            settings = deployed.settings
            say(f"check: auditing the saved pipeline {pipeline} as it is ({settings})")
        sparks = spark_ner.run(spark, spark.createDataFrame(frame), str(imported.sparknlp_model),
                               info.family, settings, labels, str(vocab),
                               str(merges) if merges else None, deployed)
    finally:
        spark.stop()
    say(f"check: Spark NLP labelled {len(sparks)} rows ({time.time() - started:.1f} s)")
    step = time.time()
    model = NerModel.load(str(info.folder))
    texts = [s.text for s in sparks]
    hf_entities = entities(str(info.folder), texts, aggregation)
    words, ents, spark_rows, hf_rows = [], [], [], []
    outputs = model.words(texts, [s.words for s in sparks])
    with_input = [s for s in sparks if s.input_ids]
    exact = dict(zip((s.id for s in with_input), model.on_inputs(
        [(s.input_ids, s.attention_mask, s.token_type_ids) for s in with_input],
        info.family.onnx_inputs)))
    for s, found, row in zip(sparks, hf_entities, outputs):
        hf = ner_join.HfRow([w.label for w in row.words], [w.probs for w in row.words],
                            [w.pieces for w in row.words], row.input_ids, found,
                            [w.piece_ids for w in row.words])
        sr = ner_join.SparkRow(s.id, s.text, s.words, s.labels, s.probs, s.entities, s.pieces,
                               s.input_ids, s.attention_mask)
        cf = _counterfactual(exact.get(s.id), s)
        row_words = ner_join.word_rows(sr, hf, cf, labels, settings.max_sentence_length,
                                       tolerance)
        words.extend(row_words)
        ents.extend(ner_join.entity_rows(sr, hf, row_words))
        spark_rows.append(sr)
        hf_rows.append(hf)
    say(f"check: Hugging Face words, entities ({aggregation}) and counterfactual "
        f"({time.time() - step:.1f} s)")
    summary = ner_join.summarise(words, ents, spark_rows, hf_rows)
    summary.update({"task": "token_classification", "checkpoint": str(info.folder),
                    "family": info.family.name, "corpus": corpus,
                    "hf_aggregation": aggregation, "sparknlp_settings": asdict(settings),
                    "tolerance": tolerance, "sparknlp_model": str(imported.sparknlp_model),
                    "onnx": str(imported.onnx), "id_column": columns[0],
                    "text_column": columns[1], "pipeline": pipeline,
                    "worst_rows": ner_join.worst_rows(words, ents), **(extra or {})})
    (out / "rows").mkdir(parents=True, exist_ok=True)
    pd.DataFrame(words).to_parquet(out / WORDS_FILE, index=False)
    pd.DataFrame(ents).to_parquet(out / ENTITIES_FILE, index=False)
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    write_report(out, summary, words, ents, spark_rows, hf_rows)
    return summary


def read_frame(corpus: str, columns: tuple[str, str]) -> Any:
    """DataFrame[id, text] of a parquet, CSV or JSON lines corpus, ordered by id (hfparity check
    has validated its columns and ids already)."""
    import pandas as pd

    if corpus.endswith(".parquet"):
        frame = pd.read_parquet(corpus)
    elif corpus.endswith((".jsonl", ".json")):
        frame = pd.read_json(corpus, lines=True)
    else:
        frame = pd.read_csv(corpus)
    frame = frame.rename(columns={columns[0]: "id", columns[1]: "text"})
    return frame[["id", "text"]].astype({"id": str}).fillna({"text": ""}).sort_values("id")


def verdict_lines(summary: dict[str, Any]) -> list[str]:
    """What `hfparity check` prints for a NER model."""
    scores = summary["entity_scores_sparknlp_vs_hf"]
    per_type = ", ".join(f"{k} {v['f1']}" for k, v in scores.items())
    share = summary["counterfactual_reproduced_share"]
    return [
        f"words compared: {summary['words_compared']} of {summary['words']} words in "
        f"{summary['rows']} rows",
        f"word-label agreement: {summary['word_label_agreement']:.2%}",
        f"word status: {summary['word_status']}",
        f"entity F1 of Spark NLP against Hugging Face ({summary['hf_aggregation']}): {per_type}",
        f"entity status: {summary['entity_status']}",
        f"top causes (words): {dict(list(summary['word_causes'].items())[:5])}",
        f"top causes (entities): {dict(list(summary['entity_causes'].items())[:5])}",
        f"counterfactual (HF on Spark NLP's exact input) reproduces "
        f"{summary['counterfactual_reproduced']} of {summary['differing_words']} differing "
        f"words within {summary['tolerance']:g}"
        + (f" ({share:.2%})" if share is not None else ""),
    ]
