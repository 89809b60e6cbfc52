"""Input pass: both sides' model input for every corpus row, compared; the rows to score chosen.

Neither model runs: Hugging Face's tokenizer and Spark NLP's own stages before the classifier
with its pieces code give each row's ids, mask and type ids. Writes a selection folder (rows/,
corpus/ and selection.json): score its corpus/ with jobs/hf_reference.py and
jobs/sparknlp_pipeline.py, then join with `jobs/compare.py --selection` (docs/input-first.md).
Runnable as `spark-submit jobs/input_pass.py` and as `python -m jobs.input_pass`.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from jobs.cli import EXIT_OK, run
from jobs.sparknlp_pipeline import parse_checked

EXAMPLES = """\
  .venv/bin/spark-submit jobs/input_pass.py --config conf/default.yaml \\
      --input ~/.cache/hfparity/default/corpus/default.parquet --output out/selection
  .venv/bin/spark-submit jobs/hf_reference.py --config conf/default.yaml \\
      --input out/selection/corpus --output out/hf
  .venv/bin/spark-submit jobs/sparknlp_pipeline.py --config conf/default.yaml \\
      --input out/selection/corpus --output out/sparknlp
  .venv/bin/spark-submit jobs/compare.py --config conf/default.yaml --left out/hf \\
      --right out/sparknlp --corpus out/selection/corpus --selection out/selection \\
      --output out/report
"""


def main(argv: list[str] | None = None) -> int:
    args, config, settings = parse_checked(__doc__, EXAMPLES, "selection folder", argv)

    from spark_pipelines.jvm.session import get_session
    from spark_pipelines.selection.job import run_input_pass, selection_line

    spark = get_session("hfparity-input-pass")
    selection = run_input_pass(spark, config, settings, args.input, args.output, args.overwrite,
                               args.pipeline)
    print(selection_line(selection, args.output), flush=True)
    return EXIT_OK


if __name__ == "__main__":
    run(main)
