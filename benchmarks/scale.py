"""Scale benchmark: N rows per side through both producers and the join, against bare inference.

Issue 20. The corpus is the default corpus' texts repeated under new ids (`scale-0000001`...).
Every stage is its own process, as a parity check runs them (spark-submit, local[2]):

  bare Spark NLP   DocumentAssembler -> Tokenizer -> the saved classifier, batch 32, ONNX 1
                   thread per task, 2 tasks, rows cached, noop sink (timed after a warm-up)
  Spark NLP job    jobs/sparknlp_pipeline.py (records + pieces + fingerprint, parquet)
  in-process HF    hf_reference.scorer.ReferenceScorer without Spark, in Arrow-sized chunks, in
                   two layouts: 1 process x cores threads, and cores processes x 1 thread (the
                   job's layout); models loaded and warmed up before the clock starts
  HF job           jobs/hf_reference.py
  join             jobs/compare.py --counterfactual off (rows + summary + html), against a
                   plain Spark full outer join on id of the same two records folders, written
                   as parquet (timed after a warm-up job)

The jobs run with the spark-submit flags the checkout's `hfparity check` passes (its master,
jars and Python), so before/after figures compare the runs users get.

The baselines run at the start and again at the end; each ratio is taken against the fastest
figure of its baseline. Each job runs at --small rows and at each --rows N; "steady" rows/s is
the marginal rate between N and the next smaller run M, (N - M) / (wall(N) - wall(M)), so JVM
start and model loads cancel out, and "fixed" is what a run pays before its first row
(wall(small) - small / steady). Baselines run on
min(N, --baseline-rows) rows. Peak memory per process comes from sampling /proc of the stage's
process tree every 0.25 s: the JVM (driver = executor in local mode), the Python driver, and the
Python workers (the largest one, and the largest sum of concurrent ones).

--code DIR runs the jobs of another checkout (e.g. `git archive main` unpacked) with its own
modules on PYTHONPATH, for before/after figures on the same machine load.

    .venv/bin/python benchmarks/scale.py --rows 10000 --rows 100000
    .venv/bin/python benchmarks/scale.py --rows 10000 --code /tmp/main-src --stages snlp,hf
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
STAGES = ("bare", "snlp", "inproc", "hf", "join")


# --- memory ---------------------------------------------------------------------------------

def _status_kib(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def process_tree(root: int) -> list[int]:
    """root and every live descendant, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry.name))
    out, todo = [root], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _kind(pid: int) -> str | None:
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return None
    if "java" in cmd.split(" ", 1)[0]:
        return "jvm"
    if "pyspark.daemon" in cmd or "pyspark.worker" in cmd:
        return "worker"
    if "python" in cmd.split(" ", 1)[0]:
        return "driver"
    return None


class MemoryWatch:
    """Peak RSS (MiB) per process kind in a process tree, sampled from /proc."""

    def __init__(self, root: int, interval: float = 0.25) -> None:
        self.root, self.interval = root, interval
        self.peak = {"jvm": 0.0, "driver": 0.0, "worker_max": 0.0, "workers_sum": 0.0}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            workers = 0.0
            for pid in process_tree(self.root):
                kind = _kind(pid)
                rss = _status_kib(pid, "VmRSS") / 1024
                if kind == "worker":
                    workers += rss
                    self.peak["worker_max"] = max(self.peak["worker_max"], rss)
                elif kind in ("jvm", "driver"):
                    hwm = _status_kib(pid, "VmHWM") / 1024
                    self.peak[kind] = max(self.peak[kind], rss, hwm)
            self.peak["workers_sum"] = max(self.peak["workers_sum"], workers)
            self._stop.wait(self.interval)

    def stop(self) -> dict[str, float]:
        self._stop.set()
        self._thread.join()
        return {key: round(value) for key, value in self.peak.items()}


# --- processes ------------------------------------------------------------------------------

def _env(code: Path) -> dict[str, str]:
    venv_bin = str(Path(sys.executable).parent)
    return {**os.environ, "PYTHONPATH": str(code), "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1", "PATH": f"{venv_bin}:{os.environ.get('PATH', '')}"}


