"""hfparity: check your own model, from a Hugging Face checkpoint folder to a parity report.

  hfparity import --checkpoint DIR --output DIR [--max-length N] [--quantize int8]
                  [--export-atol A] [--export-rtol R]
  hfparity check  --checkpoint DIR --corpus FILE [--output DIR] [--max-length N] [--overwrite]
                  [--quantize int8] [--export-atol A] [--export-rtol R]
                  [--text-column NAME] [--id-column NAME] [--encoding ENC] [--pipeline DIR]
                  [--master URL] [--conf KEY=VALUE ...] [--scoring all|input-first]
  hfparity fix    --report DIR [--output DIR] [--config FILE] [--overwrite]
  hfparity explain --checkpoint DIR "some text" [--pipeline DIR] [--json]
  hfparity explain --report DIR --row ID [--json]

Exit codes as the jobs': 0 done (check: the runs agree within the thresholds), 1 they do not,
2 bad input (a refused checkpoint, corpus or output, named with the fix), 3 a failure.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from hf_reference.export_check import DEFAULT_BOUND
from jobs.cli import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_OK,
    add_corpus_columns,
    check_corpus_path,
    exit_code,
    say,
)
from jobs.hfparity_steps.model_explain import add_explain_parser
from parity_core.checkpoint import SUPPORTED
from parity_core.config import CorpusConfig
from parity_core.errors import BadInput
from parity_core.tasks.token_classification import config_architecture, is_token_classification

SUPPORTED_NOTE = f"supported: {SUPPORTED}"  # the one list, parity_core.checkpoint's


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
        sub.add_argument("--export-atol", type=float, default=DEFAULT_BOUND.atol,
                         help="the export check: each ONNX logit may differ from torch's by "
                         f"atol + rtol*|logit| (default atol {DEFAULT_BOUND.atol:g})")
        sub.add_argument("--export-rtol", type=float, default=DEFAULT_BOUND.rtol,
                         help=f"(default rtol {DEFAULT_BOUND.rtol:g}; "
                         "hf_reference/export_check.py says why)")
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
    add_corpus_columns(check)
    check.add_argument("--pipeline", default=None,
                       help="audit the deployment you ship: a saved PipelineModel or Spark NLP "
                       "classifier folder, scored as it is by the Spark NLP job")
    check.add_argument("--master", default=None,
                       help="Spark master for the three jobs (default local[2]); off a local "
                       "master the code zip goes by --py-files and the paths must be shared")
    check.add_argument("--conf", action="append", default=[], metavar="KEY=VALUE",
                       help="extra spark-submit --conf for the three jobs (repeatable), e.g. "
                       "spark.pyspark.python=./env/bin/python")
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
    add_explain_parser(commands)
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
    architecture = config_architecture(info.folder) or info.family.architecture
    say(f"inspect: {architecture}, {len(info.labels)} labels "
        f"{list(info.labels)}, {'uncased' if info.do_lower_case else 'cased'}, "
        f"max positions {info.max_positions} ({time.time() - started:.1f} s)")
    return info


def _bound(args: argparse.Namespace):  # -> ExportBound
    from hf_reference.export_check import ExportBound

    return ExportBound(atol=args.export_atol, rtol=args.export_rtol)


def _say_delta(model) -> None:  # model: ImportedModel
    """The export check's figure, measured now or recorded by the import that is reused."""
    quantization = model.manifest.get("quantization", "none")
    kind = "ONNX" if quantization == "none" else f"{quantization} ONNX"
    recorded = model.manifest.get("onnx_check")
    within = ""
    if recorded:
        share = recorded["worst_abs_delta"] / recorded["worst_bound"]
        within = (f"; fp32 export within {recorded['atol']:g} + {recorded['rtol']:g}·|logit| "
                  f"(closest element {share:.1%} of its bound, |logit| up to "
                  f"{recorded['max_abs_logit']:.3g}, {recorded['argmax_differences']} argmax "
                  "differences)")
    say(f"{kind} max |Δlogit| vs torch: {model.onnx_max_abs_logit_delta:.2e}{within}")


def cmd_import(args: argparse.Namespace) -> int:
    from jobs.hfparity_steps.model_import import import_checkpoint

    started = time.time()
    info = _inspect(args)
    model = import_checkpoint(info, args.output, say=say, quantize=args.quantize,
                              bound=_bound(args))
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


def _check_corpus(args: argparse.Namespace, columns: CorpusConfig) -> str:
    """The corpus path, its columns, ids, encoding and JSON types checked in Python, in seconds,
    before anything is imported or Spark starts (spark_pipelines/io/corpus_rules.py)."""
    from parity_core.files import is_remote
    from spark_pipelines.io.corpus_rules import CHECK_HINTS, validate_local

    started = time.time()
    corpus = check_corpus_path(args.corpus, "--corpus")
    corpus = corpus if is_remote(corpus) else str(Path(corpus).resolve())
    shape = validate_local(corpus, columns.id_column, columns.text_column, columns.encoding,
                           CHECK_HINTS)
    if shape is None:
        say(f"corpus: {corpus} is remote: the jobs check it when they read it")
    else:
        ids = f"ids from {columns.id_column!r}" if shape.has_ids else "ids derived"
        say(f"corpus: {shape.rows} rows, text {columns.text_column!r}, {ids}, columns "
            f"{', '.join(shape.columns)} ({time.time() - started:.1f} s)")
    return corpus


