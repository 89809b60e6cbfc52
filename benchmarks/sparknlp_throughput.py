"""Throughput of the Spark NLP job: tuned settings vs Spark NLP's defaults, same rows, same run.

Each variant is its own `spark-submit jobs/sparknlp_pipeline.py` (Spark NLP reads its ONNX
settings once per JVM, so the two cannot share a JVM):
  tuned:    inference.sparknlp_batch_size 32, ONNX intraOpNumThreads sized to the cores (the job's
            default: spark.executor.cores, else the cores this process may use)
  defaults: batchSize 8 and Spark NLP's own intraOpNumThreads (6 in 5.5.3's ConfigLoader)
  hf job:   `spark-submit jobs/hf_reference.py` on the same rows, for the cross-framework ratio
Prints wall seconds, the job's own rows/s (corpus read to records written, JVM start excluded)
and the ratios.

    PATH=.venv/bin:$PATH .venv/bin/python benchmarks/sparknlp_throughput.py [--rows 1000]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from parity_core.config import load_config  # noqa: E402
from spark_pipelines.sparknlp.pipeline import (  # noqa: E402
    ONNX_THREADS_KEY,
    SPARKNLP_DEFAULT_ONNX_THREADS,
)

SUMMARY = re.compile(r"(?:sparknlp_pipeline|hf_reference): (\d+) records .* in ([\d.]+) s "
                     r"\(([\d.]+) rows/s\)")


def write_config(base: Path, batch_size: int, out: Path) -> Path:
    raw = yaml.safe_load(base.read_text(encoding="utf-8"))
    raw.setdefault("inference", {})["sparknlp_batch_size"] = batch_size
    out.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return out


def run_job(config: Path, corpus: Path, output: Path, conf: dict[str, str],
            job: str = "sparknlp_pipeline.py") -> dict[str, float]:
    spark_submit = str(Path(sys.executable).parent / "spark-submit")
    command = [spark_submit, "--master", "local[2]"]
    for key, value in conf.items():
        command += ["--conf", f"{key}={value}"]
    command += [str(REPO / "jobs" / job), "--config", str(config),
                "--input", str(corpus), "--output", str(output), "--overwrite"]
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"}
    started = time.time()
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    wall = time.time() - started
    match = SUMMARY.search(done.stdout)
    if done.returncode != 0 or match is None:
        raise RuntimeError(f"job failed ({done.returncode}):\n{done.stdout[-2000:]}"
                           f"{done.stderr[-3000:]}")
    return {"rows": int(match.group(1)), "job_seconds": float(match.group(2)),
            "job_rows_per_s": float(match.group(3)), "wall_seconds": wall}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default=str(REPO / "conf" / "default.yaml"))
    parser.add_argument("--rows", type=int, default=1000)
    args = parser.parse_args(argv)
    config = load_config(args.config)
    corpus_path = Path(config.checkpoint_path()).parent / "corpus" / "default.parquet"
    with tempfile.TemporaryDirectory(prefix="hfparity-bench-") as work:
        folder = Path(work)
        corpus = folder / "corpus.parquet"
        frame = pd.read_parquet(corpus_path).head(args.rows)
        frame[["id", "text"]].to_parquet(corpus)
        variants = {
            "defaults (batch 8, onnx threads 6)": (
                write_config(Path(args.config), 8, folder / "defaults.yaml"),
                {ONNX_THREADS_KEY: str(SPARKNLP_DEFAULT_ONNX_THREADS)}),
            "tuned (batch 32, onnx threads = cores)": (
                write_config(Path(args.config), 32, folder / "tuned.yaml"), {}),
        }
        results = {}
        for name, (conf_file, conf) in variants.items():
            results[name] = run_job(conf_file, corpus, folder / "out", conf)
            r = results[name]
            print(f"{name}: {r['rows']} rows, job {r['job_seconds']:.1f} s "
                  f"({r['job_rows_per_s']:.1f} rows/s), wall {r['wall_seconds']:.1f} s", flush=True)
        hf = run_job(Path(args.config), corpus, folder / "hf", {}, job="hf_reference.py")
        print(f"hf_reference job: {hf['rows']} rows, job {hf['job_seconds']:.1f} s "
              f"({hf['job_rows_per_s']:.1f} rows/s), wall {hf['wall_seconds']:.1f} s", flush=True)
    default, tuned = results.values()
    print(f"ratio tuned/defaults: {tuned['job_rows_per_s'] / default['job_rows_per_s']:.2f}x "
          f"(job rows/s), {default['wall_seconds'] / tuned['wall_seconds']:.2f}x (wall)")
    print(f"ratio tuned Spark NLP / Hugging Face job: "
          f"{tuned['job_rows_per_s'] / hf['job_rows_per_s']:.2f}x (job rows/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
