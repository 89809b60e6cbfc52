"""A Spark NLP deployment as it is: a saved PipelineModel, or a classifier folder saved elsewhere.

Stages are found by type, never by position or column name: the classifier is the stage whose
JVM class is a family's *ForSequenceClassification; the stages that feed it are followed back
through their input and output columns. A classifier folder without a pipeline is wrapped in
DocumentAssembler -> Tokenizer with Spark NLP's defaults (what `pretrained()` users do), and the
audit says so. Nothing is reset: the deployed classifier keeps its own caseSensitive,
maxSentenceLength, labels and vocabulary, which is the point of auditing it.

The model identity for the join is checked here too, not assumed (deployment_hashes): the
deployed ONNX file's sha256 against the configured export's (whose manifest names the
checkpoint). This module is the bottom of spark_pipelines/sparknlp: pipeline.py, audit.py and
deploy_run.py import it, it imports none of them.
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyspark.sql import SparkSession

from parity_core.checkpoint import FAMILIES, Family
from parity_core.config import ProjectConfig
from parity_core.errors import ConfigError
from parity_core.families.input_rewrite import (
    InputRewrite,
    read_onnx_metadata,
    rewrite_of_metadata,
)
from parity_core.fingerprint import read_model_manifest

ONNX_SUFFIX = "_classification_onnx"
PIPELINE_CLASS = "org.apache.spark.ml.PipelineModel"
ASSEMBLER = "DocumentAssembler"
TOKENIZERS = ("TokenizerModel", "RegexTokenizer", "RecursiveTokenizerModel", "Tokenizer")
SENTENCE_DETECTORS = ("SentenceDetector", "SentenceDetectorDLModel")
WRAP_INPUT_COLS = ("document", "token")
WRAP_OUTPUT_COL = "class"
WRAPPED_NOTE = ("a classifier folder without a pipeline: wrapped in DocumentAssembler -> "
                "Tokenizer with Spark NLP's defaults, as a deployment that loads it alone would")


@dataclass
class Deployment:
    """The deployed pipeline and its stages by role (each a pyspark stage object)."""

    pipeline: Any  # pyspark.ml.PipelineModel
    source: str  # "pipeline" or "classifier"
    location: str
    family: Family
    classifier: Any
    tokenizer: Any | None
    assembler: Any | None
    sentence_detectors: list[Any]
    text_stages: list[Any]  # anything else feeding the classifier: it may change the text
    text_col: str
    doc_col: str
    token_col: str
    class_col: str
    notes: list[str]


def java_name(stage: Any) -> str:
    """The simple JVM class name of a pipeline stage."""
    return str(stage._java_obj.getClass().getSimpleName())


def param(stage: Any, name: str) -> Any:
    """A JVM param's value (set or default), None when the stage has no such param or it is
    neither set nor defaulted."""
    jobj = stage._java_obj
    if not jobj.hasParam(name) or not jobj.isDefined(jobj.getParam(name)):
        return None
    value = jobj.getOrDefault(jobj.getParam(name))
    return list(value) if hasattr(value, "__iter__") and not isinstance(value, str) else value


def _family(stage: Any) -> Family | None:
    name = java_name(stage)
    return next((f for f in FAMILIES.values() if f.sparknlp_annotator == name), None)


def _metadata_class(spark: SparkSession, folder: str) -> str:
    from pyspark.ml.util import DefaultParamsReader

    return str(DefaultParamsReader.loadMetadata(folder, spark.sparkContext)["class"])


def saved_model_family(spark: SparkSession, folder: str) -> Family:
    """The family of a saved Spark NLP model, from the class its metadata names."""
    name = _metadata_class(spark, folder)
    for family in FAMILIES.values():
        if name.rsplit(".", 1)[-1] == family.sparknlp_annotator:
            return family
    supported = ", ".join(f.sparknlp_annotator for f in FAMILIES.values())
    raise ConfigError(f"model.sparknlp_model {folder}: a saved {name}; supported: {supported}")


def check_deployment_folder(folder: str) -> None:
    """Refuse a folder that is not a saved Spark ML stage before Spark starts."""
    if "://" in folder:
        return
    if not (Path(folder) / "metadata").is_dir():
        raise ConfigError(f"--pipeline {folder}: not a saved Spark NLP pipeline or classifier "
                          "(no metadata/ folder); save it with PipelineModel.write().save(DIR) "
                          "or classifier.write().save(DIR)")


def _wrap(spark: SparkSession, classifier: Any) -> Any:
    """DocumentAssembler -> Tokenizer (defaults) -> classifier, on the classifier's input cols."""
    from pyspark.ml import Pipeline
    from sparknlp.annotator import Tokenizer
    from sparknlp.base import DocumentAssembler

    inputs = param(classifier, "inputCols")
    if not inputs or param(classifier, "outputCol") is None:
        # Saved with no columns (as loadSavedModel leaves them): Spark NLP's usual names.
        # param() and the audit read the JVM side, so the values are pushed there too.
        inputs = inputs or list(WRAP_INPUT_COLS)
        classifier.setInputCols(inputs)
        if param(classifier, "outputCol") is None:
            classifier.setOutputCol(WRAP_OUTPUT_COL)
        classifier._transfer_params_to_java()
    doc_col, token_col = inputs
    stages = [DocumentAssembler().setInputCol("text").setOutputCol(doc_col),
              Tokenizer().setInputCols([doc_col]).setOutputCol(token_col), classifier]
    return Pipeline(stages=stages).fit(spark.createDataFrame([], "text string"))


