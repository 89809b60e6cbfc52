"""The deployment audit: every setting of a deployed pipeline that differs from what the checkpoint
implies, with both values side by side (parity_core.audit holds the typed result).

What each finding compares, and where the checkpoint's value comes from:
caseSensitive and maxSentenceLength vs the matched classifier settings
(EffectiveSettings.sparknlp_classifier: do_lower_case, the Hugging Face run's max_length); the
labels' names and order vs config.json id2label; the vocabulary the classifier really encodes
with vs the checkpoint's (sha256 and the first entry that differs); every stage between
DocumentAssembler and the classifier that is neither a tokenizer nor a sentence detector (it may
change the text the model sees); a DocumentAssembler cleanupMode; sentence detectors (several
predictions per row); the tokenizer's parameters against a fresh Tokenizer's defaults; an
activation other than softmax.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pyspark.sql import SparkSession

from parity_core.audit import (
    CASE_SENSITIVE,
    LABELS,
    MAX_SENTENCE_LENGTH,
    SENTENCES,
    TEXT_STAGE,
    TOKENIZER_PREFIX,
    VOCABULARY,
    AuditFinding,
    DeploymentAudit,
)
from parity_core.families.input_rewrite import InputRewrite
from parity_core.settings import EffectiveSettings
from spark_pipelines.sparknlp.classifier_settings import read_classifier_settings
from spark_pipelines.sparknlp.deployment import Deployment, java_name, param

SKIPPED_PARAMS = frozenset({"inputCols", "outputCol", "lazyAnnotator", "inputCol"})
SHOWN_STAGE_PARAMS = ("cleanupPatterns", "lowercase", "slangDictionary", "minLength",
                      "maxLength", "action", "patterns", "replacement", "policy", "cleanupMode")


def classifier_labels(classifier: Any) -> list[str]:
    """The deployed classifier's label names in id order (its `labels` map, label -> id)."""
    iterator = classifier._java_obj.labels().getOrDefault().iterator()
    ids = {}
    while iterator.hasNext():
        pair = iterator.next()
        ids[str(pair._1())] = int(pair._2())
    return sorted(ids, key=ids.__getitem__)


def first_difference(ours: Sequence[str], theirs: Sequence[str]) -> str:
    """`id N: 'a' vs 'b'` for the first id whose entry differs (or where one list ends)."""
    for index, (a, b) in enumerate(zip(ours, theirs)):
        if a != b:
            return f"id {index}: {a!r} vs {b!r}"
    shorter = min(len(ours), len(theirs))
    return f"id {shorter}: one vocabulary ends ({len(ours)} vs {len(theirs)} entries)"


def _show(value: Any) -> str:
    return "[" + ", ".join(map(str, value)) + "]" if isinstance(value, list) else str(value)


def _stage_text(stage: Any) -> str:
    shown = [f"{name}={_show(param(stage, name))}" for name in SHOWN_STAGE_PARAMS
             if param(stage, name) is not None]
    return f"{java_name(stage)}({', '.join(shown)})"


def is_family_regex_tokenizer(tokenizer: Any, settings: EffectiveSettings) -> bool:
    """The RegexTokenizer `hfparity fix` proposes for this checkpoint's family, as proposed
    (no lower-casing, trimming or length filter of its own)."""
    from parity_core.families.pattern import family_pattern

    return (java_name(tokenizer) == "RegexTokenizer"
            and param(tokenizer, "pattern") == family_pattern(settings)
            and not param(tokenizer, "toLowercase") and not param(tokenizer, "trimWhitespace")
            and int(param(tokenizer, "minLength") or 1) <= 1
            and param(tokenizer, "maxLength") is None)


def _tokenizer_findings(spark: SparkSession, tokenizer: Any) -> list[AuditFinding]:
    """Every tokenizer param whose value is not a fresh Tokenizer's default."""
    from sparknlp.annotator import Tokenizer

    if java_name(tokenizer) != "TokenizerModel":
        return [AuditFinding(TOKENIZER_PREFIX + "class", java_name(tokenizer), "TokenizerModel",
                             "another word splitter than Spark NLP's default Tokenizer")]
    reference = (Tokenizer().setInputCols(["document"]).setOutputCol("token")
                 .fit(spark.createDataFrame([], "text string")))
    findings = []
    for jparam in tokenizer._java_obj.params():
        name = str(jparam.name())
        if name in SKIPPED_PARAMS:
            continue
        ours, default = param(tokenizer, name), param(reference, name)
        if _show(ours) != _show(default):
            findings.append(AuditFinding(
                TOKENIZER_PREFIX + name, _show(ours), f"Spark NLP default {_show(default)}",
                "the deployed tokenizer splits words otherwise than the default one"))
    return findings


