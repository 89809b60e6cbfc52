"""The proposed pipeline as Python code to paste, rendered from the fitted stages themselves.

Every stage is written as its Spark NLP class with the parameters set on it (read from the JVM
object, so what is shown is what was saved); the classifier is loaded from its folder inside the
saved PipelineModel, which is the exact model the proposal was measured with.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from spark_pipelines.sparknlp.deployment import java_name

SKIPPED = frozenset({"lazyAnnotator"})
CLASSIFIER_PARAMS = ("inputCols", "outputCol", "caseSensitive", "maxSentenceLength", "batchSize")
# Estimators whose fitted form is saved under another class name.
FITTED_AS = {"TokenizerModel": "Tokenizer"}


def _value(value: Any) -> Any:
    if hasattr(value, "__iter__") and not isinstance(value, str):
        return [_value(v) for v in value]
    return value


def _setters(stage: Any, names: tuple[str, ...] | None = None) -> list[str]:
    """`.setName(value)` for every parameter set on the JVM stage (or the `names` given)."""
    jobj = stage._java_obj
    lines = []
    for param in jobj.params():
        name = str(param.name())
        if name in SKIPPED or (names is not None and name not in names):
            continue
        if names is None and not jobj.isSet(param):
            continue
        if not jobj.isDefined(param):
            continue
        value = _value(jobj.getOrDefault(param))
        if not isinstance(value, (str, bool, int, float, list)):
            continue
        lines.append(f"    .set{name[0].upper()}{name[1:]}({value!r})")
    return lines


def pipeline_code(pipeline: Any, classifier_index: int, saved_dir: str) -> str:
    """Code that builds the same pipeline (and, last line, how to load the saved one)."""
    stages = list(pipeline.stages)
    classes = sorted({FITTED_AS.get(java_name(s), java_name(s)) for s in stages})
    base = [c for c in classes if c == "DocumentAssembler"]
    annotators = [c for c in classes if c != "DocumentAssembler"]
    lines = ["from pyspark.ml import Pipeline, PipelineModel"]
    if base:
        lines.append(f"from sparknlp.base import {', '.join(base)}")
    lines.append(f"from sparknlp.annotator import {', '.join(annotators)}")
    lines.append("")
    names = []
    stage_dirs = sorted(p.name for p in (Path(saved_dir) / "stages").iterdir()) \
        if (Path(saved_dir) / "stages").is_dir() else []
    for index, stage in enumerate(stages):
        cls = FITTED_AS.get(java_name(stage), java_name(stage))
        name = f"stage{index}"
        names.append(name)
        if index == classifier_index:
            folder = (str(Path(saved_dir) / "stages" / stage_dirs[index])
                      if index < len(stage_dirs) else "<classifier folder>")
            lines.append(f"{name} = ({cls}.load({folder!r})")
            lines.extend(_setters(stage, CLASSIFIER_PARAMS))
        else:
            lines.append(f"{name} = ({cls}()")
            lines.extend(_setters(stage))
        lines[-1] += ")"
    lines.append("")
    lines.append(f"pipeline = Pipeline(stages=[{', '.join(names)}]).fit("
                 "spark.createDataFrame([], 'text string'))")
    lines.append(f"# the same pipeline, saved: PipelineModel.load({saved_dir!r})")
    return "\n".join(lines) + "\n"