def run_stage(command: list[str], code: Path, ok: tuple[int, ...] = (0,)) -> dict:
    """Run one stage; wall seconds, stdout and the peak memory of its process tree."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=_env(code), cwd=str(code))
    watch = MemoryWatch(process.pid)
    stdout, stderr = process.communicate()
    wall = time.perf_counter() - started
    memory = watch.stop()
    if process.returncode not in ok:
        raise RuntimeError(f"{' '.join(command)} -> {process.returncode}\n{stdout[-3000:]}"
                           f"\n{stderr[-5000:]}")
    return {"wall": wall, "stdout": stdout, "memory": memory}


def check_submit_flags(code: Path) -> list[str]:
    """The spark-submit flags (master, jars, Python) that `hfparity check` of `code` passes, so
    each checkout's jobs run as its users run them; the venv's spark-defaults when it has none."""
    script = ("import json; from jobs.hfparity_steps.model_check import _submit_flags; "
              "print(json.dumps(_submit_flags()))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=_env(code), cwd=str(code))
    if done.returncode != 0:
        return ["--master", "local[2]"]
    return json.loads(done.stdout.strip().splitlines()[-1])


def spark_submit(script: Path, args: list[str], conf: dict[str, str] | None = None,
                 flags: list[str] | None = None) -> list[str]:
    command = [str(Path(sys.executable).parent / "spark-submit"),
               *(flags or ["--master", "local[2]"])]
    for key, value in (conf or {}).items():
        command += ["--conf", f"{key}={value}"]
    return [*command, str(script), *args]


def make_corpus(source: Path, rows: int, out: Path) -> Path:
    """rows rows: the source texts in order, repeated, under new ids."""
    import pandas as pd

    texts = pd.read_parquet(source, columns=["text"])["text"].tolist()
    frame = pd.DataFrame({"id": [f"scale-{i:07d}" for i in range(rows)],
                          "text": [texts[i % len(texts)] for i in range(rows)]})
    frame.to_parquet(out, index=False)
    return out


def _measured(stdout: str, key: str) -> float:
    match = re.search(rf"^{key} ([\d.]+)$", stdout, re.MULTILINE)
    if not match:
        raise RuntimeError(f"no '{key}' line in:\n{stdout[-2000:]}")
    return float(match.group(1))


# --- baselines (run as child processes of this script) --------------------------------------

def bare_sparknlp(config_path: str, corpus: str) -> None:
    """Print the rows/s of the bare Spark NLP pipeline (cached rows, noop sink, after warm-up)."""
    sys.path.insert(0, str(REPO))
    from pyspark.ml import Pipeline
    from sparknlp.annotator import BertForSequenceClassification, Tokenizer
    from sparknlp.base import DocumentAssembler

    from parity_core.config import load_config
    from spark_pipelines.jvm.session import get_session

    config = load_config(config_path)
    spark = get_session("hfparity-bench-bare-sparknlp")
    frame = spark.read.parquet(corpus).select("text").repartition(2).cache()
    rows = frame.count()
    classifier = (BertForSequenceClassification.load(config.sparknlp_model_path())
                  .setInputCols(["document", "token"]).setOutputCol("class")
                  .setCaseSensitive(False).setMaxSentenceLength(128).setBatchSize(32))
    pipeline = Pipeline(stages=[
        DocumentAssembler().setInputCol("text").setOutputCol("document"),
        Tokenizer().setInputCols(["document"]).setOutputCol("token"), classifier,
    ]).fit(frame.limit(1))
    pipeline.transform(frame.limit(64)).write.format("noop").mode("overwrite").save()
    started = time.perf_counter()
    pipeline.transform(frame).write.format("noop").mode("overwrite").save()
    print(f"rows_per_s {rows / (time.perf_counter() - started):.3f}", flush=True)


def _score_share(config_path: str, corpus: str, share: int, shares: int, threads: int,
                 ready: Any, results: Any) -> None:
    """One scoring process of the in-process baseline: load, warm up, wait for the others, then
    score every shares-th row from `share` in Arrow-sized chunks; put the seconds it took."""
    sys.path.insert(0, str(REPO))
    import pandas as pd

    from hf_reference.scorer import ReferenceScorer
    from parity_core.config import load_config
    from parity_core.settings import derive_settings

    settings = derive_settings(load_config(config_path))
    frame = pd.read_parquet(corpus).iloc[share::shares]
    ids, texts = frame["id"].tolist(), frame["text"].tolist()
    scorer = ReferenceScorer(settings, threads=threads)
    scorer.score(ids[:64], texts[:64])
    ready.wait()
    started = time.perf_counter()
    for start in range(0, len(ids), 10_000):  # Arrow's default batch: what a task scores at once
        scorer.score(ids[start:start + 10_000], texts[start:start + 10_000])
    results.put(time.perf_counter() - started)


def inprocess_hf(config_path: str, corpus: str, processes: int) -> None:
    """Print the rows/s of ReferenceScorer without Spark, cores split between `processes`
    processes (1 process x all cores' threads, or 1 process per core x 1 thread: the job's own
    layout); the clock starts when every process has loaded its model and warmed up."""
    import multiprocessing

    import pandas as pd

    cores = len(os.sched_getaffinity(0))
    rows = len(pd.read_parquet(corpus, columns=["id"]))
    context = multiprocessing.get_context("spawn")
    ready, results = context.Barrier(processes), context.Queue()
    workers = [context.Process(target=_score_share, args=(
        config_path, corpus, share, processes, max(1, cores // processes), ready, results))
        for share in range(processes)]
    for worker in workers:
        worker.start()
    seconds = max(results.get() for _ in workers)
    for worker in workers:
        worker.join()
    print(f"rows_per_s {rows / seconds:.3f}", flush=True)


def plain_join(left: str, right: str, out: str) -> None:
    """Print the rows/s of a plain Spark full outer join of two records folders on id, written
    as parquet: what joining the same records costs without explaining them."""
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    spark = SparkSession.builder.getOrCreate()
    spark.range(1).count()  # the JVM's first job, so the timed one starts warm
    started = time.perf_counter()
    a = spark.read.parquet(left)
    b = spark.read.parquet(right)
    joined = a.select([a[c].alias(f"left_{c}") for c in a.columns]).join(
        b.select([b[c].alias(f"right_{c}") for c in b.columns]),
        F.col("left_id") == F.col("right_id"), "full_outer")
    joined.write.mode("overwrite").parquet(out)
    rows = spark.read.parquet(out).count()
    print(f"rows_per_s {rows / (time.perf_counter() - started):.3f}", flush=True)


# --- the benchmark --------------------------------------------------------------------------

def job_args(config: str, corpus: Path, out: Path) -> list[str]:
    return ["--config", config, "--input", str(corpus), "--output", str(out), "--overwrite"]


def run_jobs(code: Path, config: str, corpus: Path, work: Path, tag: str, stages: set[str]
             ) -> dict[str, dict]:
    """Both producers, then the join; each stage's figures are printed as soon as it ends."""
    commands: dict[str, tuple[list[str], tuple[int, ...]]] = {}
    flags = check_submit_flags(code)
    if "snlp" in stages:
        commands["snlp"] = (spark_submit(code / "jobs" / "sparknlp_pipeline.py",
                                         job_args(config, corpus, work / f"snlp-{tag}"),
                                         flags=flags), (0,))
    if "hf" in stages:
        commands["hf"] = (spark_submit(code / "jobs" / "hf_reference.py",
                                       job_args(config, corpus, work / f"hf-{tag}"),
                                       flags=flags), (0,))
    if "join" in stages and {"snlp", "hf"} <= stages:
        commands["join"] = (spark_submit(code / "jobs" / "compare.py", flags=flags, args=[
            "--config", config, "--left", str(work / f"hf-{tag}"),
            "--right", str(work / f"snlp-{tag}"), "--corpus", str(corpus),
            "--output", str(work / f"report-{tag}"), "--overwrite",
            "--counterfactual", "off"]), (0, 1))  # 1: parity outside thresholds, still a run
    results: dict[str, dict] = {}
    for stage, (command, ok) in commands.items():
        results[stage] = run_stage(command, code, ok)
        print(f"  {stage} ({tag}): {results[stage]['wall']:.1f} s wall, peak MiB "
              f"{results[stage]['memory']}; load {os.getloadavg()[0]:.1f}", flush=True)
    if "join" in results:
        me = Path(__file__).resolve()
        plain = run_stage(spark_submit(me, ["--plain-join", str(work / f"hf-{tag}"),
                                            str(work / f"snlp-{tag}"),
                                            str(work / f"plain-join-{tag}")]), REPO)
        results["join"]["plain_join_rows_per_s"] = _measured(plain["stdout"], "rows_per_s")
        print(f"  plain Spark join + write ({tag}): "
              f"{results['join']['plain_join_rows_per_s']:.1f} rows/s", flush=True)
    return results


