"""A Spark NLP classifier stage's ClassifierSettings (parity_core.settings): read from its params,
or set on it. The job's matched pipeline, the fix's changed pipelines and the deployment audit all
go through here, so what is set and what is compared are the same three params."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from parity_core.settings import ClassifierSettings
from spark_pipelines.sparknlp.deployment import param

# The annotator's param -> the ClassifierSettings field that holds its value.
PARAMS = {"caseSensitive": "case_sensitive", "maxSentenceLength": "max_sentence_length",
          "batchSize": "batch_size"}


def read_classifier_settings(classifier: Any) -> ClassifierSettings:
    """What a classifier stage's JVM object carries, set or Spark NLP's default: a stage loaded
    from disk, or one built in Python after it has run (pyspark hands Python params to the JVM
    object only when the stage fits, transforms or saves)."""
    return ClassifierSettings(
        case_sensitive=bool(param(classifier, "caseSensitive")),
        max_sentence_length=int(param(classifier, "maxSentenceLength")),
        batch_size=int(param(classifier, "batchSize")))


def set_classifier_settings(classifier: Any, values: ClassifierSettings,
                            only: Collection[str] = tuple(PARAMS)) -> Any:
    """Set `values` on the classifier stage (only the params named in `only`: a param left
    unset stays unset, so the saved stage and the code proposed for it show no more than was
    changed); returns the stage."""
    unknown = sorted(set(only) - set(PARAMS))
    if unknown:
        raise ValueError(f"not a classifier setting: {unknown} (known: {', '.join(PARAMS)})")
    for name in PARAMS:
        if name in only:
            setter = getattr(classifier, f"set{name[0].upper()}{name[1:]}")
            setter(getattr(values, PARAMS[name]))
    return classifier
