"""Deployments as people ship them, built from the default model with real Spark NLP.

Each is a saved PipelineModel folder (what `--pipeline` scores). They all use the same ONNX
model (Spark NLP keeps one model.onnx per SparkContext), so one session builds them all: the
saved model is loaded and its params changed, or, for the labels and the vocabulary (which
Spark NLP binds into the model when it loads), the ONNX export is imported again from a copy
whose assets/ were edited, the model.onnx being the same file.
Also runnable: `python -m tests.support.deployments OUT_DIR [NAME ...]`.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

DEFAULT_INPUT_COLS = ["document", "token"]


def _pipeline(spark: Any, stages: list[Any]) -> Any:
    from pyspark.ml import Pipeline

    return Pipeline(stages=stages).fit(spark.createDataFrame([], "text string"))


def _front(tokenizer_input: str = "document") -> list[Any]:
    from sparknlp.annotator import Tokenizer
    from sparknlp.base import DocumentAssembler

    return [DocumentAssembler().setInputCol("text").setOutputCol("document"),
            Tokenizer().setInputCols([tokenizer_input]).setOutputCol("token")]


def _saved_classifier(saved_model: str) -> Any:
    from sparknlp.annotator import BertForSequenceClassification

    return BertForSequenceClassification.load(saved_model).setInputCols(DEFAULT_INPUT_COLS) \
        .setOutputCol("class")


def _edited_import(spark: Any, onnx_dir: str, scratch: Path,
                   edit: Callable[[Path], None]) -> Any:
    """loadSavedModel from a copy of the export whose assets/ `edit` changed (same model.onnx)."""
    from sparknlp.annotator import BertForSequenceClassification

    copy = scratch / "export"
    shutil.rmtree(copy, ignore_errors=True)
    (copy / "assets").mkdir(parents=True)
    for name in ("vocab.txt", "labels.txt"):
        shutil.copy(Path(onnx_dir) / "assets" / name, copy / "assets" / name)
    (copy / "model.onnx").symlink_to(Path(onnx_dir) / "model.onnx")
    edit(copy / "assets")
    return BertForSequenceClassification.loadSavedModel(str(copy), spark) \
        .setInputCols(DEFAULT_INPUT_COLS).setOutputCol("class")


def reverse_labels(assets: Path) -> None:
    lines = (assets / "labels.txt").read_text(encoding="utf-8").splitlines()
    (assets / "labels.txt").write_text("\n".join(reversed(lines)) + "\n", encoding="utf-8")


SWAPPED = ("good", "bad")  # two frequent review words whose vocabulary entries trade places


def swap_vocabulary(assets: Path) -> None:
    lines = (assets / "vocab.txt").read_text(encoding="utf-8").splitlines()
    a, b = (lines.index(word) for word in SWAPPED)
    lines[a], lines[b] = lines[b], lines[a]
    (assets / "vocab.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


def build(spark: Any, name: str, saved_model: str, onnx_dir: str, scratch: Path) -> Any:
    """The PipelineModel of one named deployment."""
    from sparknlp.annotator import Normalizer, SentenceDetector

    if name == "defaults":  # Spark NLP's defaults: caseSensitive true, maxSentenceLength 128
        classifier = _saved_classifier(saved_model).setCaseSensitive(True) \
            .setMaxSentenceLength(128)
        return _pipeline(spark, [*_front(), classifier])
    matched = {"caseSensitive": False, "maxSentenceLength": 128}
    if name == "labels_reversed":
        classifier = _edited_import(spark, onnx_dir, scratch, reverse_labels)
    elif name == "vocab_swapped":
        classifier = _edited_import(spark, onnx_dir, scratch, swap_vocabulary)
    else:
        classifier = _saved_classifier(saved_model)
    classifier = classifier.setCaseSensitive(matched["caseSensitive"]) \
        .setMaxSentenceLength(matched["maxSentenceLength"])
    if name == "normalizer":
        normalizer = Normalizer().setInputCols(["token"]).setOutputCol("normalized")
        classifier = classifier.setInputCols(["document", "normalized"])
        return _pipeline(spark, [*_front(), normalizer, classifier])
    if name == "sentences":
        detector = SentenceDetector().setInputCols(["document"]).setOutputCol("sentence")
        classifier = classifier.setInputCols(["sentence", "token"])
        return _pipeline(spark, [*_front()[:1], detector, *_front("sentence")[1:], classifier])
    if name in ("labels_reversed", "vocab_swapped"):
        return _pipeline(spark, [*_front(), classifier])
    raise ValueError(f"unknown deployment {name!r}")


NAMES = ("defaults", "labels_reversed", "vocab_swapped", "normalizer", "sentences")


def save_deployments(spark: Any, out: Path, names: tuple[str, ...] = NAMES,
                     cache: Path | None = None) -> dict[str, Path]:
    """Build and save each named deployment under out/<name>; returns the folders."""
    from parity_core.config import cache_dir

    default = (cache or cache_dir()) / "default"
    folders = {}
    for name in names:
        pipeline = build(spark, name, str(default / "sparknlp_model"), str(default / "onnx"),
                         out / f".{name}-scratch")
        folders[name] = out / name
        pipeline.write().overwrite().save(str(folders[name]))
    return folders


def main(argv: list[str] | None = None) -> int:
    from spark_pipelines.jvm.session import get_session

    args = argv if argv is not None else sys.argv[1:]
    spark = get_session("hfparity-deployments", master="local[2]")
    try:
        folders = save_deployments(spark, Path(args[0]), tuple(args[1:]) or NAMES)
    finally:
        spark.stop()
    for name, folder in folders.items():
        print(name, folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
