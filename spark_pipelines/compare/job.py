"""The join job as a library call: two runs + corpus -> rows/, summary.json, index.html.

Publishing is atomic at folder level, as for every output (spark_pipelines/io/publish.py):
everything is written into a hidden temp folder beside the output (rows/ parquet, summary.json,
index.html, then the completion marker), which is then renamed into place; an existing
non-empty output is replaced only with overwrite.
`passed` is the summary's gate (summary_model.Summary, which also makes the verdict line);
jobs/compare.py turns it into exit 0 or 1 (bad input raises BadInput, which jobs/cli.py turns
into 2).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyspark.sql import DataFrame, SparkSession

from parity_core.config import ProjectConfig
from parity_core.errors import BadInput
from parity_core.files import COMPLETE_MARKER, REPORT_FILE, ROWS_DIR, SUMMARY_FILE, is_remote
from parity_core.settings import EffectiveSettings
from spark_pipelines.compare.inputs import CompareInputs, load_inputs
from spark_pipelines.compare.rows import build_rows
from spark_pipelines.compare.scoring import fan_out, scoring_summary
from spark_pipelines.explain.deployment_causes import DeploymentFacts, deployment_facts
from spark_pipelines.io.publish import Output, check_free, publish, write_text
from spark_pipelines.io.selection import CORPUS, ROWS, Selection, read_selection
from spark_pipelines.report.model import Summary, plain
from spark_pipelines.report.scoring_model import Scoring

COUNTERFACTUAL_MODES = ("auto", "on", "off")


@dataclass(frozen=True)
class CompareResult:
    """What a compare run decided and where it wrote it; the verdict is the summary's."""

    summary: Summary
    out_dir: str
    counterfactual: bool

    @property
    def passed(self) -> bool:
        return self.summary.passed

    @property
    def line(self) -> str:
        """The one verdict line the job prints."""
        return self.summary.line(self.out_dir)


def left_checkpoint(fingerprint: dict[str, Any]) -> str | None:
    """The checkpoint folder the left run scored with, as its fingerprint records it."""
    return (fingerprint.get("settings") or {}).get("checkpoint")


def use_counterfactual(mode: str, left_fingerprint: dict[str, Any]) -> bool:
    """auto: on when the left run is Hugging Face and its checkpoint folder is here; on/off force
    (on refuses a left checkpoint that is not a local folder: there is nothing to re-run)."""
    if mode not in COUNTERFACTUAL_MODES:
        raise BadInput(f"--counterfactual {mode}: use one of {', '.join(COUNTERFACTUAL_MODES)}")
    if mode == "off":
        return False
    checkpoint = left_checkpoint(left_fingerprint)
    local = bool(checkpoint) and not is_remote(checkpoint) and Path(checkpoint).is_dir()
    if mode == "on" and not local:
        raise BadInput(f"--counterfactual on: the left run's checkpoint {checkpoint!r} is not a "
                       "local folder, so the reference model cannot be re-run")
    return local and (mode == "on" or left_fingerprint.get("framework") == "huggingface")


def reference_settings(left_fingerprint: dict[str, Any], fallback: EffectiveSettings
                       ) -> EffectiveSettings:
    """The left run's own settings (what the reference model was run with), else `fallback`."""
    recorded = left_fingerprint.get("settings")
    if isinstance(recorded, dict):
        try:
            return EffectiveSettings.from_dict(recorded)
        except (KeyError, TypeError):
            pass
    return fallback


def right_onnx(config: ProjectConfig, right_fingerprint: dict[str, Any]
               ) -> tuple[str | None, str]:
    """(the right run's ONNX export folder, why) when the configured model.onnx_export is the
    very graph the right Spark NLP run used (same onnx_sha256), else (None, why not)."""
    from parity_core.fingerprint import read_model_manifest

    folder = config.onnx_export_path()
    used = (right_fingerprint.get("sparknlp") or {}).get("onnx_sha256")
    if right_fingerprint.get("framework") != "sparknlp" or not used:
        return None, "the right run is not a Spark NLP run that recorded its ONNX sha256"
    if not folder or is_remote(folder) or not (Path(folder) / "model.onnx").is_file():
        return None, f"model.onnx_export {folder!r} holds no model.onnx"
    try:
        export = read_model_manifest(folder)
    except FileNotFoundError:
        return None, f"model.onnx_export {folder}: no manifest"
    if export.get("onnx_sha256") != used:
        return None, (f"model.onnx_export {folder} is not the graph the right run used "
                      f"(onnx_sha256 {str(export.get('onnx_sha256'))[:12]} vs {used[:12]})")
    return folder, "the right run's ONNX graph"


def report_rows(spark: SparkSession, inputs: CompareInputs, settings: EffectiveSettings,
                tolerance: float, counterfactual: bool,
                deployment: DeploymentFacts | None = None,
                config: ProjectConfig | None = None) -> DataFrame:
    """The report rows, with the counterfactual re-run (and, for label flips, the re-run of
    one difference at a time: explain/flips.py) joined in when asked, and the per-layer
    localisation of numerics rows when the right run's ONNX graph is at hand."""
    scores, localiser = None, None
    if counterfactual:
        from spark_pipelines.explain.counterfactual import counterfactual_scores
        from spark_pipelines.explain.flips import flip_scores

        reference = reference_settings(inputs.left_fingerprint, settings)
        scores = counterfactual_scores(inputs.left, inputs.right, reference, tolerance) \
            .join(flip_scores(inputs.left, inputs.right, reference, tolerance), "id", "left")
        onnx, why = right_onnx(config, inputs.right_fingerprint) if config else (None, "")
        if onnx is not None:
            localiser = _localiser(reference, onnx, config.compare.layer_tolerance)
        elif why:
            print(f"compare: no per-layer localisation: {why}", file=sys.stderr, flush=True)
    return build_rows(inputs.corpus, inputs.left, inputs.right, tolerance, scores, deployment,
                      localiser)


