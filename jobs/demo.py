"""`make demo`: both jobs and the join on the default corpus, run with the venv's spark-submit.

Exits 0 when the report was written (whatever it found; its verdict line is printed, and when
the default deployment fails the gate, as it does, the `hfparity fix` command that fixes it), 2
when a job failed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from spark_pipelines.io.publish import is_complete_local
from spark_pipelines.jvm.tmpdir import private_tmpdir, submit_args

REPO = Path(__file__).resolve().parent.parent


def spark_submit() -> str:
    return str(Path(sys.executable).parent / "spark-submit")


def run_step(name: str, args: list[str]) -> int:
    """One spark-submit whose driver gets a private java.io.tmpdir, removed afterwards (Spark NLP
    5.5.3 leaves its model copies there: spark_pipelines/jvm/tmpdir.py)."""
    print(f"[demo] {name}: spark-submit {' '.join(args)}", flush=True)
    started = time.time()
    with private_tmpdir() as scratch:
        done = subprocess.run([spark_submit(), *submit_args(scratch), *args], cwd=REPO,
                              check=False)
    print(f"[demo] {name}: exit {done.returncode} after {time.time() - started:.0f} s", flush=True)
    return done.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", default="conf/default.yaml")
    parser.add_argument("--output", default="out/demo")
    args = parser.parse_args(argv)
    from parity_core.config import load_config

    config = load_config(REPO / args.config)
    corpus = str(Path(config.checkpoint_path()).parent / "corpus" / "default.parquet")
    out = Path(args.output).resolve()
    common = ["--config", args.config, "--overwrite"]
    steps = [
        ("Hugging Face reference", ["jobs/hf_reference.py", *common, "--input", corpus,
                                    "--output", str(out / "hf")]),
        ("Spark NLP pipeline", ["jobs/sparknlp_pipeline.py", *common, "--input", corpus,
                                "--output", str(out / "sparknlp")]),
    ]
    for name, step in steps:
        if run_step(name, step) != 0:
            return 2
    code = run_step("compare", ["jobs/compare.py", *common, "--left", str(out / "hf"),
                                "--right", str(out / "sparknlp"), "--corpus", corpus,
                                "--output", str(out / "report")])
    # Exit 1 means "outside the thresholds", but an uncaught error exits 1 too: trust the marker.
    if code not in (0, 1) or not is_complete_local(out / "report"):
        print(f"[demo] compare did not write a complete report in {out / 'report'}",
              file=sys.stderr)
        return 2
    print(f"[demo] report: {out / 'report' / 'index.html'}")
    print(f"[demo] rows (parquet): {out / 'report' / 'rows'}   summary: "
          f"{out / 'report' / 'summary.json'}")
    if code == 1:  # the default deployment fails the gate: say what removes the differences
        print(f"[demo] next: .venv/bin/hfparity fix --report {out / 'report'}  (proposes the "
              "Spark NLP pipeline change and proves it on every row: docs/fix.md)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