def _submit(args: argparse.Namespace):  # -> Submit
    from jobs.hfparity_steps.model_check import MASTER, Submit

    for pair in args.conf:
        if "=" not in pair or not pair.split("=", 1)[0].strip():
            raise BadInput(f"--conf {pair!r}: use KEY=VALUE, e.g. spark.executor.memory=4g")
    return Submit(args.master or MASTER, tuple(args.conf))


def cmd_check(args: argparse.Namespace) -> int:
    from jobs.hfparity_steps.model_check import CONF_FILE, report_path, run_jobs, write_conf
    from jobs.hfparity_steps.model_import import import_checkpoint
    from parity_core.config import load_config
    from parity_core.settings import derive_settings

    started = time.time()
    info = _inspect(args)
    columns = CorpusConfig(args.id_column, args.text_column, args.encoding)
    corpus = _check_corpus(args, columns)
    if is_token_classification(config_architecture(info.folder)):  # NER: its own check
        from jobs.hfparity_steps.ner_command import check_command

        return check_command(args, info, corpus, say)
    submit, bound = _submit(args), _bound(args)
    if args.pipeline:
        from spark_pipelines.sparknlp.deployment import check_deployment_folder

        check_deployment_folder(args.pipeline)
    output = Path(args.output).resolve()
    _check_output(output, args.overwrite)
    model = import_checkpoint(info, output / "model", say=say, quantize=args.quantize,
                              bound=bound)
    _say_delta(model)
    conf = write_conf(output / CONF_FILE, info.folder, model.sparknlp_model, model.onnx,
                      args.max_length, columns)
    derive_settings(load_config(conf))  # the jobs' own refusals, before any Spark starts
    say(f"conf: {conf}")
    pipeline = str(Path(args.pipeline).resolve()) if args.pipeline and "://" not in \
        args.pipeline else args.pipeline
    results = run_jobs(conf, corpus, output, args.overwrite, say, submit, pipeline,
                       args.scoring)
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
    from jobs.hfparity_steps.model_fix import (
        default_config,
        record_model_side,
        record_verification,
        run_fix_steps,
        run_model_side,
    )
    from jobs.hfparity_steps.ner_command import fix_command, is_ner_report
    from parity_core.config import load_config
    from parity_core.settings import derive_settings
    from spark_pipelines.fix.inputs import resolve_inputs
    from spark_pipelines.io.publish import Output, local_occupied

    if is_ner_report(args.report):  # a NER check's report: its own fix
        return fix_command(args, say)
    started = time.time()
    inputs = resolve_inputs(args.report, args.left, args.right, args.corpus)
    conf = Path(args.config).resolve() if args.config else default_config(inputs.report_dir)
    settings = derive_settings(load_config(conf))  # the jobs' refusals, before any Spark
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
    side = run_model_side(conf, settings, inputs, output, say)
    if side:
        if side[-1].name.startswith("compare") and side[-1].code in (0, 1):
            page = record_model_side(output, settings, inputs, side)
            say(f"verdict with the input rewrite: {side[-1].last_line}")
            say(f"report with How to fix: {page}")
            last = side[-1]
        else:
            say(f"{side[-1].name} failed (exit {side[-1].code}); the pipeline proposal stands")
    say(f"fix done in {time.time() - started:.1f} s")
    return last.code


def cmd_explain(args: argparse.Namespace) -> int:
    from jobs.hfparity_steps.model_explain import (
        explain_report_row,
        explain_text,
        progress_to_stderr,
    )
    from spark_pipelines.compare.pair_view import as_json, render

    started = time.time()
    if bool(args.report) == bool(args.checkpoint):
        raise BadInput("explain: give --checkpoint DIR and a text, or --report DIR --row ID")
    if args.report:
        if not args.row or args.text is not None:
            raise BadInput("explain --report: give the row with --row ID (and no text)")
        got = explain_report_row(args.report, args.row, args.left, args.right)
    else:
        if args.text is None or args.row:
            raise BadInput('explain --checkpoint: give the text as an argument: "some text"')
        with progress_to_stderr(args.json):
            got = explain_text(_inspect(args), args.text, args.max_length, args.model,
                               args.pipeline, say)
    if args.json:
        print(json.dumps(as_json(got.text, got.left, got.right, got.row, got.labels),
                         ensure_ascii=False, indent=1))
    else:
        print(render(got.text, got.left, got.right, got.row, got.labels, got.tolerance))
        say(f"explain done in {time.time() - started:.1f} s")
    return EXIT_OK


def _sentence_embedding_folder(argv: list[str]) -> bool:
    """import/check/fix --checkpoint DIR where DIR is a sentence-transformers folder (its
    modules.json names a Pooling module): the sentence-embedding task, jobs/sentence_embedding."""
    from parity_core.tasks.sentence_embedding import is_sentence_transformers_folder

    if not argv or argv[0] not in ("import", "check", "fix") or "--checkpoint" not in argv[:-1]:
        return False
    return is_sentence_transformers_folder(argv[argv.index("--checkpoint") + 1])


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if _sentence_embedding_folder(argv):
        from jobs import sentence_embedding

        return sentence_embedding.main(argv)
    args = _parser().parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    command = {"import": cmd_import, "check": cmd_check, "fix": cmd_fix,
               "explain": cmd_explain}[args.command]
    return exit_code(lambda: command(args))


if __name__ == "__main__":
    sys.exit(main())
