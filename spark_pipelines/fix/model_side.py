"""The fix's model side: the pipeline with its classifier's model swapped for the rewritten export
(hf_reference/input_rewrite.py), and the before/after of that run, from report rows.

The swap is a file operation on a saved PipelineModel: the classifier stage keeps its
parameters, labels and vocabulary (the rewrite leaves the assets as they are) and only the ONNX
file Spark NLP saved with it is replaced by the one Spark NLP's own `loadSavedModel` wrote when
it imported the rewritten export; so no Spark session has to hold two models (Spark NLP keeps one
model.onnx per SparkContext), and the Spark NLP job loads the result like any deployment.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from parity_core.audit import audit_of
from parity_core.errors import BadInput
from parity_core.families.input_rewrite import InputRewrite
from parity_core.settings import EffectiveSettings
from spark_pipelines.fix.inputs import FixInputs, read_rows
from spark_pipelines.fix.metrics import figures, regressions
from spark_pipelines.fix.remaining import Limits
from spark_pipelines.fix.run import (
    PROPOSAL_DIR,
    RUNS_DIR,
    fix_row,
    remaining_groups,
    typed_figures,
)
from spark_pipelines.report.fix_model import FixModelSide
from spark_pipelines.sparknlp.deployment import ONNX_SUFFIX

MODEL_SIDE_DIR = "model_side"


def starting_pipeline(output: Path, inputs: FixInputs) -> tuple[Path, str]:
    """(the saved pipeline the rewrite goes into, how the page names it): the proposal when the
    fix proposed one, else the pipeline behind the report."""
    if (output / PROPOSAL_DIR).is_dir():
        return output / PROPOSAL_DIR, "the proposed pipeline"
    audit = audit_of(inputs.right_fingerprint)
    if audit is not None:
        return Path(str((inputs.right_fingerprint.get("sparknlp") or {})["model_dir"])), \
            "the deployed pipeline"
    return output / RUNS_DIR / "base" / PROPOSAL_DIR, "the report's pipeline"


def _single_model_file(folder: Path) -> Path:
    found = sorted(p for p in folder.rglob(f"*{ONNX_SUFFIX}") if p.is_file())
    if len(found) != 1:
        raise BadInput(f"{folder}: {len(found)} files named *{ONNX_SUFFIX}; the model swap needs "
                       "exactly one classifier model")
    return found[0]


def swap_model(pipeline_dir: Path, imported_dir: Path, out_dir: Path) -> Path:
    """A copy of the saved pipeline whose classifier runs the imported model (same annotator:
    the file names must agree, else the imported model is of another family)."""
    theirs = _single_model_file(imported_dir)
    shutil.rmtree(out_dir, ignore_errors=True)
    shutil.copytree(pipeline_dir, out_dir)
    ours = _single_model_file(out_dir)
    if ours.name != theirs.name:
        raise BadInput(f"{imported_dir}: model file {theirs.name}, the pipeline's classifier "
                       f"saves {ours.name}; import the rewrite with the pipeline's annotator")
    shutil.copyfile(theirs, ours)
    for crc in ours.parent.glob(f".{ours.name}.crc"):  # Hadoop's checksum of the old file
        crc.unlink()
    return out_dir


def rewrite_conf(conf: Path, onnx_dir: Path, sparknlp_dir: Path, out: Path) -> Path:
    """The conf with the rewritten export and its import as the model: the deployment's ONNX is
    then checked against the rewritten export, whose manifest names the checkpoint's weights."""
    document = yaml.safe_load(conf.read_text(encoding="utf-8")) or {}
    model = dict(document.get("model") or {})
    model.update(onnx_export=str(onnx_dir), sparknlp_model=str(sparknlp_dir))
    document["model"] = model
    out.write_text(f"# {conf} with the rewritten export (`hfparity fix`, model side)\n"
                   + yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return out


def model_side_result(settings: EffectiveSettings, rewrite: InputRewrite, check: str,
                      folders: dict[str, Path], starts_from: str, before_report: Path,
                      compare_exit: int, verdict: str) -> FixModelSide:
    """Before (the run the rewrite starts from) and after (with it), with regressions and what
    remains, from the two reports' rows; folders: onnx, pipeline, records, report."""
    from parity_core.families.pattern import tokenizer_model

    limits = Limits(settings.strip_accents, settings.max_input_chars_per_word,
                    settings.tokenize_chinese_chars, tokenizer_model(settings))
    before, after = read_rows(before_report), read_rows(folders["report"])
    lost = regressions(before, after)
    return FixModelSide(
        family=rewrite.family, rules=rewrite.rules, rewrite=rewrite.describe(), check=check,
        onnx_dir=str(folders["onnx"]), pipeline_dir=str(folders["pipeline"]),
        records_dir=str(folders["records"]), report_dir=str(folders["report"]),
        starts_from=starts_from, before=typed_figures(figures(before)),
        after=typed_figures(figures(after)),
        regressions=tuple(fix_row(r, limits) for _, r in lost.iterrows()),
        remaining=remaining_groups(after, limits), compare_exit=compare_exit, verdict=verdict)
