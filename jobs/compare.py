"""Compare job: line up two prediction-record runs row by row and report where they part.

Writes <output>/rows/ (parquet, one row per corpus id), summary.json and index.html, and prints
one verdict line. Exit 0 within the `compare:` thresholds, 1 outside them, 2 for bad input.
Runnable as `spark-submit jobs/compare.py` (the repo root is put on sys.path below) and as
`python -m jobs.compare`.
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
    check_output_path,
    run,
)
from parity_core.config import ProjectConfig
from parity_core.errors import BadInput, ConfigError
from parity_core.files import COMPLETE_MARKER, FINGERPRINT_FILE, is_remote
from parity_core.settings import EffectiveSettings, derive_settings
from spark_pipelines.io.publish import is_complete_local

EXAMPLES = """\
  .venv/bin/spark-submit jobs/compare.py --config conf/default.yaml --left out/hf \\
      --right out/sparknlp --corpus ~/.cache/hfparity/default/corpus/default.parquet \\
      --output out/report
  .venv/bin/spark-submit jobs/compare.py --config conf/default.yaml --left out/hf-env-a \\
      --right out/hf-env-b --corpus corpus.parquet --output out/a-vs-b --counterfactual off
"""


def check_records_path(path: str, flag: str) -> str:
    """A local records folder must exist and carry the completion marker; remote paths pass."""
    if is_remote(path):
        return path
    local = Path(path.removeprefix("file://"))
    if not local.is_dir():
        raise BadInput(f"{flag} {path}: no such records folder")
    if not is_complete_local(local):
        raise BadInput(f"{flag} {path}: no {COMPLETE_MARKER} marker; the run that wrote it did "
                       "not finish (or it is not a records folder)")
    return path


def job_settings(config: ProjectConfig, left: str) -> EffectiveSettings:
    """The settings the join uses: derived from the configured checkpoint, so a bad config (a
    max_length above the checkpoint's limit, a checkpoint missing its files) is refused with
    the file and key. Only a checkpoint folder that is simply not on this machine falls back to
    the left run's recorded settings (comparing two finished runs needs no model; only the
    counterfactual does), and stderr says so."""
    checkpoint = Path(config.checkpoint_path())
    if checkpoint.exists():
        return derive_settings(config)  # a ConfigError here is the config's fault: exit 2
    recorded = Path(left.removeprefix("file://")) / FINGERPRINT_FILE
    if is_remote(left) or not recorded.is_file():
        raise ConfigError(
            f"{config.source}: model.checkpoint {checkpoint}: no such folder, and the left run "
            f"{left} has no local {FINGERPRINT_FILE} to take the settings from "
            "(run `make setup`, or point model.checkpoint at the checkpoint)")
    try:
        settings = EffectiveSettings.from_dict(
            json.loads(recorded.read_text(encoding="utf-8"))["settings"])
    except (ValueError, KeyError, TypeError) as exc:
        raise BadInput(f"--left {left}: {FINGERPRINT_FILE} has no readable settings "
                       f"({type(exc).__name__}: {exc})") from exc
    max_length = config.tokenization.max_length
    if max_length > settings.model_max_length:
        raise ConfigError(
            f"{config.source}: tokenization.max_length {max_length} exceeds the checkpoint's "
            f"model_max_length {settings.model_max_length} (as the left run {left} recorded it)")
    print(f"note: model.checkpoint {checkpoint} ({config.source}) is not on this machine; "
          f"using the settings the left run recorded in {recorded}", file=sys.stderr, flush=True)
    return settings


def main(argv: list[str] | None = None) -> int:
    parser = base_parser(__doc__, EXAMPLES)
    parser.add_argument("--left", required=True, help="records folder of the reference run")
    parser.add_argument("--right", required=True, help="records folder of the run to check")
    parser.add_argument("--corpus", required=True,
                        help="the corpus both runs scored: parquet, CSV or JSON lines")
    parser.add_argument("--output", required=True, help="report folder")
    parser.add_argument("--allow-model-mismatch", action="store_true",
                        help="compare runs whose checkpoint or vocab sha256 differ")
    parser.add_argument("--counterfactual", choices=("auto", "on", "off"), default="auto",
                        help="re-run the reference model on the right side's pieces for rows "
                             "that disagree (auto: when the left run is Hugging Face and its "
                             "checkpoint is here)")
    parser.add_argument("--selection", default=None,
                        help="input-first scoring: the selection folder jobs/input_pass.py "
                             "wrote; the runs scored its corpus/, the report covers every row "
                             "of the corpus it was made from (docs/input-first.md)")
    parser.add_argument("--widened", action="store_true",
                        help="with --selection: the runs scored the whole corpus (the sample "
                             "found identical-input rows whose output differs)")
    args = parser.parse_args(argv)
    config = check_config(args.config)
    check_records_path(args.left, "--left")
    check_records_path(args.right, "--right")
    if args.selection:
        check_records_path(args.selection, "--selection")
    elif args.widened:
        raise BadInput("--widened needs --selection (the input pass it widens)")
    check_corpus_path(args.corpus, "--corpus")
    check_output_path(args.output, args.overwrite)
    settings = job_settings(config, args.left)

    from spark_pipelines.compare.job import run_compare
    from spark_pipelines.jvm.session import get_session

    spark = get_session("hfparity-compare")
    started = time.time()
    result = run_compare(spark, config, settings, args.left, args.right, args.corpus,
                         args.output, overwrite=args.overwrite,
                         allow_model_mismatch=args.allow_model_mismatch,
                         counterfactual=args.counterfactual, selection_dir=args.selection,
                         widened=args.widened)
    print(f"compare: {time.time() - started:.1f} s, counterfactual "
          f"{'on' if result.counterfactual else 'off'}", file=sys.stderr, flush=True)
    print(result.line, flush=True)
    return EXIT_OK if result.passed else EXIT_THRESHOLD


if __name__ == "__main__":
    run(main)