def _feeding(stages: list[Any], classifier: Any) -> list[Any]:
    """The stages whose output reaches the classifier, in pipeline order."""
    producers = {}
    for stage in stages:
        out = param(stage, "outputCol")
        if out is not None:
            producers[out] = stage
    needed, seen = list(param(classifier, "inputCols") or []), set()
    while needed:
        column = needed.pop()
        stage = producers.get(column)
        if stage is None or id(stage) in seen:
            continue
        seen.add(id(stage))
        needed.extend(param(stage, "inputCols") or [])
        single = param(stage, "inputCol")
        if single:
            needed.append(single)
    return [s for s in stages if id(s) in seen]


def load_deployment(spark: SparkSession, folder: str) -> Deployment:
    """Load the deployment and name its stages by role; refuses what has no classifier."""
    from pyspark.ml import PipelineModel

    from spark_pipelines.sparknlp.import_model import annotator_class

    notes: list[str] = []
    if _metadata_class(spark, folder) == PIPELINE_CLASS:
        pipeline, source = PipelineModel.load(folder), "pipeline"
    else:
        family = saved_model_family(spark, folder)
        pipeline, source = _wrap(spark, annotator_class(family).load(folder)), "classifier"
        notes.append(WRAPPED_NOTE)
    stages = list(pipeline.stages)
    classifiers = [s for s in stages if _family(s) is not None]
    if len(classifiers) != 1:
        supported = ", ".join(f.sparknlp_annotator for f in FAMILIES.values())
        raise ConfigError(f"--pipeline {folder}: {len(classifiers)} sequence classifiers among "
                          f"its stages {[java_name(s) for s in stages]}; exactly one of "
                          f"{supported} is needed")
    classifier = classifiers[0]
    feeding = _feeding(stages, classifier)
    by_role: dict[str, list[Any]] = {"assembler": [], "tokenizer": [], "sentence": [],
                                     "text": []}
    for stage in feeding:
        name = java_name(stage)
        role = ("assembler" if name == ASSEMBLER else "tokenizer" if name in TOKENIZERS
                else "sentence" if name in SENTENCE_DETECTORS else "text")
        by_role[role].append(stage)
    assembler = (by_role["assembler"] or [None])[0]
    if assembler is None:
        raise ConfigError(f"--pipeline {folder}: no DocumentAssembler feeds the classifier")
    doc_col, token_col = param(classifier, "inputCols")
    return Deployment(
        pipeline=pipeline, source=source, location=folder, family=_family(classifier),
        classifier=classifier, tokenizer=(by_role["tokenizer"] or [None])[0],
        assembler=assembler, sentence_detectors=by_role["sentence"],
        text_stages=by_role["text"], text_col=str(param(assembler, "inputCol")),
        doc_col=doc_col, token_col=token_col, class_col=str(param(classifier, "outputCol")),
        notes=notes)


