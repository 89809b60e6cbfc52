"""Spark NLP job: one prediction record per corpus row from the served Spark NLP model.

Runnable as `spark-submit jobs/sparknlp_pipeline.py` (the repo root is put on sys.path below, so
the script path works without --py-files on a local master; clusters whose executors do not see
the clone pass `--py-files dist/hfparity-py.zip`) and as `python -m jobs.sparknlp_pipeline`.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from jobs.cli import (
    EXIT_OK,
    base_parser,
    check_config,
    check_corpus_path,
    check_output_path,
    run,
)

EXAMPLES = """\
  .venv/bin/spark-submit jobs/sparknlp_pipeline.py --config conf/default.yaml \\
      --input ~/.cache/hfparity/default/corpus/default.parquet --output out/sparknlp
  spark-submit $(python -m spark_pipelines.jvm.coordinates) \\
      --jars ~/.cache/hfparity/functions/5.5.3/hfparity-functions.jar \\
      jobs/sparknlp_pipeline.py --config conf/default.yaml --input corpus.csv --output out/snlp
  .venv/bin/spark-submit jobs/sparknlp_pipeline.py --config conf/default.yaml \
      --input corpus.csv --output out/deployed --pipeline /models/deployed_pipeline
"""


PIPELINE_HELP = ("score a deployment as it is: a saved PipelineModel, or a Spark NLP "
                 "classifier folder (wrapped in DocumentAssembler -> Tokenizer with Spark NLP's "
                 "defaults); audited against model.checkpoint")


def checked_settings(config: Any, pipeline: str | None) -> Any:
    """The effective settings, once the checkpoint, the Spark NLP model (or the deployment
    folder) are known to be usable: a refusal names the key or folder (exit 2)."""
    from parity_core.checkpoint import inspect_checkpoint
    from parity_core.families.sparknlp_limits import check_sparknlp_can_run
    from parity_core.settings import derive_settings
    from spark_pipelines.sparknlp.pipeline import model_location

    settings = derive_settings(config)
    check_sparknlp_can_run(inspect_checkpoint(settings.checkpoint))
    if pipeline:
        from spark_pipelines.sparknlp.deployment import check_deployment_folder

        check_deployment_folder(pipeline)
    else:
        model_location(config)  # names model.sparknlp_model / model.onnx_export if unusable
    return settings


def parse_checked(doc: str | None, examples: str, output_help: str,
                  argv: list[str] | None) -> tuple[Any, Any, Any]:
    """(args, config, settings) of a job that runs Spark NLP's side on --input into --output,
    optionally on a deployment (--pipeline): every refusal (exit 2) before Spark starts."""
    parser = base_parser(doc, examples)
    parser.add_argument("--input", required=True, help="corpus: parquet, CSV or JSON lines")
    parser.add_argument("--output", required=True, help=output_help)
    parser.add_argument("--pipeline", default=None, help=PIPELINE_HELP)
    args = parser.parse_args(argv)
    config = check_config(args.config)
    check_corpus_path(args.input)
    check_output_path(args.output, args.overwrite)
    return args, config, checked_settings(config, args.pipeline)


def main(argv: list[str] | None = None) -> int:
    args, config, settings = parse_checked(__doc__, EXAMPLES, "records folder (parquet)", argv)

    from spark_pipelines.jvm.session import get_session
    from spark_pipelines.sparknlp.job import run_sparknlp

    spark = get_session("hfparity-sparknlp")
    started = time.time()
    summary = run_sparknlp(spark, config, settings, args.input, args.output, args.overwrite,
                           args.pipeline)
    seconds = time.time() - started
    print(f"sparknlp_pipeline: {summary.rows} records ({summary.rows_in} rows in) -> "
          f"{args.output} in {seconds:.1f} s ({summary.rows / max(seconds, 1e-9):.1f} rows/s); "
          f"statuses {summary.statuses}; {len(summary.warnings)} warnings", flush=True)
    return EXIT_OK


if __name__ == "__main__":
    run(main)
