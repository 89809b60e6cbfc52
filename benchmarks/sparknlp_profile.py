"""Where the Spark NLP job's time goes: its stages added one at a time, in one session.

Same cached rows, local[2], one JVM (ONNX threads as the job sets them, or --onnx-threads);
each variant runs to the noop sink except the last, --repeat times, alternating, so the machine's
load hits every variant alike:

  bare      DocumentAssembler -> Tokenizer -> classifier (the job's fitted pipeline)
  pieces    + the Java pieces UDF (hfparity.SparkNlpWordpieces)
  records   + the record conversion (annotate(): every record column, noop sink)
  written   + write_records to parquet (what the job does, fingerprint included)

Besides wall seconds, each variant's CPU seconds (this process, the JVM and the Python workers:
the process tree) give rows per CPU second, which a partition finishing early or a neighbour's
load moves far less than wall time: the overhead of our additions shows there first.

Also times the fixed steps the job pays once: session start, build_pipeline (model load, vocab
file), the fingerprint, and the read-back counts.

    .venv/bin/python benchmarks/sparknlp_profile.py [--rows 1000] [--repeat 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
TICKS = os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(root: int) -> float:
    """User + system CPU seconds of root and every live descendant (from /proc)."""
    from scale import process_tree  # benchmarks/ is this script's folder

    total = 0.0
    for pid in process_tree(root):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / TICKS
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default=str(REPO / "conf" / "default.yaml"))
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--onnx-threads", help="spark.jsl.settings.onnx.intraOpNumThreads")
    args = parser.parse_args(argv)

    import pandas as pd
    from pyspark.sql import functions as F

    from parity_core.config import load_config
    from parity_core.settings import derive_settings
    from spark_pipelines.io.corpus import corpus_digest
    from spark_pipelines.io.records import read_records, write_records
    from spark_pipelines.jvm.session import get_session
    from spark_pipelines.sparknlp.pipeline import (
        ONNX_THREADS_KEY,
        annotate,
        build_pipeline,
        sparknlp_fingerprint,
    )

    config = load_config(args.config)
    settings = derive_settings(config)
    source = Path(config.checkpoint_path()).parent / "corpus" / "default.parquet"
    texts = pd.read_parquet(source, columns=["text"])["text"].tolist()
    frame = pd.DataFrame({"id": [f"p-{i:07d}" for i in range(args.rows)],
                          "text": [texts[i % len(texts)] for i in range(args.rows)]})
    fixed: dict[str, float] = {}
    started = time.perf_counter()
    conf = {ONNX_THREADS_KEY: args.onnx_threads} if args.onnx_threads else None
    spark = get_session("hfparity-sparknlp-profile", conf=conf)
    fixed["session start"] = time.perf_counter() - started
    started = time.perf_counter()
    run = build_pipeline(spark, config, settings)
    fixed["build_pipeline (model load, vocab)"] = time.perf_counter() - started
    corpus = spark.createDataFrame(frame).repartition(2, "id").cache()
    corpus.count()

    def noop(df) -> None:
        df.write.format("noop").mode("overwrite").save()

    def bare() -> None:
        noop(run.pipeline.transform(corpus.select("id", "text")).select("id", "class"))

    def pieces() -> None:
        out = run.pipeline.transform(corpus.select("id", "text"))
        noop(out.select("id", "class", F.call_function(
            "hfparity_sparknlp_pieces", F.concat("document", "token"), F.lit(False),
            F.lit(run.max_sentence_length), F.lit(run.vocab_name),
            F.lit(run.family.sparknlp_classification)).alias("pieces")))

    def records() -> None:
        noop(annotate(corpus, run, settings))

    work = Path(tempfile.mkdtemp(prefix="hfparity-profile-"))

    def written() -> None:
        fingerprint = sparknlp_fingerprint(spark, run, settings, None, config)
        write_records(annotate(corpus, run, settings), str(work / "out"), fingerprint, True)

    variants = {"bare": bare, "pieces": pieces, "records": records, "written": written}
    bare()  # warm-up: ONNX session, JIT
    times: dict[str, list[float]] = {name: [] for name in variants}
    cpu: dict[str, list[float]] = {name: [] for name in variants}
    for round_ in range(args.repeat):
        names = list(variants)
        names = names[round_ % len(names):] + names[:round_ % len(names)]
        for name in names:
            started, cpu_started = time.perf_counter(), tree_cpu_seconds(os.getpid())
            variants[name]()
            times[name].append(time.perf_counter() - started)
            cpu[name].append(tree_cpu_seconds(os.getpid()) - cpu_started)
    started = time.perf_counter()
    sparknlp_fingerprint(spark, run, settings, None, config)
    corpus_digest(corpus)
    fixed["fingerprint + corpus digest"] = time.perf_counter() - started
    started = time.perf_counter()
    written_df, _ = read_records(spark, str(work / "out"))
    written_df.groupBy("status").count().collect()
    fixed["read-back counts"] = time.perf_counter() - started

    print(f"{args.rows} rows, ONNX threads {spark.conf.get(ONNX_THREADS_KEY)}, "
          f"repeat {args.repeat}")
    base = statistics.median(times["bare"])
    base_cpu = statistics.median(cpu["bare"])
    for name, values in times.items():
        median, median_cpu = statistics.median(values), statistics.median(cpu[name])
        print(f"{name:8s} {median:7.2f} s  {args.rows / median:7.1f} rows/s  "
              f"x{base / median:.2f} of bare   runs {[round(v, 1) for v in values]}   "
              f"CPU {median_cpu:6.1f} s  {args.rows / median_cpu:6.1f} rows/CPU s  "
              f"x{base_cpu / median_cpu:.2f} of bare")
    for name, seconds in fixed.items():
        print(f"fixed: {name:36s} {seconds:6.2f} s")
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
