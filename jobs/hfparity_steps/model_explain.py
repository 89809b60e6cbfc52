"""`hfparity explain`: one text through both sides, or one row of a report, side by side.

From a checkpoint and a text: the Hugging Face reference (hf_reference.scorer) and the Spark NLP
pipeline matched to the checkpoint (spark_pipelines.sparknlp.pipeline, or a user's saved
deployment as it is: deploy_run) each write the text's record in this process, on a local Spark
session with the Spark NLP jars; the reference re-runs Spark NLP's exact model input (the
counterfactual, explain/rerun.py, as the controlled experiment does it in process); the join
explains the pair (compare/pairs.py: the report's own build_rows, so status, cause and evidence
are what a report would hold). The Spark NLP model is the checkpoint's import: found where
`make setup` puts one (onnx/ and sparknlp_model/ beside the checkpoint folder) or in --model,
else imported once into the cache (hfparity_steps/model_import.py, its own Spark process).

From a report and a row id: the row from rows/ and the two records from the records folders
beside it (hf/, sparknlp/); no model runs, no Spark.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from parity_core.checkpoint import CheckpointInfo
from parity_core.config import (
    CompareConfig,
    ModelConfig,
    ProjectConfig,
    TokenizationConfig,
    cache_dir,
)
from parity_core.errors import BadInput
from parity_core.files import FINGERPRINT_FILE, ROWS_DIR, SUMMARY_FILE
from parity_core.records import STATUS_OK
from parity_core.settings import EffectiveSettings, derive_settings

RECORD_ID = "explain"
IMPORTS_DIR = "imports"  # cache_dir()/imports/<sha256 of the checkpoint path>[:16]
QUIET = {"spark.ui.showConsoleProgress": "false"}  # no stage bars between the lines printed


def add_explain_parser(commands: Any) -> None:
    """The `explain` subcommand's arguments (jobs/hfparity.py runs it: cmd_explain)."""
    explain = commands.add_parser("explain", help="one text through both sides (or one row of "
                                  "a report): words, pieces, ids, mask, labels and the cause")
    explain.add_argument("text", nargs="?", help="the text (with --checkpoint)")
    explain.add_argument("--checkpoint", help="Hugging Face checkpoint folder")
    explain.add_argument("--max-length", type=int, default=128,
                         help="model-input length, [CLS]/[SEP] included (default 128)")
    explain.add_argument("--model", default=None, help="folder of the checkpoint's import "
                         "(`hfparity import --output`); default: beside the checkpoint, else "
                         "the cache (imported there when missing)")
    explain.add_argument("--pipeline", default=None, help="a saved Spark NLP deployment "
                         "(PipelineModel or classifier folder) to explain as it is")
    explain.add_argument("--report", help="a report folder (check's or compare's)")
    explain.add_argument("--row", help="the row id to explain (with --report)")
    explain.add_argument("--left", default=None, help="Hugging Face records (default: ../hf)")
    explain.add_argument("--right", default=None, help="Spark NLP records (default: "
                         "../sparknlp)")
    explain.add_argument("--json", action="store_true", help="print one JSON document (the "
                         "records, the report row, the aligned lines); progress goes to stderr")


@dataclass(frozen=True)
class Explained:
    """One text's two records (None: that side has no record) and its report row."""

    text: str | None
    left: dict[str, Any] | None
    right: dict[str, Any] | None
    row: dict[str, Any]
    labels: tuple[str, ...]
    tolerance: float


def model_section(info: CheckpointInfo, model: str | None,
                  say: Callable[[str], None]) -> ModelConfig:
    """The conf's model section for this checkpoint: --model when given (imported there if needed),
    else set-up's layout beside the checkpoint when it holds this checkpoint's import, else the
    cache's import folder for this checkpoint path (imported there once)."""
    from jobs.hfparity_steps.model_import import import_checkpoint, imported_at

    found = None if model else imported_at(info, info.folder.parent)
    if found is not None:
        say(f"import: found beside the checkpoint ({found.sparknlp_model})")
    else:
        key = hashlib.sha256(str(info.folder.resolve()).encode("utf-8")).hexdigest()[:16]
        folder = Path(model) if model else cache_dir() / IMPORTS_DIR / key
        found = import_checkpoint(info, folder, say=say)
    return ModelConfig(str(info.folder), str(found.sparknlp_model), str(found.onnx))


def _sparknlp_run(spark: Any, config: ProjectConfig, settings: EffectiveSettings,
                  pipeline: str | None) -> Any:  # -> SparkNlpRun
    """The matched pipeline, or the user's deployment as it is (audited against the
    checkpoint)."""
    if pipeline:
        from spark_pipelines.sparknlp.deploy_run import build_deployment_run

        return build_deployment_run(spark, config, settings, pipeline)
    from spark_pipelines.sparknlp.pipeline import build_pipeline

    return build_pipeline(spark, config, settings)


def counterfactual(scorer: Any, right: dict[str, Any], tolerance: float
                   ) -> dict[str, Any] | None:
    """The reference on the right side's exact model input, as the report's counterfactual
    computes it (explain/rerun.score_rows); None when the right side has no scored pieces."""
    from spark_pipelines.explain.rerun import score_rows

    if right.get("status") != STATUS_OK or not right.get("pieces") \
            or right.get("probabilities") is None:
        return None
    row = {"id": right["id"], "pieces": right["pieces"],
           "right_probabilities": right["probabilities"],
           **{name: right.get(name) for name in ("input_ids", "attention_mask",
                                                 "token_type_ids")}}
    return score_rows(scorer, [row], tolerance)[0]


