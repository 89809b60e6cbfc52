"""A deployment as it is, made into a SparkNlpRun: its own stages, columns and classifier settings.

Records are built exactly as for the job's own pipeline (spark_pipelines/sparknlp/pipeline.py):
the pieces come from the Java pieces function with the deployed classifier's caseSensitive,
maxSentenceLength and vocabulary; the words are what the classifier reads (its token input
column). The model identity for the join is checked, not assumed: the deployed ONNX file's
sha256 against the configured export's (deployment.deployment_hashes, which the fingerprint
uses). The top of spark_pipelines/sparknlp but for job.py: it imports deployment.py, audit.py
and pipeline.py, none of which imports it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pyspark.sql import SparkSession

from parity_core.checkpoint import Family, inspect_checkpoint
from parity_core.config import ProjectConfig
from parity_core.errors import ConfigError
from parity_core.fingerprint import checkpoint_hashes
from parity_core.settings import EffectiveSettings
from spark_pipelines.sparknlp.audit import Vocabulary, audit_deployment, classifier_labels
from spark_pipelines.sparknlp.classifier_settings import read_classifier_settings
from spark_pipelines.sparknlp.deployment import load_deployment, model_rewrite
from spark_pipelines.sparknlp.pipeline import (
    SparkNlpRun,
    apply_onnx_threads,
    checkpoint_vocabulary,
    note_model_copies,
    register_pieces_udf,
    ship_model_assets,
)


def build_deployment_run(spark: SparkSession, config: ProjectConfig, settings: EffectiveSettings,
                         folder: str) -> SparkNlpRun:
    """Load the deployment, audit it against the checkpoint, and make the run the records use."""
    apply_onnx_threads(spark, settings)
    note_model_copies(spark)
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
    rewrite = model_rewrite(folder)
    audit = audit_deployment(spark, deployment, settings, deployed, theirs, rewrite)
    warnings = [f"deployment audit: {f.line}" for f in audit.findings]
    warnings.extend(f"deployment: {note}" for note in audit.notes)
    annotator = deployment.classifier._java_obj.getClass().getName()
    return SparkNlpRun(
        deployment.pipeline, f"deployment-{deployment.source}", folder, deployment.family,
        annotator, vocab_name, problem, warnings, text_col=deployment.text_col,
        doc_col=deployment.doc_col, token_col=deployment.token_col,
        class_col=deployment.class_col,
        classifier_settings=read_classifier_settings(deployment.classifier),
        vocab_sha256=vocab_sha, audit=audit, merges_name=merges_name, input_rewrite=rewrite)


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
