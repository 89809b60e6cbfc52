"""The Spark NLP side of a token-classification (NER) check: words, labels, entities, input.

Pipeline: DocumentAssembler -> Tokenizer -> the family's XxxForTokenClassification (a saved
`hfparity import` folder, or a saved deployment's stages) -> NerConverter. Per row it keeps:
- the words: the Tokenizer's token spans (the unit the deployment labels);
- per word the `named_entity` annotation whose begin is the word's begin (label and every
  label's probability from its metadata), or none: Spark NLP leaves words without annotation
  (past truncation, or a token that normalises to nothing), and NerConverter then reads them O;
- the entities: NerConverter's chunks (span, type from metadata `entity`, confidence);
- Spark NLP's exact model input from its own tokenizer code (the family's pieces UDF, as for
  the sequence classifiers): pieces with their spans, input_ids, attention_mask, token_type_ids.
Offsets are converted from Java UTF-16 units, end inclusive, to code points, end exclusive.
Rows are collected to the driver: the check corpora are small (hundreds of rows).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from parity_core.families import Family
from parity_core.tasks.token_classification import ARCHITECTURES
from spark_pipelines.sparknlp.pipeline import (
    BPE_PIECES_UDF,
    PIECES_UDF,
    SPM_PIECES_UDF,
    register_pieces_udf,
)
from spark_pipelines.sparknlp.spans import BatchTexts


@dataclass(frozen=True)
class NerSettings:
    """What the Spark NLP NER pipeline is run with (stated in the report)."""

    max_sentence_length: int = 128
    case_sensitive: bool = True
    batch_size: int = 8
    converter_no_schema: bool = False
    converter_whitelist: tuple[str, ...] = ()
    # A RegexTokenizer pattern in place of the default Tokenizer (`hfparity fix` proposes the
    # family's word-split pattern: parity_core/families/pattern.py); None: Tokenizer().
    tokenizer_pattern: str | None = None


@dataclass
class SparkNerRow:
    """One row as Spark NLP saw it (code points, end exclusive)."""

    id: str
    text: str
    words: list[tuple[int, int]] = field(default_factory=list)
    labels: list[str | None] = field(default_factory=list)
    probs: list[dict[str, float] | None] = field(default_factory=list)
    entities: list[tuple[int, int, str, float]] = field(default_factory=list)
    pieces: list[tuple[str, int, int, int]] = field(default_factory=list)  # piece, id, begin, end
    input_ids: list[int] = field(default_factory=list)
    attention_mask: list[int] = field(default_factory=list)
    token_type_ids: list[int] | None = None
    truncated: bool = False
    note: str | None = None


def annotator_class(family: Family) -> Any:
    """sparknlp.annotator's token-classification class for a family."""
    import sparknlp.annotator

    return getattr(sparknlp.annotator, ARCHITECTURES[family.name][1])


def build(spark: SparkSession, model_dir: str, family: Family, settings: NerSettings) -> Any:
    """Fit DocumentAssembler -> Tokenizer -> classifier -> NerConverter."""
    from pyspark.ml import Pipeline
    from sparknlp.annotator import NerConverter, RegexTokenizer, Tokenizer
    from sparknlp.base import DocumentAssembler

    classifier = (annotator_class(family).load(model_dir)
                  .setInputCols(["document", "token"]).setOutputCol("ner")
                  .setMaxSentenceLength(settings.max_sentence_length)
                  .setCaseSensitive(settings.case_sensitive).setBatchSize(settings.batch_size))
    converter = (NerConverter().setInputCols(["document", "token", "ner"])
                 .setOutputCol("entities").setNerHasNoSchema(settings.converter_no_schema))
    if settings.converter_whitelist:
        converter = converter.setWhiteList(list(settings.converter_whitelist))
    tokenizer = (RegexTokenizer().setPattern(settings.tokenizer_pattern)
                 if settings.tokenizer_pattern else Tokenizer())
    stages = [DocumentAssembler().setInputCol("text").setOutputCol("document"),
              tokenizer.setInputCols(["document"]).setOutputCol("token"), classifier, converter]
    return Pipeline(stages=stages).fit(spark.createDataFrame([], "text string"))


def pieces_call(family: Family, settings: NerSettings, vocab: str, merges: str | None) -> Any:
    """The family's pieces UDF (registered once) over document + token annotations."""
    annotations = F.concat(F.col("document"), F.col("token"))
    common = (F.lit(settings.case_sensitive), F.lit(settings.max_sentence_length), F.lit(vocab))
    if family.tokenizer_model == "BPE":
        return F.call_function(BPE_PIECES_UDF, annotations, *common, F.lit(merges))
    udf = SPM_PIECES_UDF if family.spm_file is not None else PIECES_UDF
    return F.call_function(udf, annotations, *common, F.lit(family.sparknlp_classification))


class _RowSpans:
    """One row's Spark NLP offsets as record spans, through the Spark NLP side of the span rule
    (spark_pipelines/sparknlp/spans.BatchTexts: code points, end exclusive, ASCII whitespace
    trimmed unless nothing else is left)."""

    def __init__(self, text: str) -> None:
        self.texts = BatchTexts([text])

    def __call__(self, begin: int | None, end: int | None) -> tuple[int, int]:
        if begin is None or end is None:  # a piece with no span (a start or end token)
            return -1, -1
        starts, stops = self.texts.spans(np.zeros(1), np.array([begin]), np.array([end]))
        return int(starts[0]), int(stops[0])


