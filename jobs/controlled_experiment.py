"""Controlled experiment: flip one tokenization setting, score the corpus twice with the Hugging
Face reference, and check that the report's explanation blames the flipped stage for every
changed row.

Scores in process (both runs are the same checkpoint, so the true cause is known); the changed
rows are explained on a local Spark session by the same code that writes a compare report.
Exit codes: 0 every flip at or above --min-share, 1 below, 2 bad input.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from jobs.cli import (
    EXIT_OK,
    EXIT_THRESHOLD,
    base_parser,
    check_config,
    check_corpus_path,
    run,
)
from parity_core.errors import BadInput

EXAMPLES = """\
  .venv/bin/python jobs/controlled_experiment.py --config conf/default.yaml
  .venv/bin/python jobs/controlled_experiment.py --config conf/default.yaml --flip casing \\
      --input ~/.cache/hfparity/default/corpus/default.parquet --json out/experiment.json
"""


def read_corpus(path: str, id_column: str, text_column: str,
                encoding: str = "utf-8") -> tuple[list[str], list[object]]:
    """(ids, texts) with pandas, after the corpus rules (spark_pipelines/io/corpus_rules.py)."""
    import pandas as pd

    from spark_pipelines.io.corpus_rules import validate_local

    validate_local(path, id_column, text_column, encoding)
    lower = path.lower()
    frame = (pd.read_parquet(path) if lower.endswith(".parquet") or Path(path).is_dir()
             else pd.read_csv(path, encoding=encoding) if lower.endswith(".csv")
             else pd.read_json(path, lines=True, encoding=encoding))
    missing = [c for c in (id_column, text_column) if c not in frame.columns]
    if missing:
        raise BadInput(f"--input {path}: no column {missing[0]!r} (columns: {list(frame.columns)})")
    texts = [None if not isinstance(t, str) and t != t else t for t in frame[text_column]]
    return [str(i) for i in frame[id_column]], texts


def main(argv: list[str] | None = None) -> int:
    from spark_pipelines.compare.experiment import FLIPS

    parser = base_parser(__doc__, EXAMPLES)
    parser.add_argument("--input", help="corpus (default: the default corpus next to the model)")
    parser.add_argument("--flip", choices=[*FLIPS, "all"], default="all")
    parser.add_argument("--json", help="also write the figures here")
    parser.add_argument("--limit", type=int, help="first N rows only")
    parser.add_argument("--threads", type=int, default=None, help="torch threads")
    parser.add_argument("--min-share", type=float, default=0.99,
                        help="exit 1 if a flip attributes less than this share to its stage")
    args = parser.parse_args(argv)
    config = check_config(args.config)
    corpus = args.input or str(Path(config.checkpoint_path()).parent / "corpus" / "default.parquet")
    check_corpus_path(corpus)

    from parity_core.settings import derive_settings
    from spark_pipelines.compare.experiment import Runner, render, run_flip
    from spark_pipelines.jvm.session import get_session

    ids, texts = read_corpus(corpus, config.corpus.id_column, config.corpus.text_column,
                             config.corpus.encoding)
    if args.limit:
        ids, texts = ids[: args.limit], texts[: args.limit]
    runner = Runner(derive_settings(config), ids, texts, threads=args.threads)
    tolerance = config.compare.probability_tolerance
    spark = get_session("hfparity-controlled-experiment")
    results = []
    for name in FLIPS if args.flip == "all" else [args.flip]:
        started = time.time()
        results.append(run_flip(spark, runner, FLIPS[name], tolerance))
        print(f"{name}: {time.time() - started:.1f} s", file=sys.stderr)
    print(render(results))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(
            {"corpus": corpus, "rows": len(ids), "tolerance": tolerance,
             "flips": [r.to_dict() for r in results]}, indent=2, ensure_ascii=False))
    return EXIT_OK if all(r.share >= args.min_share for r in results) else EXIT_THRESHOLD


if __name__ == "__main__":
    run(main)