def run_baselines(config: str, corpus: Path, rows: int, stages: set[str], figures: dict,
                  when: str) -> None:
    """Bare Spark NLP and the in-process HF scorer on the baseline rows; run at the start and
    at the end of the benchmark, so a change in the machine's load shows as two figures."""
    me = [str(Path(__file__).resolve()), "--config", config]
    if "bare" in stages:
        bare = spark_submit(Path(me[0]), [*me[1:], "--bare-sparknlp", str(corpus)],
                            {"spark.jsl.settings.onnx.intraOpNumThreads": "1"})
        figures[f"bare_sparknlp_{when}"] = _measured(run_stage(bare, REPO)["stdout"],
                                                     "rows_per_s")
        print(f"bare Spark NLP ({rows} rows, {when}): "
              f"{figures[f'bare_sparknlp_{when}']:.1f} rows/s", flush=True)
    if "inproc" in stages:
        cores = len(os.sched_getaffinity(0))
        for processes in (1, cores):
            key = f"inprocess_hf_{processes}x{cores // processes}_{when}"
            done = run_stage([sys.executable, *me, "--inprocess-hf", str(corpus),
                              str(processes)], REPO)
            figures[key] = _measured(done["stdout"], "rows_per_s")
            print(f"in-process HF, {processes} process(es) x {cores // processes} thread(s) "
                  f"({rows} rows, {when}): {figures[key]:.1f} rows/s", flush=True)


