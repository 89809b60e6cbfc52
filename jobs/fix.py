"""Fix job: read a parity report, re-run Spark NLP with every pipeline change the report calls
for (each alone and all together), and propose the combined pipeline, saved and as code.

Writes into --output: pipeline/ (the proposal, a saved PipelineModel), proposal.py (the stages
to paste), fix.json, and the report again with "How to fix" first (summary.json key
`how_to_fix`, index.html); runs/<change>/ holds each re-run's records and report. The report it
reads is not changed. `hfparity fix` runs this job, then proves the saved pipeline with the
Spark NLP job (--pipeline) and the compare job.

Runnable as `spark-submit jobs/fix.py` and as `python -m jobs.fix`.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from jobs.cli import EXIT_OK, base_parser, check_config, check_output_path, run

EXAMPLES = """\
  .venv/bin/spark-submit jobs/fix.py --config conf/default.yaml --report out/demo/report \\
      --output out/demo/fix
  .venv/bin/spark-submit jobs/fix.py --config out/check/hfparity.yaml --report out/check/report \\
      --left out/check/hf --right out/check/sparknlp --corpus corpus.parquet --output out/fix
"""


def _figures_line(name: str, figures: object) -> str:
    f = figures  # FixFigures
    worst = "n/a" if f.max_abs_delta is None else f"{f.max_abs_delta:.3g}"
    return (f"  {name:<24} labels agree {f.labels_agree:,}/{f.labeled_both:,} "
            f"({f.label_agreement:.2%})  identical pieces {f.pieces_same:,}/{f.rows:,} "
            f"({f.piece_agreement:.2%})  max |Δp| {worst}  |Δp|<=1e-5 {f.within_tight_delta:,}")


def print_fix(fix: object) -> None:
    """The before/after table, the regressions and what remains, for the terminal."""
    print("fix: before/after (every corpus row)", flush=True)
    print(_figures_line("before (report)", fix.before))
    for item in fix.runs:
        print(_figures_line(f"{item.name} ({len(item.changes)} change"
                            f"{'s' if len(item.changes) > 1 else ''})", item.figures)
              + f"  regressions {item.regressions}")
    for row in fix.regressions:
        print(f"  regression {row.id}: {row.status}, cause {row.cause}/{row.sub_cause}: "
              f"{row.reason}")
    for group in fix.remaining:
        print(f"  remaining {group.reason}: {group.rows} rows ({group.label_flips} label flips), "
              f"e.g. {', '.join(group.example_ids)}")
    if fix.code:
        print("fix: proposed pipeline (proposal.py):\n" + fix.code, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = base_parser(__doc__, EXAMPLES)
    parser.add_argument("--report", required=True, help="the report folder (rows/, summary.json)")
    parser.add_argument("--output", required=True, help="folder for the proposal and its proof")
    parser.add_argument("--left", default=None, help="Hugging Face records (default: ../hf)")
    parser.add_argument("--right", default=None, help="Spark NLP records (default: ../sparknlp)")
    parser.add_argument("--corpus", default=None,
                        help="corpus (default: the one the Spark NLP run recorded)")
    args = parser.parse_args(argv)
    config = check_config(args.config)
    check_output_path(args.output, args.overwrite)
    from parity_core.settings import derive_settings
    from spark_pipelines.fix.inputs import resolve_inputs

    settings = derive_settings(config)
    inputs = resolve_inputs(args.report, args.left, args.right, args.corpus)

    from spark_pipelines.fix.publish import publish_fix
    from spark_pipelines.fix.run import run_fix
    from spark_pipelines.jvm.session import get_session

    spark = get_session("hfparity-fix")
    started = time.time()
    fix, _ = run_fix(spark, config, settings, inputs, args.output, args.overwrite,
                     say=lambda m: print(f"fix: {m}", flush=True))
    page = publish_fix(inputs.report_dir, fix, Path(args.output).resolve())
    print_fix(fix)
    print(f"fix: {len(fix.runs)} re-runs in {time.time() - started:.1f} s; report with How to "
          f"fix: {page}", flush=True)
    return EXIT_OK


if __name__ == "__main__":
    run(main)
