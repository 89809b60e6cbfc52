"""Join throughput: our report (rows + summary) against datacompy's SparkSQLCompare, same run.

Two prediction tables of --rows rows each are synthesised from real records of the default
corpus (Hugging Face on the left, Spark NLP on the right) by replicating them under new ids; in
every copy but the first, a few right-side rows are perturbed (label flipped, probabilities
nudged, last word token dropped, row removed). All contenders start from the same parquet:

(a) datacompy.SparkSQLCompare on the same two tables, joined on id, comparing every column as
    datacompy does by default (numbers within abs_tol = compare.probability_tolerance, strings,
    and the token and score arrays by equality), constructor + report(): the baseline;
(a') the same, given only label and each class probability (p0, p1): a reference that shows
    what reading the token columns costs, since ours must read them to align them;
(r) reading both record tables whole and the corpus (a no-op sink, nothing compared): the
    floor for any comparison that looks at the tokens;
(b) compare.rows.build_rows (status, token alignment, attribution; no counterfactual re-run),
    written to parquet as the compare job does, then compare.summary.build_summary and
    report.html.render_report on the written rows.

Prints rows/s for each, our ratio against (a) (the issue's target: >= 1.0) and against (a'),
and peak memory: the driver JVM (VmHWM from /proc, reset between phases) and the Python workers
(RSS sampled from /proc, max per worker and summed). --repeat N: N measured runs of each,
alternating (who goes first rotates every run), figures from the median run and each run's
ratio listed, so the machine's noise shows.

    .venv/bin/python benchmarks/compare_throughput.py --left out/hf --right out/sparknlp
    .venv/bin/python benchmarks/compare_throughput.py --slice 500   # makes records itself
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import statistics
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from spark_pipelines.report.model import Summary

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parent.parent
CONTENDERS = ("ours", "datacompy", "datacompy_narrow", "read_only")


# --- memory ---------------------------------------------------------------------------------

def _proc_kib(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return 0


def _descendants(root: int) -> list[int]:
    """Every process below `root` (the JVM forks pyspark.daemon, which forks the workers)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


class MemoryWatch:
    """Peak RSS of the driver JVM and of its Python workers while a phase runs."""

    def __init__(self, jvm_pid: int, interval: float = 0.2) -> None:
        self.jvm_pid, self.interval = jvm_pid, interval
        self.jvm_peak_kib = self.worker_peak_kib = self.workers_sum_peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.hwm_reset = False

    def __enter__(self) -> MemoryWatch:
        try:  # "5" resets VmHWM (the kernel's peak RSS) so the phase's own peak is read after
            Path(f"/proc/{self.jvm_pid}/clear_refs").write_text("5")
            self.hwm_reset = True
        except OSError:
            self.hwm_reset = False
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            self.jvm_peak_kib = max(self.jvm_peak_kib, _proc_kib(self.jvm_pid, "VmRSS"))
            workers = [_proc_kib(p, "VmRSS") for p in _descendants(self.jvm_pid)]
            if workers:
                self.worker_peak_kib = max(self.worker_peak_kib, max(workers))
                self.workers_sum_peak_kib = max(self.workers_sum_peak_kib, sum(workers))
            self._stop.wait(self.interval)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        if self.hwm_reset:
            self.jvm_peak_kib = max(self.jvm_peak_kib, _proc_kib(self.jvm_pid, "VmHWM"))

    def figures(self) -> dict[str, float]:
        return {"driver_jvm_peak_mib": round(self.jvm_peak_kib / 1024, 1),
                "python_worker_peak_mib": round(self.worker_peak_kib / 1024, 1),
                "python_workers_sum_peak_mib": round(self.workers_sum_peak_kib / 1024, 1),
                "jvm_peak_is": "VmHWM" if self.hwm_reset else "sampled VmRSS"}


# --- inputs ---------------------------------------------------------------------------------

