"""Run the Hugging Face reference on Spark executors with mapInArrow.

The model is loaded once per Python worker (workers are reused between tasks) and scores Arrow
batches; each task uses as many torch threads as it has task CPUs (`spark.task.cpus`, or
inference.threads), so concurrent tasks on an executor do not oversubscribe its cores.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pyarrow as pa
from pyspark.sql import DataFrame
from pyspark.sql.pandas.types import from_arrow_schema

from parity_core.records import RECORD_SCHEMA, STATUS_INVALID_TEXT
from parity_core.settings import EffectiveSettings
from spark_pipelines.io.arrow_chunks import row_chunks
from spark_pipelines.io.corpus import text_error

_SCORERS: dict[str, Any] = {}


def _task_threads(settings: EffectiveSettings) -> int:
    if settings.threads:
        return settings.threads
    from pyspark import TaskContext

    context = TaskContext.get()
    return max(1, context.cpus()) if context is not None else 1


def worker_scorer(settings_json: str) -> Any:
    """The worker's scorer for these settings, loaded on first use and then reused."""
    scorer = _SCORERS.get(settings_json)
    if scorer is None:
        from hf_reference.scorer import ReferenceScorer

        settings = EffectiveSettings.from_dict(json.loads(settings_json))
        scorer = ReferenceScorer(settings, threads=_task_threads(settings))
        _SCORERS.clear()
        _SCORERS[settings_json] = scorer
    return scorer


def rerun_arrow_batches(settings_json: str,
                        rerun: Callable[[Any, list[dict[str, Any]]], list[dict[str, Any]]],
                        schema: pa.Schema
                        ) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """The mapInArrow function of a re-run (counterfactual, flips): rerun(scorer, rows) over
    each non-empty batch, with the worker's scorer loaded only once a batch has rows."""

    def score(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        scorer = None
        for batch in batches:
            if batch.num_rows == 0:
                continue
            scorer = scorer or worker_scorer(settings_json)
            yield pa.RecordBatch.from_pylist(rerun(scorer, batch.to_pylist()), schema=schema)

    return score


def score_arrow_batches(settings_json: str, invalid_reason: str | None = None
                        ) -> Any:  # Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]
    """The mapInArrow function; invalid_reason (io.corpus.text_error) replaces "text is null" as
    the reason for invalid_text rows when the corpus' text column was not a string column."""

    def score(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        scorer = worker_scorer(settings_json)
        for batch in batches:
            for chunk in row_chunks(batch):  # within a chunk rows are still length-sorted
                records = scorer.score(chunk.column("id").to_pylist(),
                                       chunk.column("text").to_pylist())
                if invalid_reason:
                    for record in records:
                        if record["status"] == STATUS_INVALID_TEXT:
                            record["error"] = invalid_reason
                yield pa.RecordBatch.from_pylist(records, schema=RECORD_SCHEMA)

    return score


def score_corpus(corpus: DataFrame, settings: EffectiveSettings, min_partitions: int | None = None
                 ) -> DataFrame:
    """Records for every (id, text) row of the corpus DataFrame, computed on the executors."""
    settings_json = json.dumps(settings.to_dict(), sort_keys=True)
    score = score_arrow_batches(settings_json, text_error(corpus))
    return executor_rows(corpus, min_partitions).mapInArrow(score,
                                                            from_arrow_schema(RECORD_SCHEMA))


def executor_rows(corpus: DataFrame, min_partitions: int | None = None) -> DataFrame:
    """The corpus' (id, text) spread over at least `min_partitions` tasks (default: the
    cluster's parallelism), hashed by id so a retried task gets the same rows: what the
    reference's executor passes (scoring, the input pass) run over."""
    target = min_partitions or corpus.sparkSession.sparkContext.defaultParallelism
    frame = corpus.select("id", "text")
    if frame.rdd.getNumPartitions() < target:
        frame = frame.repartition(target, "id")
    return frame