def _config(info: CheckpointInfo, max_length: int, model: str | None, pipeline: str | None,
            say: Callable[[str], None]) -> ProjectConfig:
    """The conf both sides run with: the defaults, this checkpoint, its import (none for a
    deployment, which brings its own classifier and has its model identity audited)."""
    if pipeline and not Path(pipeline).exists():
        raise BadInput(f"--pipeline {pipeline}: no such folder")
    section = ModelConfig(str(info.folder), "", "") if pipeline else \
        model_section(info, model, say)
    return ProjectConfig(model=section, tokenization=TokenizationConfig(max_length),
                         source="hfparity explain")


def _sparknlp_record(spark: Any, config: ProjectConfig, settings: EffectiveSettings,
                     pipeline: str | None, text: str, say: Callable[[str], None]
                     ) -> tuple[dict[str, Any], Any]:
    """The Spark NLP side's record of `text`, made by the job's own annotate, and what the join
    knows of the run (DeploymentFacts: its audit and family; one row shows no label order)."""
    from spark_pipelines.explain.deployment_causes import DeploymentFacts
    from spark_pipelines.sparknlp.pipeline import annotate

    run = _sparknlp_run(spark, config, settings, pipeline)
    for warning in run.warnings:
        say(f"warning: {warning}")
    corpus = spark.createDataFrame([(RECORD_ID, text)], "id string, text string")
    record = annotate(corpus, run, settings, min_partitions=1).collect()[0].asDict(True)
    return record, DeploymentFacts(run.audit, None, run.family.name)


def explain_text(info: CheckpointInfo, text: str, max_length: int, model: str | None,
                 pipeline: str | None, say: Callable[[str], None]) -> Explained:
    """Both sides' records of `text`, the counterfactual and the join's row, in this process
    (a Spark session already active is used and left running; one started here is stopped)."""
    from pyspark.sql import SparkSession

    from hf_reference.scorer import ReferenceScorer
    from spark_pipelines.compare.pairs import Pair, explain_records
    from spark_pipelines.jvm.session import get_session

    config = _config(info, max_length, model, pipeline, say)
    settings = derive_settings(config, str(info.folder))
    tolerance = CompareConfig().probability_tolerance
    step = time.time()
    scorer = ReferenceScorer(settings)
    left = scorer.score([RECORD_ID], [text])[0]
    say(f"Hugging Face: {left.get('label')} ({time.time() - step:.1f} s, model load included)")
    ours = SparkSession.getActiveSession() is None
    step = time.time()
    spark = get_session("hfparity-explain", master="local[1]", conf=QUIET)
    try:
        right, facts = _sparknlp_record(spark, config, settings, pipeline, text, say)
        say(f"Spark NLP: {right.get('label')} ({time.time() - step:.1f} s, Spark start and "
            "model load included)")
        step = time.time()
        cf = counterfactual(scorer, right, tolerance)
        row = explain_records(spark, [Pair(left, right, text, cf)], tolerance, facts)[0]
        say(f"join: {row['status']} ({time.time() - step:.1f} s, counterfactual included)")
    finally:
        if ours:
            spark.stop()
    row["id"] = RECORD_ID
    return Explained(text, left, right, row, settings.labels, tolerance)


@contextlib.contextmanager
def progress_to_stderr(active: bool) -> Iterator[None]:
    """With `active`, everything printed meanwhile goes to stderr, the JVM's output included
    (it writes to file descriptor 1), so stdout holds only what is printed afterwards (--json)."""
    if not active:
        yield
        return
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def _one(folder: Path, row_id: str) -> dict[str, Any] | None:
    """The row of `folder`'s parquet whose id is row_id (None when there is none)."""
    import pyarrow.dataset as ds

    found = ds.dataset(str(folder), format="parquet", exclude_invalid_files=True) \
        .to_table(filter=ds.field("id") == row_id).to_pylist()
    return found[0] if found else None


def _records_folder(path: Path, flag: str) -> Path:
    if not (path / FINGERPRINT_FILE).is_file():
        raise BadInput(f"{flag} {path}: not a records folder (no {FINGERPRINT_FILE}); name the "
                       f"run's records with {flag}")
    return path


def explain_report_row(report: str, row_id: str, left: str | None = None,
                       right: str | None = None) -> Explained:
    """A report's row and the two records behind it, read from disk (local folders)."""
    from spark_pipelines.fix.inputs import report_folder

    report_dir = report_folder(report)
    row = _one(report_dir / ROWS_DIR, row_id)
    if row is None:
        raise BadInput(f"--row {row_id}: no such id in {report_dir / ROWS_DIR}")
    left_dir = _records_folder(Path(left) if left else report_dir.parent / "hf", "--left")
    right_dir = _records_folder(Path(right) if right else report_dir.parent / "sparknlp",
                                "--right")
    summary = json.loads((report_dir / SUMMARY_FILE).read_text(encoding="utf-8"))
    labels = tuple(summary.get("settings", {}).get("labels") or ())
    tolerance = summary.get("thresholds", {}).get("probability_tolerance")
    return Explained(row.get("text"), _one(left_dir, row_id), _one(right_dir, row_id), row,
                     labels, tolerance)
