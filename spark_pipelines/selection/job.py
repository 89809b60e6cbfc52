"""The input pass as a library call: compare both sides' model input, choose, publish the
selection folder.

The folder (published atomically, spark_pipelines/io/publish.py) holds:
  rows/           parquet, every corpus row: id, text, reason, scored_as (choose.py)
  corpus/         parquet, the rows to score, one per distinct text: the corpus the two
                  producers score (named with the configured id and text columns)
  selection.json  the counts, the sample's size and seed, the target bound, the corpus digest
The join (jobs/compare.py --selection) fans the scored rows' results back to every row.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict

from pyspark import StorageLevel
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from parity_core.config import ProjectConfig
from parity_core.files import COMPLETE_MARKER
from parity_core.sampling import sample_size
from parity_core.settings import EffectiveSettings
from spark_pipelines.io.corpus import read_corpus_digest
from spark_pipelines.io.publish import Output, check_free, publish, write_text
from spark_pipelines.io.selection import CORPUS, ROWS, SELECTION_FILE, Selection
from spark_pipelines.report.schema import NOT_SCORED, SCORING_REASONS
from spark_pipelines.selection.choose import choose
from spark_pipelines.selection.inputs import compared_inputs
from spark_pipelines.sparknlp.job import build_run


def run_input_pass(spark: SparkSession, config: ProjectConfig, settings: EffectiveSettings,
                   corpus_path: str, out_dir: str, overwrite: bool = False,
                   pipeline_dir: str | None = None) -> Selection:
    """Compare every row's model input, choose the rows to score, publish the folder."""
    started = time.time()
    out = Output(out_dir, f"--output {out_dir}", overwrite)
    check_free(spark, out)
    corpus, digest = read_corpus_digest(spark, corpus_path, config.corpus.id_column,
                                        config.corpus.text_column)
    run = build_run(spark, config, settings, pipeline_dir)
    batch_size = (run.classifier_settings.batch_size if run.classifier_settings
                  else settings.sparknlp_classifier.batch_size)
    target = sample_size(config.compare.unscored_bound, config.compare.bound_confidence)
    # Computed once: choose() reads the inputs three times (the window over corpus order, the
    # sample, the same-text groups); unpersisted, each would re-run both tokenizers.
    inputs = compared_inputs(corpus, settings, run).persist(StorageLevel.MEMORY_AND_DISK)
    inputs.count()
    chosen = choose(inputs, batch_size, target, config.compare.sample_seed)

    def write(tmp: str) -> Selection:
        chosen.write.parquet(f"{tmp}/{ROWS}")
        rows = spark.read.parquet(f"{tmp}/{ROWS}")
        (rows.where(F.col("id") == F.col("scored_as"))
         .select(F.col("id").alias(config.corpus.id_column),
                 F.col("text").alias(config.corpus.text_column))
         .write.parquet(f"{tmp}/{CORPUS}"))
        counts = {r["reason"]: r["count"] for r in rows.groupBy("reason").count().collect()}
        texts = spark.read.parquet(f"{tmp}/{CORPUS}").count()
        selection = Selection(
            corpus=corpus_path, corpus_digest=digest, rows=sum(counts.values()),
            reasons={r: int(counts.get(r, 0)) for r in SCORING_REASONS}, texts_scored=texts,
            sample_target=target, seed=config.compare.sample_seed,
            unscored_bound=config.compare.unscored_bound,
            confidence=config.compare.bound_confidence, batch_size=batch_size,
            seconds=round(time.time() - started, 1), pipeline=pipeline_dir,
            warnings=list(run.warnings))
        write_text(spark, f"{tmp}/{SELECTION_FILE}",
                   json.dumps(asdict(selection), indent=2, sort_keys=True) + "\n")
        write_text(spark, f"{tmp}/{COMPLETE_MARKER}", "{}\n")
        return selection

    try:
        selection = publish(spark, out, write, during="choosing rows")
    finally:
        inputs.unpersist()
    if selection.rows != int(digest["rows"]):
        raise RuntimeError(f"{out_dir}: {selection.rows} selection rows for {digest['rows']} "
                           "corpus rows")
    return selection


def selection_line(selection: Selection, out_dir: str) -> str:
    """The line jobs/input_pass.py prints."""
    scored = selection.rows - selection.reasons.get(NOT_SCORED, 0)
    shown = ", ".join(f"{k} {v:,}" for k, v in selection.reasons.items() if v)
    return (f"hfparity input pass: {scored:,} of {selection.rows:,} rows to score "
            f"({selection.texts_scored:,} distinct texts; {shown}) in {selection.seconds:.1f} s; "
            f"selection {out_dir.rstrip('/')}")
