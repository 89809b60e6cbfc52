"""hfparity: check your own model, from a Hugging Face checkpoint folder to a parity report.

  hfparity import --checkpoint DIR --output DIR [--max-length N] [--quantize int8]
  hfparity check  --checkpoint DIR --corpus FILE [--output DIR] [--max-length N] [--overwrite]
                  [--scoring all|input-first]
                  [--quantize int8]
  hfparity fix    --report DIR [--output DIR] [--config FILE] [--overwrite]

Exit codes as the jobs': 0 done (check: the runs agree within the thresholds), 1 they do not,
2 bad input (a refused checkpoint, corpus or output, named with the fix), 3 a failure.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from jobs.cli import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_OK,
    check_corpus_path,
    exit_code,
)
from parity_core.checkpoint import SUPPORTED
from parity_core.errors import BadInput

SUPPORTED_NOTE = f"supported: {SUPPORTED}"  # the one list, parity_core.checkpoint's


def say(message: str) -> None:
    print(f"[hfparity] {message}", flush=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hfparity", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    imp = commands.add_parser("import", help="export a checkpoint to ONNX and import it into "
                              f"Spark NLP ({SUPPORTED_NOTE})")
    check = commands.add_parser("check", help="import when needed, then run both jobs and the "
                                "join on a corpus and print the verdict")
    for sub in (imp, check):
        sub.add_argument("--checkpoint", required=True, help="Hugging Face checkpoint folder")
        sub.add_argument("--max-length", type=int, default=128,
                         help="model-input length, [CLS]/[SEP] included (default 128)")
        sub.add_argument("--quantize", choices=("none", "int8"), default="none",
                         help="deploy an int8 (onnxruntime dynamic) quantization of the ONNX "
                         "export to Spark NLP (default none: fp32)")
    imp.add_argument("--output", required=True, help="folder for onnx/ and sparknlp_model/")
    check.add_argument("--corpus", required=True, help="corpus: parquet, CSV or JSON lines")
    check.add_argument("--output", default="out/check",
                       help="folder for model/, hfparity.yaml, hf/, sparknlp/, report/")
    check.add_argument("--scoring", choices=("all", "input-first"), default="all",
                       help="all: both models score every row; input-first: compare both "
                            "sides' model input on every row, score rows whose input differs "
                            "plus a seeded sample of the rest, bound what is not scored, and "
                            "widen to every row when the sample finds a difference "
                            "(docs/input-first.md)")
    check.add_argument("--overwrite", action="store_true",
                       help="replace an earlier check's runs and report (the import is reused)")
    fix = commands.add_parser("fix", help="propose the Spark NLP pipeline change that restores "
                              "parity, measured on the report's corpus, saved and verified")
    fix.add_argument("--report", required=True, help="a report folder (check's or compare's)")
    fix.add_argument("--output", default=None, help="folder for the proposal (default: "
                     "fix/ beside the report)")
    fix.add_argument("--config", default=None, help="conf (default: hfparity.yaml beside the "
                     "report, else conf/default.yaml)")
    fix.add_argument("--left", default=None, help="Hugging Face records (default: ../hf)")
    fix.add_argument("--right", default=None, help="Spark NLP records (default: ../sparknlp)")
    fix.add_argument("--corpus", default=None, help="corpus (default: the Spark NLP run's)")
    fix.add_argument("--overwrite", action="store_true", help="replace an earlier fix output")
    return parser


def _inspect(args: argparse.Namespace):  # -> CheckpointInfo
    from parity_core.checkpoint import inspect_checkpoint
    from parity_core.families.sparknlp_limits import check_sparknlp_can_run

    if not 3 <= args.max_length <= 512:
        raise BadInput(f"--max-length {args.max_length}: must be between 3 and 512 "
                       "([CLS] and [SEP] included)")
    started = time.time()
    info = inspect_checkpoint(args.checkpoint, args.max_length, subject="--checkpoint")
    check_sparknlp_can_run(info, subject="--checkpoint")
    for warning in info.warnings:
        print(f"warning: {warning}", file=sys.stderr, flush=True)
    say(f"inspect: {info.family.architecture}, {len(info.labels)} labels "
        f"{list(info.labels)}, {'uncased' if info.do_lower_case else 'cased'}, "
        f"max positions {info.max_positions} ({time.time() - started:.1f} s)")
    return info


def _say_delta(model) -> None:  # model: ImportedModel
    quantization = model.manifest.get("quantization", "none")
    kind = "ONNX" if quantization == "none" else f"{quantization} ONNX"
    say(f"{kind} max |Δlogit| vs torch: {model.onnx_max_abs_logit_delta:.2e}")


def cmd_import(args: argparse.Namespace) -> int:
    from jobs.hfparity_steps.model_import import import_checkpoint

    started = time.time()
    info = _inspect(args)
    model = import_checkpoint(info, args.output, say=say, quantize=args.quantize)
    _say_delta(model)
    say(f"done in {time.time() - started:.1f} s: Spark NLP model {model.sparknlp_model}")
    return EXIT_OK


def _check_output(output: Path, overwrite: bool) -> None:
    """Refuse to replace an earlier check's runs unless asked; model/ is kept either way."""
    from jobs.hfparity_steps.model_check import CONF_FILE
    from spark_pipelines.io.publish import OVERWRITE_HINT, Output

    earlier = [name for name in ("hf", "sparknlp", "report", "selection", CONF_FILE)
               if (output / name).exists()]
    if earlier and not overwrite:
        out = Output(str(output), f"--output {output}", overwrite,
                     hint=f"{OVERWRITE_HINT} (the imported model is reused)")
        raise out.refusal(f"already holds a check ({', '.join(earlier)})")


