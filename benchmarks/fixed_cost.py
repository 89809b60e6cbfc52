"""Fixed cost: what each job pays before its first row, per component, run as users run it.

Issue 20 item 3. Each job runs by spark-submit (local[2], the venv's spark-submit, the flags
that the checkout's `hfparity check` passes) on a small corpus. Inside the job's driver the
phases are timed by wrapping the functions the job module calls (only what that checkout has,
so `--code DIR` times an older checkout the same way):

  launch       spark-submit start -> the job's Python driver runs (launcher JVM, SparkSubmit JVM,
               Python start)
  imports      the job module's imports (pyspark, our packages; torch only where imported)
  session      SparkSession creation: SparkContext, jars added, the py4j gateway
  corpus       read_corpus: schema read and its checks (Spark actions before the first row)
  pipeline     Spark NLP job only: model family, classifier load, warnings, vocabulary, fit
  fingerprint  run fingerprint (hashes, versions)
  digest       the corpus digest (a Spark aggregate)
  write        scoring + writing the records: the first task's Python worker start, torch
               import and model load (HF) or model broadcast and ONNX session (Spark NLP),
               then every row
  readback     counting the written records by status
  exit         after main returns: SparkContext stop, JVM exit

`cpu` is the CPU seconds of the whole process tree (user + system), which a loaded shared
machine changes far less than the wall times. Run on 1 row, `write` is nearly all fixed cost;
run on --rows N as well, the difference gives the per-row part.

    .venv/bin/python benchmarks/fixed_cost.py --rows 1 --rows 1000
    .venv/bin/python benchmarks/fixed_cost.py --rows 1 --code /work/before-speed

--java-options compares driver JVM settings in one run (each value a variant, given to the driver
as SPARK_SUBMIT_OPTS; "" is the JVM's default): the tests run every JVM with C1 only
(tests/support/jvm_flags.py), measured with

    .venv/bin/python benchmarks/fixed_cost.py --rows 100 --sides snlp,hf --repeat 2 \
        --java-options= --java-options=-XX:TieredStopAtLevel=1
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LAUNCH_ENV = "HFPARITY_BENCH_LAUNCH"
PHASES_MARK = "fixed_cost_phases "
# module, function name, phase: the functions the jobs call, wrapped in the job's own modules.
WRAPS = {
    "snlp": [("spark_pipelines.sparknlp.job", "read_corpus", "corpus"),
             ("spark_pipelines.sparknlp.job", "read_corpus_digest", "corpus"),
             ("spark_pipelines.sparknlp.job", "build_pipeline", "pipeline"),
             ("spark_pipelines.sparknlp.job", "annotate", "plan"),
             ("spark_pipelines.sparknlp.job", "sparknlp_fingerprint", "fingerprint"),
             ("spark_pipelines.sparknlp.job", "corpus_digest", "digest"),
             ("spark_pipelines.sparknlp.job", "write_records", "write"),
             ("spark_pipelines.sparknlp.job", "read_records", "readback")],
    "hf": [("spark_pipelines.hf.job", "read_corpus", "corpus"),
           ("spark_pipelines.hf.job", "read_corpus_digest", "corpus"),
           ("spark_pipelines.hf.job", "score_corpus", "plan"),
           ("spark_pipelines.hf.job", "reference_fingerprint", "fingerprint"),
           ("spark_pipelines.hf.job", "corpus_digest", "digest"),
           ("spark_pipelines.hf.job", "write_records", "write"),
           ("spark_pipelines.hf.job", "status_counts", "readback")],
}
JOBS = {"snlp": ("jobs.sparknlp_pipeline", "sparknlp_pipeline.py"),
        "hf": ("jobs.hf_reference", "hf_reference.py")}


def _wrap(phases: dict[str, float], module: object, name: str, phase: str) -> None:
    inner = getattr(module, name)

    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            phases[phase] = phases.get(phase, 0.0) + time.perf_counter() - started

    setattr(module, name, timed)


def inner(side: str, argv: list[str]) -> int:
    """Run one job's main in this (spark-submit's) driver with its phases timed."""
    phases: dict[str, float] = {"launch": time.time() - float(os.environ[LAUNCH_ENV])}
    started = time.perf_counter()
    job = importlib.import_module(JOBS[side][0])
    for module_name, name, phase in WRAPS[side]:
        module = importlib.import_module(module_name)
        if hasattr(module, name):
            _wrap(phases, module, name, phase)
    import spark_pipelines.jvm.session as session

    phases["imports"] = time.perf_counter() - started
    _wrap(phases, session, "get_session", "session")
    code = job.main(argv)
    print(PHASES_MARK + json.dumps({k: round(v, 2) for k, v in phases.items()}), flush=True)
    print(f"main_done {time.time():.3f}", flush=True)
    return code


def check_submit_flags(code: Path) -> list[str]:
    """The spark-submit flags (master, jars, Python) that `hfparity check` of `code` passes."""
    script = ("import json; from jobs.hfparity_steps.model_check import _submit_flags; "
              "print(json.dumps(_submit_flags()))")
    env = {**os.environ, "PYTHONPATH": str(code)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, check=True, cwd=str(code))
    return json.loads(done.stdout.strip().splitlines()[-1])


def submit_command(code: Path, side: str, corpus: Path, out: Path, config: str) -> list[str]:
    return [str(Path(sys.executable).parent / "spark-submit"), *check_submit_flags(code),
            str(Path(__file__).resolve()), "--inner", side, "--",
            "--config", config, "--input", str(corpus), "--output", str(out), "--overwrite"]


def run_side(code: Path, side: str, corpus: Path, out: Path, config: str,
             java_options: str | None = None) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(code), "HF_HUB_OFFLINE": "1",
           "TRANSFORMERS_OFFLINE": "1"}
    if java_options is not None:
        env["SPARK_SUBMIT_OPTS"] = java_options
    command = submit_command(code, side, corpus, out, config)
    started = time.time()
    env[LAUNCH_ENV] = f"{started:.3f}"
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=str(code))
    ended = time.time()
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{side}: exit {done.returncode}\n{done.stdout[-2000:]}"
                           f"\n{done.stderr[-4000:]}")
    phases: dict[str, float] = {}
    for line in done.stdout.splitlines():
        if line.startswith(PHASES_MARK):
            phases = json.loads(line[len(PHASES_MARK):])
        elif line.startswith("main_done "):
            phases["exit"] = round(ended - float(line.split()[1]), 2)
    phases["total"] = round(ended - started, 2)
    # CPU seconds of the whole process tree (JVMs, Python driver and workers): what the run
    # costs the machine, far less sensitive than wall time to other work on a shared machine.
    phases["cpu"] = round(cpu_after.ru_utime + cpu_after.ru_stime
                          - cpu_before.ru_utime - cpu_before.ru_stime, 2)
    return phases


def make_corpus(rows: int, out: Path) -> Path:
    import pandas as pd

    sys.path.insert(0, str(REPO))
    from parity_core.config import load_config

    source = Path(load_config(str(REPO / "conf" / "default.yaml")).checkpoint_path()).parent
    texts = pd.read_parquet(source / "corpus" / "default.parquet", columns=["text"])["text"]
    frame = pd.DataFrame({"id": [f"fixed-{i:07d}" for i in range(rows)],
                          "text": [texts.iloc[i % len(texts)] for i in range(rows)]})
    frame.to_parquet(out, index=False)
    return out


def python_imports(code: Path) -> dict[str, float]:
    """A fresh Python's import of torch + transformers, and the reference model's load."""
    script = ("import time, json; t = time.perf_counter(); import torch, transformers; "
              "a = time.perf_counter() - t; t = time.perf_counter(); "
              "from parity_core.config import load_config; "
              "from parity_core.settings import derive_settings; "
              "from hf_reference.scorer import ReferenceScorer; "
              f"ReferenceScorer(derive_settings(load_config({str(REPO / 'conf/default.yaml')!r})),"
              " threads=1); print(json.dumps({'torch_transformers_import': round(a, 2), "
              "'model_load': round(time.perf_counter() - t, 2)}))")
    env = {**os.environ, "PYTHONPATH": str(code), "HF_HUB_OFFLINE": "1",
           "TRANSFORMERS_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--inner"]:
        return inner(argv[1], argv[3:])
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, action="append", help="corpus sizes (default 1)")
    parser.add_argument("--code", default=str(REPO), help="checkout whose jobs run")
    parser.add_argument("--sides", default="hf,snlp")
    parser.add_argument("--config", default=str(REPO / "conf" / "default.yaml"))
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--java-options", action="append",
                        help="driver JVM options to compare, one variant each (default: the "
                        "environment's SPARK_SUBMIT_OPTS)")
    args = parser.parse_args(argv)
    code = Path(args.code).resolve()
    print(f"code {code}; load {os.getloadavg()[0]:.2f}", flush=True)
    print(f"fresh python: {python_imports(code)}", flush=True)
    with tempfile.TemporaryDirectory(prefix="hfparity-fixed-") as scratch:
        for rows in args.rows or [1]:
            corpus = make_corpus(rows, Path(scratch) / f"c{rows}.parquet")
            for side in args.sides.split(","):
                for _ in range(args.repeat):
                    for options in args.java_options or [None]:
                        phases = run_side(code, side, corpus, Path(scratch) / f"{side}-{rows}",
                                          args.config, options)
                        shown = "" if options is None else f" [java options {options!r}]"
                        print(f"{side} {rows} rows{shown}: {json.dumps(phases)}; load "
                              f"{os.getloadavg()[0]:.1f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
