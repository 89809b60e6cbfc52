"""Hugging Face reference job: one prediction record per corpus row, scored on the executors."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import replace

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
  .venv/bin/spark-submit jobs/hf_reference.py --config conf/default.yaml \\
      --input ~/.cache/hfparity/default/corpus/default.parquet --output out/hf
  spark-submit --master spark://host:7077 --py-files dist/hfparity-py.zip jobs/hf_reference.py \\
      --config conf/default.yaml --input hdfs:///corpus.parquet --output hdfs:///runs/hf
"""


def main(argv: list[str] | None = None) -> int:
    parser = base_parser(__doc__, EXAMPLES)
    parser.add_argument("--input", required=True, help="corpus: parquet, CSV or JSON lines")
    parser.add_argument("--output", required=True, help="records folder (parquet)")
    parser.add_argument("--checkpoint", help="override model.checkpoint")
    parser.add_argument("--precision", choices=("fp32", "bf16", "fp16"),
                        help="override inference.precision (the reference model's dtype)")
    parser.add_argument("--device", choices=("cpu", "cuda"), help="override inference.device")
    args = parser.parse_args(argv)
    config = check_config(args.config)
    check_corpus_path(args.input)
    check_output_path(args.output, args.overwrite)
    from parity_core.settings import derive_settings

    settings = derive_settings(config, args.checkpoint)
    settings = replace(settings, precision=args.precision or settings.precision,
                       device=args.device or settings.device)
    from hf_reference.model import check_numerics

    check_numerics(settings.precision, settings.device)  # refused before Spark starts

    from spark_pipelines.hf.job import run_hf_reference
    from spark_pipelines.jvm.session import get_session

    spark = get_session("hfparity-hf-reference")
    started = time.time()
    summary = run_hf_reference(spark, config, settings, args.input, args.output, args.overwrite)
    seconds = time.time() - started
    print(f"hf_reference: {summary.rows} records -> {args.output} in {seconds:.1f} s "
          f"({summary.rows / max(seconds, 1e-9):.1f} rows/s); statuses {summary.statuses}")
    return EXIT_OK


if __name__ == "__main__":
    run(main)