def _onnx_file(folder: str) -> Path | None:
    """The model file Spark NLP saved with the classifier (a pipeline holds it under stages/)."""
    found = sorted(p for p in Path(folder).rglob(f"*{ONNX_SUFFIX}") if p.is_file())
    return found[0] if len(found) == 1 else None


def model_rewrite(folder: str) -> InputRewrite | None:
    """The input rewrite `hfparity fix` builds (hf_reference/input_rewrite.py), when the model
    in folder carries one: an export's model.onnx, or the file Spark NLP saved with the
    classifier (a saved model or a pipeline). Read from the ONNX metadata, the graph skipped."""
    plain = Path(folder) / "model.onnx"
    if plain.is_file():
        with plain.open("rb") as handle:
            return rewrite_of_metadata(read_onnx_metadata(handle.read))
    saved = _onnx_file(folder) if "://" not in folder else None
    if saved is None:
        return None
    try:
        with zipfile.ZipFile(saved) as archive:
            entries = [i for i in archive.infolist() if i.filename.endswith(".onnx")]
            if len(entries) != 1:
                return None
            with archive.open(entries[0]) as handle:
                return rewrite_of_metadata(read_onnx_metadata(handle.read))
    except (zipfile.BadZipFile, ValueError):
        return None


def onnx_sha256(saved: Path) -> str:
    """sha256 of the ONNX model inside the file Spark NLP saved (a zip holding one .onnx entry,
    whose name and zip timestamps change on every save, while the model bytes do not)."""
    with zipfile.ZipFile(saved) as archive:
        (entry,) = [i for i in archive.infolist() if i.filename.endswith(".onnx")]
        digest = hashlib.sha256()
        with archive.open(entry) as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
    return digest.hexdigest()


def deployment_hashes(model_dir: str, vocab_sha256: str | None,
                      config: ProjectConfig | None = None) -> tuple[dict[str, Any], str | None]:
    """((checkpoint_sha256, vocab_sha256), a warning or None) of a deployment, for the join's
    model check.

    checkpoint_sha256 is the checkpoint's only when the deployed ONNX model is byte-identical to
    the configured export's (model.onnx_export, whose manifest names the checkpoint's weights);
    otherwise `unverified:<onnx sha256>`, which the join refuses unless told to allow a model
    mismatch (the warning says so). vocab_sha256 is the checkpoint's when the vocabularies are
    equal, else the deployed one's (the audit reports the difference as a finding, and the join
    accepts it); the caller passes what the run measured.
    """
    deployed = _onnx_file(model_dir)
    shown = "no ONNX model found"
    weights = None
    if deployed is not None:
        try:
            shown = onnx_sha256(deployed)
        except (zipfile.BadZipFile, ValueError) as exc:
            shown = f"unreadable ONNX file {deployed}: {exc}"
    export = config.onnx_export_path() if config is not None else None
    if export and (Path(export) / "hfparity_manifest.json").is_file():
        manifest = read_model_manifest(export)
        if manifest.get("onnx_sha256") == shown:
            weights = manifest.get("checkpoint_sha256")
    warning = None
    if weights is None:
        weights = f"unverified:{shown}"
        warning = (f"deployment {model_dir}: its ONNX model ({shown}) is not the checkpoint's "
                   f"export {export}; the join will refuse it unless --allow-model-mismatch")
    return {"checkpoint_sha256": weights, "vocab_sha256": vocab_sha256 or "unverified"}, warning