def make_records(spark, config, settings, corpus_path: str, work: Path, slice_rows: int
                 ) -> tuple[str, str, str]:
    """Score the first `slice_rows` corpus rows with both producers (when no records are given)."""
    from spark_pipelines.hf.job import run_hf_reference
    from spark_pipelines.io.corpus import read_corpus
    from spark_pipelines.sparknlp.job import run_sparknlp

    sliced = str(work / "corpus_slice.parquet")
    corpus = read_corpus(spark, corpus_path, config.corpus.id_column, config.corpus.text_column)
    corpus.orderBy("id").limit(slice_rows).write.mode("overwrite").parquet(sliced)
    left, right = str(work / "records_hf"), str(work / "records_sparknlp")
    print(f"[bench] scoring {slice_rows} corpus rows with both producers", flush=True)
    run_hf_reference(spark, config, settings, sliced, left, overwrite=True)
    run_sparknlp(spark, config, settings, sliced, right, overwrite=True)
    return left, right, sliced


def synthesise(spark, left_dir: str, right_dir: str, corpus_path: str, config, settings,
               rows: int, out: Path) -> dict[str, Any]:
    """Replicate the records to `rows` ids per side (+ the matching corpus), write parquet."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    from spark_pipelines.io.corpus import read_corpus
    from spark_pipelines.io.records import read_records

    left, left_fp = read_records(spark, left_dir)
    right, right_fp = read_records(spark, right_dir)
    corpus = read_corpus(spark, corpus_path, config.corpus.id_column, config.corpus.text_column)
    base = left.select("id").join(right.select("id"), "id").join(corpus.select("id"), "id")
    base = base.withColumn("_i", F.row_number().over(Window.orderBy("id")) - 1).cache()
    n = base.count()
    copies = math.ceil(rows / n)
    keys = (base.crossJoin(spark.range(copies).withColumnRenamed("id", "_k"))
            .where(F.col("_k") * n + F.col("_i") < rows)
            .select("id", "_k", F.concat_ws("~", "id", F.col("_k").cast("string")).alias("_new")))

    def replicate(frame):
        return frame.join(keys, "id").withColumn("id", F.col("_new"))

    bucket = F.abs(F.xxhash64("id")) % 1000
    extra = F.col("_k") > 0  # the first copy stays the real records
    flip = extra & (bucket < 5)
    nudge = extra & (bucket >= 5) & (bucket < 10)
    drop_word = extra & (bucket >= 10) & (bucket < 12)
    missing = extra & (bucket == 12)
    labels = list(settings.labels)
    if len(labels) != 2:  # a flip is defined here for two classes only
        flip = F.lit(False)
    other = F.when(F.col("label") == labels[0], F.lit(labels[-1])).otherwise(F.lit(labels[0]))
    perturbed = (replicate(right)
                 .where(~missing)
                 .withColumn("label", F.when(flip, other).otherwise(F.col("label")))
                 .withColumn("label_id", F.when(flip & F.col("label_id").isNotNull(),
                                                1 - F.col("label_id"))
                             .otherwise(F.col("label_id")))
                 .withColumn("probabilities", F.when(flip, F.reverse("probabilities"))
                             .when(nudge, F.transform("probabilities",
                                                      lambda p, i: F.when(i == 0, p + 0.004)
                                                      .otherwise(p - 0.004)))
                             .otherwise(F.col("probabilities")))
                 .withColumn("words", F.when(drop_word & (F.size("words") > 1),
                                             F.slice("words", 1, F.size("words") - 1))
                             .otherwise(F.col("words"))))
    paths = {name: str(out / name) for name in ("left", "right", "corpus")}
    cols = left.columns
    replicate(left).select(*cols).write.mode("overwrite").parquet(paths["left"])
    perturbed.select(*cols).write.mode("overwrite").parquet(paths["right"])
    replicate(corpus.select("id", "text")).select("id", "text").write.mode("overwrite").parquet(
        paths["corpus"])
    base.unpersist()
    return {"paths": paths, "base_rows": n, "copies": copies, "left_fp": left_fp,
            "right_fp": right_fp}


# --- the contenders -------------------------------------------------------------------------

def run_datacompy(spark, paths: dict[str, str], tolerance: float, classes: int,
                  narrow: bool = False) -> int:
    """datacompy on the two record tables as written, or (narrow) on label + probabilities."""
    from datacompy import SparkSQLCompare
    from pyspark.sql import functions as F

    def table(path: str):
        frame = spark.read.parquet(path)
        if not narrow:
            return frame
        return frame.select("id", "label", *[F.col("probabilities")[i].alias(f"p{i}")
                                             for i in range(classes)])

    compare = SparkSQLCompare(spark, table(paths["left"]), table(paths["right"]),
                              join_columns="id", abs_tol=tolerance, df1_name="left",
                              df2_name="right")
    report = compare.report()
    matching = compare.count_matching_rows()
    columns = len(compare.intersect_columns())
    print(f"[bench] datacompy{' (narrow)' if narrow else ''}: {columns} columns compared, "
          f"{matching:,} rows with all of them equal, report {len(report):,} chars", flush=True)
    return matching


def run_read_only(spark, paths: dict[str, str]) -> None:
    """Decode every column of both record tables and the corpus, and drop the rows."""
    for name in ("left", "right", "corpus"):
        spark.read.parquet(paths[name]).write.format("noop").mode("overwrite").save()


def run_ours(spark, paths: dict[str, str], out: Path, fps: tuple[dict, dict], config,
             settings) -> Summary:
    from spark_pipelines.compare.rows import build_rows
    from spark_pipelines.compare.summary import build_summary
    from spark_pipelines.report.html import render_report

    rows_dir = str(out / "report_rows")
    started = time.perf_counter()
    rows = build_rows(spark.read.parquet(paths["corpus"]), spark.read.parquet(paths["left"]),
                      spark.read.parquet(paths["right"]), config.compare.probability_tolerance)
    rows.write.mode("overwrite").parquet(rows_dir)  # as compare_job.run_compare does
    written = time.perf_counter()
    summary = build_summary(spark.read.parquet(rows_dir), fps[0], fps[1], config, settings,
                            cache=False)
    page = render_report(summary)
    print(f"[bench] ours: rows written in {written - started:.1f} s, summary + page in "
          f"{time.perf_counter() - written:.1f} s", flush=True)
    (out / "summary.json").write_text(summary.to_json(), encoding="utf-8")
    (out / "index.html").write_text(page, encoding="utf-8")
    print(f"[bench] ours: statuses {dict(summary.status_counts)}, agreement "
          f"{summary.label_agreement.rate}", flush=True)
    return summary


def record(results: dict[str, Any], name: str, rows: int, seconds: float,
           memory: dict[str, Any], ran_first: bool) -> None:
    """Add one measured attempt; seconds and rows/s are the median attempt. Memory comes from
    an attempt where this contender ran first when there is one: the JVM keeps the heap the
    other one grew, so a second runner's RSS peak is partly the first runner's."""
    entry = results.setdefault(name, {"attempts_s": []})
    entry["attempts_s"].append(round(seconds, 1))
    median = statistics.median(entry["attempts_s"])
    entry.update({"seconds": median, "rows_per_s": round(rows / median)})
    source = "a run it went first" if ran_first else "a run it went second"
    if entry.get("memory_from") == "a run it went first" and not ran_first:
        return  # keep the figure the other contender's heap did not inflate
    if entry.get("memory_from") == source:  # the peak over comparable runs
        memory = {k: max(v, entry[k]) if isinstance(v, float) else v for k, v in memory.items()}
    entry.update(memory, memory_from=source)


def timed(name: str, jvm_pid: int, fn: Callable[[], Any]) -> tuple[float, dict[str, Any], Any]:
    with MemoryWatch(jvm_pid) as watch:
        started = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - started
    print(f"[bench] {name}: {seconds:.1f} s", flush=True)
    return seconds, watch.figures(), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default=str(REPO / "conf" / "default.yaml"))
    parser.add_argument("--left", help="Hugging Face records folder (default: made here)")
    parser.add_argument("--right", help="Spark NLP records folder (default: made here)")
    parser.add_argument("--corpus", help="corpus the records were made from (default corpus)")
    parser.add_argument("--slice", type=int, default=500,
                        help="corpus rows to score when no records are given")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--warmup-rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=1,
                        help="measured runs per contender, alternating; figures use the median")
    parser.add_argument("--work", default="/tmp/hfparity-bench-compare")
    parser.add_argument("--skip", choices=CONTENDERS, action="append", default=[])
    args = parser.parse_args(argv)

    from parity_core.config import load_config
    from parity_core.settings import derive_settings
    from spark_pipelines.jvm.session import get_session

    config = load_config(args.config)
    settings = derive_settings(config)
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    spark = get_session("hfparity-bench-compare", master="local[2]")
    spark.sparkContext.setLogLevel("ERROR")
    jvm_pid = int(spark.sparkContext._jvm.java.lang.ProcessHandle.current().pid())
    corpus = args.corpus or str(Path(config.checkpoint_path()).parent / "corpus" /
                                "default.parquet")
    try:
        if args.left and args.right:
            left, right = args.left, args.right
        else:
            left, right, corpus = make_records(spark, config, settings, corpus, work, args.slice)
            # A fresh context: the scoring workers (torch, ONNX) must not count in the figures.
            spark.stop()
            spark = get_session("hfparity-bench-compare", master="local[2]")
            spark.sparkContext.setLogLevel("ERROR")
        tolerance = config.compare.probability_tolerance
        classes = len(settings.labels)
        results: dict[str, Any] = {"rows": args.rows, "master": "local[2]"}
        for phase, rows in (("warm-up", args.warmup_rows), ("measured", args.rows)):
            out = work / phase
            shutil.rmtree(out, ignore_errors=True)
            out.mkdir(parents=True)
            made = synthesise(spark, left, right, corpus, config, settings, rows, out)
            print(f"[bench] {phase}: {rows:,} rows per side from {made['base_rows']:,} real "
                  f"records x {made['copies']} copies", flush=True)
            fps = (made["left_fp"], made["right_fp"])
            runs = {
                "datacompy": lambda m=made: run_datacompy(spark, m["paths"], tolerance, classes),
                "datacompy_narrow": lambda m=made: run_datacompy(spark, m["paths"], tolerance,
                                                                 classes, narrow=True),
                "read_only": lambda m=made: run_read_only(spark, m["paths"]),
                "ours": lambda m=made, o=out, f=fps: run_ours(spark, m["paths"], o, f, config,
                                                              settings),
            }
            repeats = args.repeat if phase == "measured" else 1
            for attempt in range(repeats):
                # Alternating, and rotating who goes first each time: all see the same
                # machine, and none always runs on another's leftover heap.
                shift = attempt % len(CONTENDERS)
                order = [*CONTENDERS[shift:], *CONTENDERS[:shift]]
                chosen = [n for n in order if n not in args.skip]
                for name in chosen:
                    secs, mem, _ = timed(f"{phase} {name}", jvm_pid, runs[name])
                    spark.catalog.clearCache()
                    if phase == "measured":
                        record(results, name, rows, secs, mem, ran_first=name == chosen[0])
        for baseline in ("datacompy", "datacompy_narrow", "read_only"):
            if baseline in results and "ours" in results:
                results[f"ratio_ours_over_{baseline}"] = round(
                    results["ours"]["rows_per_s"] / results[baseline]["rows_per_s"], 2)
                results[f"ratio_per_attempt_{baseline}"] = [
                    round(d / o, 2) for o, d in zip(results["ours"]["attempts_s"],
                                                     results[baseline]["attempts_s"])]
        results["python_driver_peak_mib"] = round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        print(json.dumps(results, indent=2))
        (work / "results.json").write_text(json.dumps(results, indent=2))
    finally:
        spark.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