def _row(raw: Any, labels: list[str]) -> SparkNerRow:
    text = raw["text"] or ""
    span = _RowSpans(text)
    row = SparkNerRow(id=str(raw["id"]), text=text)
    row.words = [span(t["begin"], t["end"]) for t in raw["token"]]
    by_begin = {}
    for a in raw["ner"]:
        meta = dict(a["metadata"])
        probs = {x: float(meta[x]) for x in labels if x in meta}
        by_begin[span(a["begin"], a["end"])[0]] = (a["result"], probs)
    for begin, _ in row.words:
        label, probs = by_begin.get(begin, (None, None))
        row.labels.append(label)
        row.probs.append(probs)
    for a in raw["entities"]:
        meta = dict(a["metadata"])
        start, end = span(a["begin"], a["end"])
        row.entities.append((start, end, meta.get("entity", a["result"]),
                             float(meta.get("confidence", "nan"))))
    pieces = raw["pieces"]
    if pieces is not None:
        row.pieces = [(p["piece"], p["id"], *span(p["begin"], p["end"]))
                      for p in (pieces["pieces"] or [])]
        row.input_ids = list(pieces["input_ids"] or [])
        row.attention_mask = list(pieces["attention_mask"] or [])
        row.token_type_ids = list(pieces["token_type_ids"] or []) or None
        row.truncated = bool(pieces["truncated"])
        row.note = pieces["note"]
    return row


@dataclass(frozen=True)
class Deployed:
    """A saved NER pipeline as it is: the model, its columns, and the settings its classifier
    runs with (read from the stages, so the report states what was audited)."""

    model: Any
    columns: dict[str, str]  # text, document, token, ner, entities -> the pipeline's columns
    settings: NerSettings


def load_deployed(spark: SparkSession, folder: str) -> Deployed:
    """A saved PipelineModel with DocumentAssembler, a tokenizer, a *ForTokenClassification and
    (optional: appended when absent) NerConverter; refused with the folder named otherwise."""
    from pathlib import Path

    from pyspark.ml import PipelineModel
    from sparknlp.annotator import NerConverter

    from parity_core.errors import BadInput

    if not (Path(folder) / "metadata").is_dir() or not (Path(folder) / "stages").is_dir():
        raise BadInput(f"--pipeline {folder}: not a saved PipelineModel (no metadata/ and "
                       "stages/); save it with pipeline_model.write().save(folder)")
    model = PipelineModel.load(folder)
    stages = list(model.stages)
    names = [type(stage).__name__ for stage in stages]
    classifier = next((st for st, n in zip(stages, names) if n.endswith("ForTokenClassification")),
                      None)
    assembler = next((st for st, n in zip(stages, names) if n == "DocumentAssembler"), None)
    if classifier is None or assembler is None:
        raise BadInput(f"--pipeline {folder}: stages {names}: a NER pipeline needs a "
                       "DocumentAssembler and a *ForTokenClassification stage")
    document, token = classifier.getInputCols()[0], classifier.getInputCols()[1]
    ner = classifier.getOutputCol()
    converter = next((st for st, n in zip(stages, names) if n == "NerConverter"), None)
    if converter is None:
        converter = (NerConverter().setInputCols([document, token, ner])
                     .setOutputCol("entities"))
        stages.append(converter)
        model = PipelineModel(stages)
    settings = NerSettings(max_sentence_length=int(classifier.getMaxSentenceLength()),
                           case_sensitive=bool(classifier.getCaseSensitive()),
                           batch_size=int(classifier.getBatchSize()))
    columns = {"text": assembler.getInputCol(), "document": document, "token": token,
               "ner": ner, "entities": converter.getOutputCol()}
    return Deployed(model, columns, settings)


def run(spark: SparkSession, corpus: DataFrame, model_dir: str, family: Family,
        settings: NerSettings, labels: list[str], vocab: str, merges: str | None = None,
        deployed: Deployed | None = None) -> list[SparkNerRow]:
    """Every corpus row through the pipeline (or a deployment as it is), with Spark NLP's exact
    model input."""
    problem = register_pieces_udf(spark, family)
    if problem:
        raise RuntimeError(f"Spark NLP pieces function unavailable: {problem}")
    if deployed is None:
        deployed = Deployed(build(spark, model_dir, family, settings),
                            {k: k for k in ("text", "document", "token", "ner", "entities")},
                            settings)
    cols = deployed.columns
    frame = corpus.select("id", F.col("text").alias(cols["text"]))
    annotated = deployed.model.transform(frame).select(
        "id", F.col(cols["text"]).alias("text"), F.col(cols["document"]).alias("document"),
        F.col(cols["token"]).alias("token"), F.col(cols["ner"]).alias("ner"),
        F.col(cols["entities"]).alias("entities"))
    out = annotated.select("id", "text", "token", "ner", "entities",
                           pieces_call(family, deployed.settings, vocab, merges).alias("pieces"))
    return [_row(r, labels) for r in out.orderBy("id").collect()]
