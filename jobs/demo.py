"""`make demo`: both jobs and the join on the default corpus, through spark-submit as users run them.

Exits 0 when the report was written (whatever it found; its verdict line is printed), 2 when a
job failed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def spark_submit() -> str:
    return str(Path(sys.executable).parent / "spark-submit")


def run_step(name: str, args: list[str]) -> int:
    print(f"[demo] {name}: spark-submit {' '.join(args)}", flush=True)
    started = time.time()
    done = subprocess.run([spark_submit(), *args], cwd=REPO, check=False)
    print(f"[demo] {name}: exit {done.returncode} after {time.time() - started:.0f} s", flush=True)
    return done.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", default="conf/default.yaml")
    parser.add_argument("--output", default="out/demo")
    args = parser.parse_args(argv)
    from hf_reference.config import load_config

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
    if code not in (0, 1):
        return 2
    print(f"[demo] report: {out / 'report' / 'index.html'}")
    print(f"[demo] rows (parquet): {out / 'report' / 'rows'}   summary: "
          f"{out / 'report' / 'summary.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
