"""A deployment as it is, made into a SparkNlpRun: its own stages, columns and classifier settings.

Records are built exactly as for the job's own pipeline (spark_pipelines/sparknlp/pipeline.py):
the pieces come from the Java pieces function with the deployed classifier's caseSensitive,
maxSentenceLength and vocabulary; the words are what the classifier reads (its token input
column). The model identity for the join is checked, not assumed: the deployed ONNX file's
sha256 against the configured saved model's (whose manifest names the checkpoint).
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path
from typing import Any

from pyspark.sql import SparkSession

from parity_core.checkpoint import Family, inspect_checkpoint
from parity_core.config import ProjectConfig
from parity_core.errors import ConfigError
from parity_core.fingerprint import checkpoint_hashes, read_model_manifest
from parity_core.settings import EffectiveSettings
from spark_pipelines.sparknlp.audit import Vocabulary, audit_deployment, classifier_labels
from spark_pipelines.sparknlp.deployment import load_deployment, param
from spark_pipelines.sparknlp.pipeline import (
    SparkNlpRun,
    _note_shared_tmpdir,
    apply_onnx_threads,
    checkpoint_vocabulary,
    register_pieces_udf,
    ship_model_assets,
)

ONNX_SUFFIX = "_classification_onnx"


def _onnx_file(folder: str) -> Path | None:
    """The model file Spark NLP saved with the classifier (a pipeline holds it under stages/)."""
    found = sorted(p for p in Path(folder).rglob(f"*{ONNX_SUFFIX}") if p.is_file())
    return found[0] if len(found) == 1 else None


def build_deployment_run(spark: SparkSession, config: ProjectConfig, settings: EffectiveSettings,
                         folder: str) -> SparkNlpRun:
    """Load the deployment, audit it against the checkpoint, and make the run the records use."""
    apply_onnx_threads(spark, settings)
    _note_shared_tmpdir(spark.sparkContext._jvm.System.getProperty("java.io.tmpdir"))
    deployment = load_deployment(spark, folder)
    if deployment.family.name != settings.family:
        raise ConfigError(f"--pipeline {folder}: a {deployment.family.sparknlp_annotator}, but "
                          f"the checkpoint {settings.checkpoint} is of family {settings.family}")
    labels = classifier_labels(deployment.classifier)
    if sorted(labels) != sorted(settings.labels):
        raise ConfigError(f"--pipeline {folder}: labels {labels} are not the checkpoint's "
                          f"{list(settings.labels)}; records could not name its predictions")
    problem = register_pieces_udf(spark, deployment.family)
    vocab_name, merges_name, deployed, vocab_sha = None, None, None, None
    theirs = _checkpoint_vocabulary(settings, deployment.family)
    if not problem:
        vocab_name, merges_name, data = ship_model_assets(spark, deployment.family,
                                                          deployment.classifier)
        deployed = _vocabulary(data, deployment.family)
        # Equal entries are the checkpoint's vocabulary, whatever the file's line endings.
        vocab_sha = theirs.sha256 if theirs is not None and \
            list(deployed.entries) == list(theirs.entries) else deployed.sha256
    audit = audit_deployment(spark, deployment, settings, deployed, theirs)
    warnings = [f"deployment audit: {f.line}" for f in audit.findings]
    warnings.extend(f"deployment: {note}" for note in audit.notes)
    annotator = deployment.classifier._java_obj.getClass().getName()
    return SparkNlpRun(
        deployment.pipeline, f"deployment-{deployment.source}", folder, deployment.family,
        annotator, vocab_name, problem, warnings, text_col=deployment.text_col,
        doc_col=deployment.doc_col, token_col=deployment.token_col,
        class_col=deployment.class_col,
        case_sensitive=bool(param(deployment.classifier, "caseSensitive")),
        max_sentence_length=int(param(deployment.classifier, "maxSentenceLength")),
        vocab_sha256=vocab_sha, audit=audit, merges_name=merges_name)


def _vocabulary(data: bytes, family: Family) -> Vocabulary:
    """A vocabulary file's entries and sha256; a SentencePiece model (binary) is one entry, its
    sha256, so two models compare by their bytes."""
    sha = hashlib.sha256(data).hexdigest()
    if family.spm_file is not None:
        return Vocabulary((f"{family.spm_file} sha256 {sha}",), sha)
    return Vocabulary(data.decode("utf-8").splitlines(), sha)


def _checkpoint_vocabulary(settings: EffectiveSettings, family: Family) -> Vocabulary | None:
    """The checkpoint's vocabulary (its .model file for a SentencePiece family), when here."""
    if not Path(settings.checkpoint).is_dir():
        return None
    if family.spm_file is not None:
        return _vocabulary(inspect_checkpoint(settings.checkpoint).vocabulary_bytes(), family)
    entries = checkpoint_vocabulary(settings)
    return None if entries is None else \
        Vocabulary(entries, checkpoint_hashes(settings.checkpoint)["vocab_sha256"])


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


def deployment_hashes(run: SparkNlpRun, settings: EffectiveSettings,
                      config: ProjectConfig | None = None) -> dict[str, Any]:
    """(checkpoint_sha256, vocab_sha256) of a deployment, for the join's model check.

    checkpoint_sha256 is the checkpoint's only when the deployed ONNX model is byte-identical to
    the configured export's (model.onnx_export, whose manifest names the checkpoint's weights);
    otherwise `unverified:<onnx sha256>`, which the join refuses unless told to allow a model
    mismatch. vocab_sha256 is the checkpoint's when the vocabularies are equal, else the
    deployed one's (the audit reports the difference as a finding, and the join accepts it).
    """
    deployed = _onnx_file(run.model_dir)
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
    if weights is None:
        weights = f"unverified:{shown}"
        run.warnings.append(f"deployment {run.model_dir}: its ONNX model ({shown}) is not the "
                            f"checkpoint's export {export}; the join will refuse it unless "
                            "--allow-model-mismatch")
    vocab = run.vocab_sha256 or "unverified"
    return {"checkpoint_sha256": weights, "vocab_sha256": vocab}
