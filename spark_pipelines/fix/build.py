"""The changed pipeline: the base pipeline's stages with the chosen candidates applied.

Every stage is kept in place except the one a change names: the tokenizer feeding the
classifier is replaced by a RegexTokenizer on the same columns, the classifier gets its
caseSensitive / maxSentenceLength set, or is replaced by the classifier imported from the
checkpoint (a loaded classifier's labels and vocabulary are protected features in Spark NLP:
set once, at import). The base pipeline is loaded afresh for each build (unless the caller
hands over a loaded one it will not use again), so one build never changes another's stages.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pyspark.sql import SparkSession

from parity_core.audit import CASE_SENSITIVE, MAX_SENTENCE_LENGTH
from parity_core.families.pattern import family_pattern
from parity_core.settings import EffectiveSettings
from spark_pipelines.fix.candidates import CLASSIFIER, TOKENIZER, BaseFacts
from spark_pipelines.sparknlp.classifier_settings import (
    read_classifier_settings,
    set_classifier_settings,
)
from spark_pipelines.sparknlp.deployment import Deployment, java_name, load_deployment, param


def base_facts(deployment: Deployment, vocabulary_matches: bool) -> BaseFacts:
    """The facts the candidates are derived from, read from the deployed stages."""
    from spark_pipelines.sparknlp.audit import classifier_labels

    tokenizer = deployment.tokenizer
    deployed = read_classifier_settings(deployment.classifier)
    return BaseFacts(
        tokenizer=None if tokenizer is None else java_name(tokenizer),
        tokenizer_pattern=(param(tokenizer, "pattern") if tokenizer is not None
                           and java_name(tokenizer) == "RegexTokenizer" else None),
        case_sensitive=deployed.case_sensitive,
        max_sentence_length=deployed.max_sentence_length,
        labels=tuple(classifier_labels(deployment.classifier)),
        vocabulary_matches=vocabulary_matches)


def regex_tokenizer(input_cols: Sequence[str], output_col: str, settings: EffectiveSettings
                    ) -> Any:
    """The RegexTokenizer that splits words as the checkpoint's family's tokenizer does."""
    from sparknlp.annotator import RegexTokenizer

    return (RegexTokenizer().setInputCols(list(input_cols)).setOutputCol(output_col)
            .setPattern(family_pattern(settings)))


def changed_pipeline(spark: SparkSession, base_dir: str, changes: Sequence[str],
                     settings: EffectiveSettings, checkpoint_classifier: str | None,
                     loaded: Deployment | None = None) -> Any:
    """A fitted PipelineModel: the pipeline saved at base_dir with `changes` applied.

    loaded: base_dir already loaded, whose stages this build may change (saves one model load
    when the caller will not use it again)."""
    from pyspark.ml import Pipeline

    deployment = loaded or load_deployment(spark, base_dir)
    classifier = deployment.classifier
    if CLASSIFIER in changes:
        if checkpoint_classifier is None:
            raise ValueError("the classifier change needs the checkpoint's Spark NLP import "
                             "(model.sparknlp_model)")
        from spark_pipelines.sparknlp.import_model import annotator_class

        imported = annotator_class(deployment.family).load(checkpoint_classifier)
        classifier = set_classifier_settings(
            imported.setInputCols(list(param(classifier, "inputCols")))
            .setOutputCol(str(param(classifier, "outputCol"))),
            read_classifier_settings(classifier))  # the deployed classifier's, all three
    # CASE_SENSITIVE and MAX_SENTENCE_LENGTH name the classifier params they change.
    set_classifier_settings(classifier, settings.sparknlp_classifier,
                            only=[c for c in (CASE_SENSITIVE, MAX_SENTENCE_LENGTH) if c in changes])
    stages = []
    for stage in deployment.pipeline.stages:
        if stage is deployment.classifier:
            stage = classifier
        elif TOKENIZER in changes and stage is deployment.tokenizer:
            stage = regex_tokenizer(param(stage, "inputCols"), str(param(stage, "outputCol")),
                                    settings)
        stages.append(stage)
    empty = spark.createDataFrame([], f"`{deployment.text_col}` string")
    return Pipeline(stages=stages).fit(empty)