@dataclass(frozen=True)
class Vocabulary:
    """A vocabulary's entries in id order and its identity: the sha256 of its file's bytes, the
    one definition the run fingerprint's vocab_sha256 uses too (parity_core.fingerprint)."""

    entries: Sequence[str]
    sha256: str


def audit_deployment(spark: SparkSession, deployment: Deployment, settings: EffectiveSettings,
                     deployed_vocab: Vocabulary | None,
                     checkpoint_vocab: Vocabulary | None,
                     rewrite: InputRewrite | None = None) -> DeploymentAudit:
    """Compare the deployment with what the checkpoint implies; one finding per difference.
    rewrite: the input rewrite the deployed model carries (`hfparity fix`'s own model-side
    change for its family's rules: a note, not a finding)."""
    classifier = deployment.classifier
    findings: list[AuditFinding] = []
    notes: list[str] = []
    deployed, matched = read_classifier_settings(classifier), settings.sparknlp_classifier
    case_sensitive = deployed.case_sensitive
    if case_sensitive != matched.case_sensitive:
        findings.append(AuditFinding(
            CASE_SENSITIVE, str(case_sensitive).lower(),
            f"{str(matched.case_sensitive).lower()} (do_lower_case "
            f"{str(settings.do_lower_case).lower()})",
            "upper-case letters reach a model trained on lower-cased text" if case_sensitive
            else "text is lower-cased for a model trained on cased text"))
    length = deployed.max_sentence_length
    if length != matched.max_sentence_length:
        findings.append(AuditFinding(
            MAX_SENTENCE_LENGTH, str(length), f"max_length {settings.max_length}",
            f"inputs over {min(length, settings.max_length) - 2} pieces are cut at a "
            "different place on each side"))
    labels = classifier_labels(classifier)
    if labels != list(settings.labels):
        findings.append(AuditFinding(
            LABELS, _show(labels), f"config.id2label {_show(list(settings.labels))}",
            "output i is named by line i of labels.txt: a different order renames the "
            "predictions"))
    if deployed_vocab is not None and checkpoint_vocab is not None \
            and list(deployed_vocab.entries) != list(checkpoint_vocab.entries):
        findings.append(AuditFinding(
            VOCABULARY,
            f"sha256 {deployed_vocab.sha256[:16]}, {len(deployed_vocab.entries)} entries",
            f"sha256 {checkpoint_vocab.sha256[:16]}, {len(checkpoint_vocab.entries)} entries",
            "first difference "
            f"{first_difference(deployed_vocab.entries, checkpoint_vocab.entries)}: pieces "
            "get other ids"))
    cleanup = param(deployment.assembler, "cleanupMode")
    if cleanup not in (None, "disabled"):
        findings.append(AuditFinding(TEXT_STAGE, f"DocumentAssembler(cleanupMode={cleanup})",
                                     "no text change", "the text is cleaned before tokenizing"))
    for stage in deployment.text_stages:
        findings.append(AuditFinding(
            TEXT_STAGE, _stage_text(stage), "no text change (Hugging Face tokenizes the text "
            "as it is)", "a stage between DocumentAssembler and the classifier can change "
            "what the model reads"))
    for stage in deployment.sentence_detectors:
        findings.append(AuditFinding(
            SENTENCES, java_name(stage), "one prediction per text",
            "a row with several sentences gets one prediction per sentence; the record keeps "
            "the mean of their probabilities"))
    if deployment.tokenizer is None:
        findings.append(AuditFinding(TOKENIZER_PREFIX + "class", "none found", "TokenizerModel",
                                     "no known tokenizer feeds the classifier"))
    elif is_family_regex_tokenizer(deployment.tokenizer, settings):
        notes.append("tokenizer: the RegexTokenizer `hfparity fix` derives for a "
                     f"{settings.family} checkpoint (words split as its Hugging Face tokenizer "
                     "splits them): not a finding")
    else:
        findings.extend(_tokenizer_findings(spark, deployment.tokenizer))
    if rewrite is not None:
        notes.append(f"model: the input rewrite `hfparity fix` builds for a {rewrite.family} "
                     f"checkpoint ({rewrite.describe()}; removes {', '.join(rewrite.rules)}): "
                     "not a finding")
    activation = param(classifier, "activation")
    if activation not in (None, "softmax"):
        findings.append(AuditFinding("activation", str(activation), "softmax",
                                     "probabilities are not a softmax of the logits"))
    stages = tuple(java_name(s) for s in deployment.pipeline.stages)
    return DeploymentAudit(deployment.source, deployment.location, stages,
                           tuple(deployment.notes) + tuple(notes), tuple(findings))