def summarize_baselines(figures: dict) -> None:
    """The floor each ratio is taken against: the fastest baseline figure of the run (the
    demanding choice: a quiet minute of the baseline is what our job must approach)."""
    for name, prefix in (("bare_sparknlp", "bare_sparknlp_"), ("inprocess_hf", "inprocess_hf_")):
        values = [v for k, v in figures.items() if k.startswith(prefix)]
        if values:
            figures[name] = max(values)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default=str(REPO / "conf" / "default.yaml"))
    parser.add_argument("--rows", type=int, action="append",
                        help="rows per side (repeatable; default 100000)")
    parser.add_argument("--small", type=int, default=1000,
                        help="the small run that gives fixed cost and the marginal rate")
    parser.add_argument("--baseline-rows", type=int, default=5000)
    parser.add_argument("--code", default=str(REPO), help="checkout whose jobs/ are run")
    parser.add_argument("--stages", default=",".join(STAGES))
    parser.add_argument("--work", help="keep outputs here (default: a temp folder)")
    parser.add_argument("--json", help="also write the figures here")
    parser.add_argument("--bare-sparknlp", metavar="CORPUS", help=argparse.SUPPRESS)
    parser.add_argument("--inprocess-hf", nargs=2, metavar=("CORPUS", "PROCESSES"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--plain-join", nargs=3, metavar=("LEFT", "RIGHT", "OUT"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.plain_join:
        plain_join(*args.plain_join)
        return 0
    if args.bare_sparknlp:
        bare_sparknlp(args.config, args.bare_sparknlp)
        return 0
    if args.inprocess_hf:
        inprocess_hf(args.config, args.inprocess_hf[0], int(args.inprocess_hf[1]))
        return 0

    sys.path.insert(0, str(REPO))
    from parity_core.config import load_config

    code = Path(args.code).resolve()
    stages = set(args.stages.split(","))
    sizes = sorted(args.rows or [100_000])
    config = load_config(args.config)
    source = Path(config.checkpoint_path()).parent / "corpus" / "default.parquet"
    load = os.getloadavg()
    print(f"code {code}; sizes {sizes}; small {args.small}; load {load[0]:.2f} {load[1]:.2f} "
          f"{load[2]:.2f}; cores {len(os.sched_getaffinity(0))}", flush=True)
    with tempfile.TemporaryDirectory(prefix="hfparity-scale-") as scratch:
        work = Path(args.work or scratch)
        work.mkdir(parents=True, exist_ok=True)
        figures: dict = {"code": str(code), "load_start": load, "sizes": {}}
        base_rows = min(args.baseline_rows, max(sizes))
        base_corpus = make_corpus(source, base_rows, work / "baseline.parquet")
        run_baselines(args.config, base_corpus, base_rows, stages, figures, "start")
        small_corpus = make_corpus(source, args.small, work / "small.parquet")
        small = run_jobs(code, args.config, small_corpus, work, "small", stages)
        for stage, result in small.items():
            print(f"{stage} at {args.small} rows: {result['wall']:.1f} s wall", flush=True)
        previous_rows, previous = args.small, small
        for rows in sizes:
            corpus = make_corpus(source, rows, work / f"corpus-{rows}.parquet")
            big = run_jobs(code, args.config, corpus, work, str(rows), stages)
            per_size = {}
            for stage, result in big.items():
                extra = result["wall"] - previous[stage]["wall"]
                # The machine's load changed between the two runs when N rows took no longer.
                steady = (rows - previous_rows) / extra if extra > 0 else float("nan")
                per_size[stage] = {
                    "wall": round(result["wall"], 1), "rows_per_s_wall": rows / result["wall"],
                    "steady_rows_per_s": steady, "steady_from_rows": previous_rows,
                    "fixed_s": small[stage]["wall"] - args.small / steady,
                    "memory_mib": result["memory"],
                }
                if "plain_join_rows_per_s" in result:
                    per_size[stage]["plain_join_rows_per_s"] = result["plain_join_rows_per_s"]
            previous_rows, previous = rows, big
            figures["sizes"][rows] = per_size
        run_baselines(args.config, base_corpus, base_rows, stages, figures, "end")
        summarize_baselines(figures)
        for rows in sizes:
            print_table(rows, args.small, small, figures["sizes"][rows], figures)
        figures["load_end"] = os.getloadavg()
        print(f"load at end {figures['load_end'][0]:.2f} {figures['load_end'][1]:.2f} "
              f"{figures['load_end'][2]:.2f}")
        if args.json:
            Path(args.json).write_text(json.dumps(figures, indent=2, default=str))
    return 0


def print_table(rows: int, small_rows: int, small: dict, per_size: dict, figures: dict) -> None:
    names = {"snlp": "Spark NLP job", "hf": "HF job", "join": "join (compare)"}
    steady_from = next(iter(per_size.values()))["steady_from_rows"]
    print(f"\n== {rows} rows per side (steady: marginal rate from {steady_from} rows) ==")
    print(f"{'stage':16s} {'wall s':>8s} {'rows/s':>8s} {'steady':>8s} {f'{small_rows}-row s':>10s}"
          f" {'fixed s':>8s}  peak MiB (jvm / py driver / worker max / workers sum)")
    for stage, f in per_size.items():
        m = f["memory_mib"]
        print(f"{names[stage]:16s} {f['wall']:8.1f} {f['rows_per_s_wall']:8.1f} "
              f"{f['steady_rows_per_s']:8.1f} {small[stage]['wall']:10.1f} {f['fixed_s']:8.1f}  "
              f"{m['jvm']} / {m['driver']} / {m['worker_max']} / {m['workers_sum']}")
    if "snlp" in per_size and "bare_sparknlp" in figures:
        print(f"ratio Spark NLP job steady / bare Spark NLP: "
              f"{per_size['snlp']['steady_rows_per_s'] / figures['bare_sparknlp']:.2f}")
    if "hf" in per_size and "inprocess_hf" in figures:
        print(f"ratio HF job steady / in-process HF: "
              f"{per_size['hf']['steady_rows_per_s'] / figures['inprocess_hf']:.2f}")
    if "join" in per_size and "plain_join_rows_per_s" in per_size["join"]:
        join = per_size["join"]
        print(f"join: plain Spark join + write of the same records "
              f"{join['plain_join_rows_per_s']:.1f} rows/s; ratio join steady / plain join: "
              f"{join['steady_rows_per_s'] / join['plain_join_rows_per_s']:.2f}, join wall rows/s /"
              f" plain join: {join['rows_per_s_wall'] / join['plain_join_rows_per_s']:.2f}")
    print(flush=True)


if __name__ == "__main__":
    sys.exit(main())