def cmd_check(args: argparse.Namespace) -> int:
    from jobs.hfparity_steps.model_check import CONF_FILE, report_path, run_jobs, write_conf
    from jobs.hfparity_steps.model_import import import_checkpoint
    from parity_core.config import load_config
    from parity_core.settings import derive_settings

    started = time.time()
    info = _inspect(args)
    corpus = str(Path(check_corpus_path(args.corpus, "--corpus")).resolve())
    output = Path(args.output).resolve()
    _check_output(output, args.overwrite)
    model = import_checkpoint(info, output / "model", say=say, quantize=args.quantize)
    _say_delta(model)
    conf = write_conf(output / CONF_FILE, info.folder, model.sparknlp_model, model.onnx,
                      args.max_length)
    derive_settings(load_config(conf))  # the jobs' own refusals, before any Spark starts
    say(f"conf: {conf}")
    results = run_jobs(conf, corpus, output, args.overwrite, say, args.scoring)
    failed = [r for r in results if r.code not in (0, 1) or (r.code == 1 and r.name != "compare")]
    report = report_path(output)
    if failed or report is None or results[-1].name != "compare":
        step = failed[0] if failed else results[-1]
        say(f"{step.name} failed (exit {step.code}) after {time.time() - started:.1f} s")
        return EXIT_BAD_INPUT if step.code == EXIT_BAD_INPUT else EXIT_FAILED
    verdict = results[-1]
    say(f"verdict: {verdict.last_line}")
    say(f"report: {report}  (rows: {report.parent / 'rows'}, conf: {conf})")
    say(f"check done in {time.time() - started:.1f} s")
    return verdict.code


def cmd_fix(args: argparse.Namespace) -> int:
    from jobs.hfparity_steps.model_fix import default_config, record_verification, run_fix_steps
    from parity_core.config import load_config
    from parity_core.settings import derive_settings
    from spark_pipelines.fix.inputs import resolve_inputs
    from spark_pipelines.io.publish import Output, local_occupied

    started = time.time()
    inputs = resolve_inputs(args.report, args.left, args.right, args.corpus)
    conf = Path(args.config).resolve() if args.config else default_config(inputs.report_dir)
    derive_settings(load_config(conf))  # the jobs' own refusals, before any Spark starts
    output = Path(args.output or inputs.report_dir.parent / "fix").resolve()
    if local_occupied(output) and not args.overwrite:
        raise Output(str(output), f"--output {output}").refusal("already holds a fix")
    say(f"report {inputs.report_dir}; conf {conf}; corpus {inputs.corpus}")
    results = run_fix_steps(conf, inputs, output, args.overwrite, say)
    last = results[-1]
    if last.code not in (0, 1) or (last.name != "compare" and last.code != 0):
        say(f"{last.name} failed (exit {last.code}) after {time.time() - started:.1f} s")
        return EXIT_BAD_INPUT if last.code == EXIT_BAD_INPUT else EXIT_FAILED
    if last.name == "compare":
        page = record_verification(output, inputs, last)
        say(f"verdict on the saved proposal: {last.last_line}")
        say(f"report with How to fix: {page}")
    say(f"fix done in {time.time() - started:.1f} s")
    return last.code


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    command = {"import": cmd_import, "check": cmd_check, "fix": cmd_fix}[args.command]
    return exit_code(lambda: command(args))


if __name__ == "__main__":
    sys.exit(main())