def _localiser(reference: EffectiveSettings, onnx: str, layer_tolerance: float
               ) -> Callable[[DataFrame], DataFrame]:
    from parity_core.fingerprint import read_model_manifest
    from spark_pipelines.explain.localisation import localise_layers

    inputs = read_model_manifest(onnx).get("onnx_inputs") or ["input_ids", "attention_mask",
                                                              "token_type_ids"]
    model = str(Path(onnx) / "model.onnx")
    return lambda rows: localise_layers(rows, reference, model, inputs, layer_tolerance)


def _publish(spark: SparkSession, rows: DataFrame, summary_of: Callable[[DataFrame], Summary],
             out: Output) -> Summary:
    """Write rows/, summary.json, index.html and the marker into a temp folder, then rename."""
    from spark_pipelines.report.html import render_report

    # The folder as the page's `hfparity fix` command names it: absolute when local.
    shown_dir = (out.path if is_remote(out.path)
                 else str(Path(out.path.removeprefix("file://")).resolve()))

    def write(tmp_dir: str) -> Summary:
        rows_path = f"{tmp_dir}/{ROWS_DIR}"
        rows.write.mode("error").parquet(rows_path)
        # The summary reads what was written: parquet gives each of its passes only the
        # columns it needs, which beats caching the wide rows for a second read.
        summary = summary_of(spark.read.parquet(rows_path))
        write_text(spark, f"{tmp_dir}/{SUMMARY_FILE}", summary.to_json())
        write_text(spark, f"{tmp_dir}/{REPORT_FILE}", render_report(summary, shown_dir))
        write_text(spark, f"{tmp_dir}/{COMPLETE_MARKER}",
                   json.dumps(plain(summary.gate), sort_keys=True) + "\n")
        return summary

    return publish(spark, out, write, during="comparing")


def _selected(spark: SparkSession, selection_dir: str, inputs: CompareInputs, widened: bool
              ) -> tuple[DataFrame, Selection]:
    """The selection's rows, once the runs are known to be of its scored corpus (or, widened,
    of the whole corpus it was made from)."""
    selection = read_selection(spark, selection_dir)
    if widened and inputs.corpus_digest != selection.corpus_digest:
        raise BadInput(f"--widened: the runs' corpus has digest {inputs.corpus_digest}, but "
                       f"--selection {selection_dir} was made from {selection.corpus} "
                       f"({selection.corpus_digest}); widened runs score the whole corpus")
    if not widened and int(inputs.corpus_digest["rows"]) != selection.texts_scored:
        raise BadInput(f"--selection {selection_dir}: its {CORPUS}/ has "
                       f"{selection.texts_scored} rows, the runs' corpus "
                       f"{inputs.corpus_digest['rows']}; score {selection_dir}/{CORPUS} "
                       "with both producers (or pass --widened for runs of the whole corpus)")
    return spark.read.parquet(f"{selection_dir.rstrip('/')}/{ROWS}"), selection


def run_compare(spark: SparkSession, config: ProjectConfig, settings: EffectiveSettings,
                left_dir: str, right_dir: str, corpus_path: str, out_dir: str,
                overwrite: bool = False, allow_model_mismatch: bool = False,
                counterfactual: str = "auto", selection_dir: str | None = None,
                widened: bool = False) -> CompareResult:
    """Compare two runs on `corpus_path` and publish the report folder `out_dir`.

    selection_dir: input-first scoring (jobs/input_pass.py): the runs scored the selection's
    corpus/ (widened: the whole corpus), and the report covers every row of the corpus the
    selection was made from (compare/scoring.py).
    """
    from spark_pipelines.compare.summary import build_summary

    out = Output(out_dir, f"--output {out_dir}", overwrite)
    check_free(spark, out)
    inputs = load_inputs(spark, config, left_dir, right_dir, corpus_path, allow_model_mismatch)
    cf_on = use_counterfactual(counterfactual, inputs.left_fingerprint)
    tolerance = config.compare.probability_tolerance
    facts = deployment_facts(inputs.left, inputs.right, inputs.left_fingerprint,
                             inputs.right_fingerprint, settings.labels, tolerance)
    rows = report_rows(spark, inputs, settings, tolerance, cf_on, facts, config)
    selection = None
    if selection_dir:
        chosen, selection = _selected(spark, selection_dir, inputs, widened)
        rows = fan_out(rows, chosen, widened)

    def scoring_of(written: DataFrame) -> Scoring | None:
        if selection is None:
            return None
        return scoring_summary(written, selection.texts_scored, selection.unscored_bound,
                               selection.confidence, selection.seed, widened)

    summary = _publish(
        spark, rows,
        lambda written: build_summary(written, inputs.left_fingerprint,
                                      inputs.right_fingerprint, config, settings, cache=False,
                                      deployment=facts, scoring=scoring_of(written)),
        out)
    return CompareResult(summary, out_dir, cf_on)
