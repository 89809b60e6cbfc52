"""Throughput of the Hugging Face reference path, measured against baselines in the same run.

1. transformers.pipeline("text-classification", batch_size=32): the baseline users know.
2. ReferenceScorer in-process (the job's scoring path: records with words, pieces, offsets).
3. The Spark job's scoring (score_corpus on local[2], mapInArrow), cold and warm workers.
Prints rows/s, the ratios, and the peak RSS of each Python worker.

    .venv/bin/python benchmarks/hf_throughput.py [--rows 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from pathlib import Path

import pandas as pd

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parent.parent


def rows_per_second(rows: int, seconds: float) -> float:
    return rows / seconds if seconds > 0 else float("inf")


def time_pipeline(settings, texts: list[str], threads: int) -> float:
    import torch
    from transformers import pipeline

    torch.set_num_threads(threads)
    classifier = pipeline("text-classification", model=settings.checkpoint, device="cpu",
                          batch_size=32, truncation=True, max_length=settings.max_length)
    classifier(texts[:32])  # warm-up
    started = time.perf_counter()
    classifier(texts)
    return time.perf_counter() - started


def time_scorer(settings, ids: list[str], texts: list[str], threads: int) -> float:
    from hf_reference.scorer import ReferenceScorer

    scorer = ReferenceScorer(settings, threads=threads)
    scorer.score(ids[:32], texts[:32])  # warm-up
    started = time.perf_counter()
    records = scorer.score(ids, texts)
    assert len(records) == len(ids)
    return time.perf_counter() - started


def worker_peak_rss(spark, settings) -> dict[int, float]:
    """Peak RSS (MiB) of each Python worker that holds a scorer (workers are reused)."""
    settings_json = json.dumps(settings.to_dict(), sort_keys=True)

    def report(batches):
        from spark_pipelines.hf.scoring import worker_scorer

        worker_scorer(settings_json)
        for _ in batches:
            pass
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        yield pd.DataFrame({"pid": [os.getpid()], "peak_mib": [peak]})

    frame = spark.range(0, 8, numPartitions=spark.sparkContext.defaultParallelism)
    rows = frame.mapInPandas(report, "pid long, peak_mib double").collect()
    return {row.pid: round(row.peak_mib, 1) for row in rows}


def time_spark(spark, settings, ids: list[str], texts: list[str]) -> float:
    from spark_pipelines.hf.scoring import score_corpus

    frame = spark.createDataFrame(pd.DataFrame({"id": ids, "text": texts}))
    frame = frame.repartition(spark.sparkContext.defaultParallelism, "id").cache()
    frame.count()
    started = time.perf_counter()
    score_corpus(frame, settings).write.format("noop").mode("overwrite").save()
    seconds = time.perf_counter() - started
    frame.unpersist()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", default=str(REPO / "conf" / "default.yaml"))
    parser.add_argument("--rows", type=int, default=2000)
    args = parser.parse_args()
    from parity_core.config import load_config
    from parity_core.settings import derive_settings

    config = load_config(args.config)
    settings = derive_settings(config)
    corpus = pd.read_parquet(Path(config.checkpoint_path()).parent / "corpus" / "default.parquet")
    corpus = corpus[corpus["id"].str.startswith("rt-")].head(args.rows)
    ids, texts = corpus["id"].tolist(), corpus["text"].tolist()
    cores = len(os.sched_getaffinity(0))
    print(f"{len(ids)} rows, max_length {settings.max_length}, {cores} cores")

    pipe = time_pipeline(settings, texts, cores)
    scorer = time_scorer(settings, ids, texts, cores)

    from spark_pipelines.jvm.session import get_session

    spark = get_session("hfparity-bench-hf", master=f"local[{cores}]")
    cold = time_spark(spark, settings, ids, texts)
    warm = time_spark(spark, settings, ids, texts)
    peaks = worker_peak_rss(spark, settings)
    spark.stop()

    results = {
        "rows": len(ids),
        "pipeline_rows_per_s": rows_per_second(len(ids), pipe),
        "scorer_rows_per_s": rows_per_second(len(ids), scorer),
        "spark_cold_rows_per_s": rows_per_second(len(ids), cold),
        "spark_warm_rows_per_s": rows_per_second(len(ids), warm),
        "worker_peak_rss_mib": peaks,
    }
    results["scorer_vs_pipeline"] = results["scorer_rows_per_s"] / results["pipeline_rows_per_s"]
    scorer = results["scorer_rows_per_s"]
    results["spark_warm_vs_scorer"] = results["spark_warm_rows_per_s"] / scorer
    results["spark_cold_vs_scorer"] = results["spark_cold_rows_per_s"] / scorer
    for key, value in results.items():
        print(f"{key:24s} {value:.3f}" if isinstance(value, float) else f"{key:24s} {value}")


if __name__ == "__main__":
    main()
