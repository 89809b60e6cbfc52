"""The Spark NLP side: DocumentAssembler -> Tokenizer -> the family's classifier, as records.

The classifier is the annotator of the checkpoint's family (BertForSequenceClassification or
DistilBertForSequenceClassification: parity_core.checkpoint.FAMILIES), read from the saved
model's metadata or the export's manifest and checked against the settings' family.

Settings come from EffectiveSettings only (casing, max length, batch size: the classifier's are
EffectiveSettings.sparknlp_classifier, set by sparknlp/classifier_settings.py), so this side
cannot drift from the Hugging Face side silently: whatever Spark NLP cannot match is listed in
`warnings` (printed, and kept in the run fingerprint). Facts behind the warnings were read from
the 5.5.3 jar (javap): BasicTokenizer.normalize strips accents unconditionally,
WordpieceEncoder's maxInputCharsPerWord default is 200, tokenizeWithAlignment keeps
`basicTokenizer.tokenize(token).head` per Spark NLP token, maxSentenceLength is 1..512.

Imports go one way: deployment.py (stages, saved model family, deployment hashes) <- this module
<- deploy_run.py (a deployment as it is, as a SparkNlpRun) <- job.py.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.pandas.types import from_arrow_schema

from parity_core.audit import AUDIT_KEY, DeploymentAudit
from parity_core.checkpoint import FAMILIES, Family, inspect_checkpoint
from parity_core.config import ProjectConfig
from parity_core.errors import ConfigError
from parity_core.families.bert import WORDPIECE_ENCODER, WORDPIECE_MAX_CHARS_DEFAULT
from parity_core.families.input_rewrite import InputRewrite
from parity_core.fingerprint import read_model_manifest, run_fingerprint
from parity_core.records import RECORD_SCHEMA
from parity_core.settings import (
    SPARKNLP_MAX_SENTENCE_LENGTH,
    ClassifierSettings,
    EffectiveSettings,
)
from spark_pipelines.io.corpus import text_error
from spark_pipelines.jvm.functions import jvm_class, register_java_udf
from spark_pipelines.jvm.tmpdir import DRIVER_JAVA_OPTIONS, shared_tmpdir_note
from spark_pipelines.sparknlp.classifier_settings import set_classifier_settings
from spark_pipelines.sparknlp.deployment import (
    deployment_hashes,
    model_rewrite,
    saved_model_family,
)

ONNX_THREADS_KEY = "spark.jsl.settings.onnx.intraOpNumThreads"
SPARKNLP_DEFAULT_ONNX_THREADS = 6  # ConfigLoader's default in the 5.5.3 jar
PIECES_UDF = "hfparity_sparknlp_pieces"
# Named apart from the 4-argument hfparity.SparkNlpPieces of earlier builds, so an older
# hfparity-functions.jar on a classpath (a stale spark-defaults.conf) cannot shadow it.
PIECES_CLASS = "hfparity.SparkNlpWordpieces"
# BPE families (RoBERTa): Spark NLP's own BpeTokenizer, from the model's vocabulary and merges.
BPE_PIECES_UDF = "hfparity_sparknlp_bpe_pieces"
BPE_PIECES_CLASS = "hfparity.SparkNlpBpePieces"
# SentencePiece families (XLM-R, DeBERTa, ALBERT): Spark NLP's own SentencepieceEncoder.
SPM_PIECES_UDF = "hfparity_sparknlp_spm_pieces"
SPM_PIECES_CLASS = "hfparity.SparkNlpSentencePieces"
PIECES_TYPE = ("struct<pieces:array<struct<piece:string,id:int,begin:int,end:int>>,"
               "piece_count:int,truncated:boolean,note:string,input_ids:array<int>,"
               "attention_mask:array<int>,token_type_ids:array<int>>")
LIBRARIES = ("pyspark", "spark-nlp")


@dataclass
class SparkNlpRun:
    """A fitted pipeline plus what the records and the fingerprint need to say about it."""

    pipeline: Any  # pyspark.ml.PipelineModel
    model_source: str  # "saved" or "onnx-import"
    model_dir: str
    family: Family
    annotator: str  # the JVM class of the loaded classifier, as Spark NLP reports it
    vocab_name: str | None
    pieces_problem: str | None
    warnings: list[str] = field(default_factory=list)
    # Columns and classifier settings the records read; a deployment as it is brings its own.
    text_col: str = "text"
    doc_col: str = "document"
    token_col: str = "token"
    class_col: str = "class"
    classifier_settings: ClassifierSettings | None = None
    vocab_sha256: str | None = None
    audit: DeploymentAudit | None = None
    merges_name: str | None = None  # BPE families: the model's merges, shipped like the vocab
    # The model's input rewrite (`hfparity fix`'s model-side change), read from its ONNX: the
    # records then carry the effective model input (records.py).
    input_rewrite: InputRewrite | None = None

    @property
    def case_sensitive(self) -> bool | None:
        """The classifier's caseSensitive, which the pieces function must use too."""
        return None if self.classifier_settings is None else self.classifier_settings.case_sensitive

    @property
    def max_sentence_length(self) -> int | None:
        """The classifier's maxSentenceLength, which the pieces function must use too."""
        return (None if self.classifier_settings is None
                else self.classifier_settings.max_sentence_length)


def model_location(config: ProjectConfig) -> tuple[str, str]:
    """("saved", folder) when model.sparknlp_model is set, else ("onnx-import", export folder)."""
    saved = config.sparknlp_model_path()
    if saved:
        if not (Path(saved) / "metadata").is_dir() and "://" not in saved:
            raise ConfigError(f"{config.source}: model.sparknlp_model {saved}: not a saved Spark "
                              "NLP model (run `python -m spark_pipelines.sparknlp.import_model`, "
                              "or leave it empty to import model.onnx_export on the fly)")
        return "saved", saved
    onnx = config.onnx_export_path()
    if not onnx:
        raise ConfigError(f"{config.source}: model.sparknlp_model and model.onnx_export are both "
                          "empty; one must name the model")
    if not (Path(onnx) / "model.onnx").is_file():
        raise ConfigError(f"{config.source}: model.onnx_export {onnx}: model.onnx missing")
    return "onnx-import", onnx


def onnx_threads_per_task(spark: SparkSession, settings: EffectiveSettings) -> int:
    """ONNX intra-op threads for one task: inference.threads, else the task's CPUs.

    Every concurrent task runs the model, so threads per task x tasks must not exceed the
    executor's cores: with spark.task.cpus (default 1) per task that is spark.task.cpus. More
    oversubscribes the cores (2 tasks x 2 threads on local[2] ran the bare pipeline at 0.6x of
    1 thread per task: benchmarks/sparknlp_profile.py, --onnx-threads 2 vs 1).
    """
    if settings.threads:
        return settings.threads
    return max(1, int(spark.conf.get("spark.task.cpus", "1") or "1"))


def apply_onnx_threads(spark: SparkSession, settings: EffectiveSettings) -> str:
    """Size ONNX intra-op threads per task (Spark NLP's default is 6) unless set already.

    Spark NLP reads the key once per JVM, when the first ONNX model loads, so this runs before.
    """
    current = spark.conf.get(ONNX_THREADS_KEY, None)
    if current is None:
        current = str(onnx_threads_per_task(spark, settings))
        spark.conf.set(ONNX_THREADS_KEY, current)
    return current


@functools.cache
def _note_shared_tmpdir(tmpdir: str, driver_java_options: str) -> None:
    """Say once per driver temp folder that Spark NLP will leave model copies in it."""
    note = shared_tmpdir_note(tmpdir, driver_java_options)
    if note:
        print(f"note: {note}", file=sys.stderr, flush=True)


def note_model_copies(spark: SparkSession) -> None:
    """Before a model loads: say (once per driver temp folder) that Spark NLP will leave model
    copies in the driver's java.io.tmpdir when that folder is shared."""
    context = spark.sparkContext
    _note_shared_tmpdir(context._jvm.System.getProperty("java.io.tmpdir"),
                        context.getConf().get(DRIVER_JAVA_OPTIONS, ""))


def model_family(spark: SparkSession, source: str, folder: str) -> Family:
    """The family of the configured Spark NLP model (saved model metadata or export manifest)."""
    from spark_pipelines.sparknlp.import_model import family_of_export

    return saved_model_family(spark, folder) if source == "saved" else family_of_export(folder)


def load_classifier(spark: SparkSession, source: str, folder: str, family: Family | None = None
                    ) -> Any:
    """Load the saved model (or import the export) with the family's annotator class."""
    from spark_pipelines.sparknlp.import_model import annotator_class, load_from_onnx

    note_model_copies(spark)
    family = family or model_family(spark, source, folder)
    if source == "saved":
        return annotator_class(family).load(folder)
    return load_from_onnx(spark, folder, family)


def _jvm_static(spark: SparkSession, class_name: str, method: str) -> Any:
    """Call a static method (e.g. a Scala constructor default) in the running JVM."""
    java_class = spark.sparkContext._jvm
    for part in class_name.split("."):
        java_class = getattr(java_class, part)
    return getattr(java_class, method)()


def parity_warnings(spark: SparkSession, settings: EffectiveSettings, family: Family
                    ) -> list[str]:
    """Settings Spark NLP cannot match; each says what differs and what it does to pieces.
    The family's own warnings are its module's (parity_core/families/)."""
    warnings = []
    if settings.max_length > SPARKNLP_MAX_SENTENCE_LENGTH:
        warnings.append(f"max_length {settings.max_length}: Spark NLP caps maxSentenceLength at "
                        f"{SPARKNLP_MAX_SENTENCE_LENGTH}; longer inputs are cut there")
    spark_chars = int(_jvm_static(spark, WORDPIECE_ENCODER, WORDPIECE_MAX_CHARS_DEFAULT)) \
        if family.tokenizer_model == "WordPiece" else None
    return warnings + family.run_warnings(settings, spark_chars)


def _asset_writer(spark: SparkSession, class_name: str) -> tuple[Any, Path]:
    """(the Java class that writes a model's own assets, a driver scratch folder for them).

    The folder is one Spark itself deletes when the driver stops.
    """
    jvm = spark.sparkContext._jvm
    scratch = jvm.org.apache.spark.util.Utils.createTempDir(
        jvm.System.getProperty("java.io.tmpdir"), "hfparity-vocab")
    writer = jvm_class(spark, class_name)  # the class the UDF was registered from
    if isinstance(writer, str):
        raise RuntimeError(writer)
    return writer, Path(scratch.getAbsolutePath())


def _ship(spark: SparkSession, draft: Path, stem: str) -> tuple[str, bytes]:
    """Rename draft to `<stem>-<sha256[:16]><suffix>` (a content-addressed name, so executors
    never read another model's asset under the same name), addFile it: (name, its bytes)."""
    data = draft.read_bytes()
    final = draft.with_name(f"{stem}-{hashlib.sha256(data).hexdigest()[:16]}{draft.suffix}")
    os.replace(draft, final)
    spark.sparkContext.addFile(str(final))
    return final.name, data


def _vocabulary_file(spark: SparkSession, classifier: Any) -> tuple[str, bytes]:
    """The model's own WordPiece vocabulary, shipped to executors: (file name, its bytes)."""
    writer, folder = _asset_writer(spark, PIECES_CLASS)
    writer.writeVocabulary(classifier._java_obj, str(folder / "vocab.txt"))
    return _ship(spark, folder / "vocab.txt", "hfparity-vocab")


def _bpe_asset_files(spark: SparkSession, classifier: Any) -> tuple[str, str, bytes]:
    """A BPE model's own vocabulary and merges, shipped: (vocab name, merges name, vocab
    bytes)."""
    writer, folder = _asset_writer(spark, BPE_PIECES_CLASS)
    writer.writeAssets(classifier._java_obj, str(folder / "vocab.txt"), str(folder / "merges.txt"))
    vocab_name, vocab = _ship(spark, folder / "vocab.txt", "hfparity-vocab")
    merges_name, _ = _ship(spark, folder / "merges.txt", "hfparity-merges")
    return vocab_name, merges_name, vocab


def _spm_model_file(spark: SparkSession, classifier: Any) -> tuple[str, bytes]:
    """A SentencePiece family's own .model bytes (its spp), shipped: (file name, its bytes)."""
    writer, folder = _asset_writer(spark, SPM_PIECES_CLASS)
    writer.writeModel(classifier._java_obj, str(folder / "spm.model"))
    return _ship(spark, folder / "spm.model", "hfparity-spm")


def ship_model_assets(spark: SparkSession, family: Family, classifier: Any
                      ) -> tuple[str, str | None, bytes]:
    """The classifier's own tokenizer assets, shipped for the family's pieces UDF: (vocabulary
    or SentencePiece model file name, merges file name for BPE, the vocabulary file's bytes)."""
    if family.tokenizer_model == "BPE":
        return _bpe_asset_files(spark, classifier)
    if family.spm_file is not None:
        name, data = _spm_model_file(spark, classifier)
        return name, None, data
    name, data = _vocabulary_file(spark, classifier)
    return name, None, data


def checkpoint_vocabulary(settings: EffectiveSettings) -> list[str] | None:
    """The checkpoint's vocabulary in id order, when the checkpoint folder is here."""
    if not Path(settings.checkpoint).is_dir():
        return None
    return inspect_checkpoint(settings.checkpoint).vocabulary()


def register_pieces_udf(spark: SparkSession, family: Family | None = None) -> str | None:
    """Register the family's Java pieces UDF; returns why it is unavailable, or None."""
    if family is not None and family.tokenizer_model == "BPE":
        return register_java_udf(spark, BPE_PIECES_UDF, BPE_PIECES_CLASS, PIECES_TYPE)
    if family is not None and family.spm_file is not None:
        return register_java_udf(spark, SPM_PIECES_UDF, SPM_PIECES_CLASS, PIECES_TYPE)
    return register_java_udf(spark, PIECES_UDF, PIECES_CLASS, PIECES_TYPE)


def build_pipeline(spark: SparkSession, config: ProjectConfig, settings: EffectiveSettings
                   ) -> SparkNlpRun:
    """Fit DocumentAssembler -> Tokenizer -> classifier with the effective settings."""
    from pyspark.ml import Pipeline
    from sparknlp.annotator import Tokenizer
    from sparknlp.base import DocumentAssembler

    source, folder = model_location(config)
    family = model_family(spark, source, folder)
    if family.name != settings.family:
        expected = FAMILIES[settings.family].architecture if settings.family in FAMILIES \
            else settings.family
        raise ConfigError(f"Spark NLP model {folder}: a {family.sparknlp_annotator}, but the "
                          f"checkpoint {settings.checkpoint} is a {expected}; import this "
                          "checkpoint (`hfparity import`) and point model.sparknlp_model at it")
    apply_onnx_threads(spark, settings)
    warnings = parity_warnings(spark, settings, family)
    matched = settings.sparknlp_classifier
    classifier = set_classifier_settings(
        load_classifier(spark, source, folder, family)
        .setInputCols(["document", "token"])
        .setOutputCol("class"), matched)
    classes = list(classifier.getClasses())
    if sorted(classes) != sorted(settings.labels):
        raise ConfigError(f"Spark NLP model {folder}: labels {classes} are not the checkpoint's "
                          f"{list(settings.labels)}")
    problem = register_pieces_udf(spark, family)
    vocab_name = merges_name = None
    if not problem:
        vocab_name, merges_name, data = ship_model_assets(spark, family, classifier)
        ours = data.decode("utf-8", "replace").splitlines()
        theirs = checkpoint_vocabulary(settings) if family.spm_file is None else None
        if family.spm_file is None and theirs is not None and ours != theirs:
            warnings.append(f"the Spark NLP model's vocabulary ({len(ours)} tokens) differs "
                            f"from the checkpoint's ({len(theirs)} tokens)")
    stages = [
        DocumentAssembler().setInputCol("text").setOutputCol("document"),
        Tokenizer().setInputCols(["document"]).setOutputCol("token"),
        classifier,
    ]
    empty = spark.createDataFrame([], "text string")
    pipeline = Pipeline(stages=stages).fit(empty)
    annotator = classifier._java_obj.getClass().getName()
    rewrite = model_rewrite(folder)
    warnings.extend(rewrite_notes(rewrite))
    return SparkNlpRun(pipeline, source, folder, family, annotator, vocab_name, problem, warnings,
                       classifier_settings=matched, merges_name=merges_name,
                       input_rewrite=rewrite)


def rewrite_notes(rewrite: InputRewrite | None) -> list[str]:
    """What a run says about a model carrying an input rewrite (none: nothing)."""
    if rewrite is None:
        return []
    return [f"model: an input rewrite built by `hfparity fix` for {', '.join(rewrite.rules)} "
            f"({rewrite.describe()}); the records carry the input the original graph gets"]


def _frame(corpus: DataFrame, run: SparkNlpRun, min_partitions: int | None) -> DataFrame:
    """(id, text) of the corpus, the text also under the run's text column, spread over at
    least the default parallelism."""
    spark = corpus.sparkSession
    target = min_partitions or spark.sparkContext.defaultParallelism
    frame = corpus.select("id", "text")
    if run.text_col != "text":
        frame = frame.select("id", "text", F.col("text").alias(run.text_col))
    if frame.rdd.getNumPartitions() < target:
        frame = frame.repartition(target, "id")  # hash by id: deterministic on task retry
    return frame


def pieces_column(run: SparkNlpRun) -> Column:
    """The family's pieces UDF over the run's document and token annotations (PIECES_TYPE):
    Spark NLP's own pieces and model input (ids, mask, type ids) for each row."""
    if run.vocab_name is None:
        return F.struct(
            F.lit(None).cast("array<struct<piece:string,id:int,begin:int,end:int>>")
            .alias("pieces"),
            F.lit(None).cast("int").alias("piece_count"),
            F.lit(None).cast("boolean").alias("truncated"),
            F.lit(run.pieces_problem).alias("note"),
            *(F.lit(None).cast("array<int>").alias(name)
              for name in ("input_ids", "attention_mask", "token_type_ids")))
    # batchAnnotate gets the document and token annotations; unpack needs both.
    annotations = F.concat(F.col(run.doc_col), F.col(run.token_col))
    common = (F.lit(run.case_sensitive), F.lit(run.max_sentence_length), F.lit(run.vocab_name))
    if run.merges_name is not None:
        return F.call_function(BPE_PIECES_UDF, annotations, *common, F.lit(run.merges_name))
    udf = SPM_PIECES_UDF if run.family.spm_file is not None else PIECES_UDF
    return F.call_function(udf, annotations, *common, F.lit(run.family.sparknlp_classification))


def input_stages(run: SparkNlpRun) -> Any:
    """The run's pipeline up to, not including, its classifier: what makes the document and
    token annotations the classifier reads (DocumentAssembler -> Tokenizer, or a deployment's
    own stages), without the model."""
    from pyspark.ml import PipelineModel

    stages = list(run.pipeline.stages)
    names = [stage._java_obj.getClass().getName() for stage in stages]
    if run.annotator not in names:
        raise RuntimeError(f"{run.model_dir}: no stage {run.annotator} in the pipeline")
    return PipelineModel(stages[:names.index(run.annotator)])


def model_input(corpus: DataFrame, run: SparkNlpRun, min_partitions: int | None = None
                ) -> DataFrame:
    """DataFrame[id, text, tokens, sentences, pieces]: per corpus row Spark NLP's token count,
    its sentence (document annotation) count and the pieces UDF's struct, the model not run."""
    annotated = input_stages(run).transform(_frame(corpus, run, min_partitions))
    return annotated.select(
        "id", "text", F.size(F.col(run.token_col)).alias("tokens"),
        F.size(F.col(run.doc_col)).alias("sentences"), pieces_column(run).alias("pieces"))


def annotate(corpus: DataFrame, run: SparkNlpRun, settings: EffectiveSettings,
             min_partitions: int | None = None) -> DataFrame:
    """One record per corpus row, computed on the executors (no collect to the driver)."""
    annotated = run.pipeline.transform(_frame(corpus, run, min_partitions))
    columns = annotated.select(
        F.col("id"), F.col("text"), F.lit(text_error(corpus)).cast("string").alias("text_error"),
        F.col(f"{run.token_col}.result").alias("tok_result"),
        F.col(f"{run.token_col}.begin").alias("tok_begin"),
        F.col(f"{run.token_col}.end").alias("tok_end"),
        F.col(f"{run.class_col}.result").alias("class_result"),
        F.col(f"{run.class_col}.metadata").alias("class_metadata"),
        pieces_column(run).alias("pieces"))
    from spark_pipelines.sparknlp.records import records_from_batches

    convert = records_from_batches(json.dumps(list(settings.labels)),
                                   None if run.input_rewrite is None
                                   else run.input_rewrite.to_json())
    return columns.mapInArrow(convert, from_arrow_schema(RECORD_SCHEMA))


def model_numerics(model_dir: str | None) -> dict[str, Any]:
    """How the deployed model computes: quantization (none for fp32 and for manifests from before
    quantization) and the ONNX sha256, from the model folder's manifest when it has one."""
    try:
        manifest = read_model_manifest(model_dir) if model_dir else {}
    except FileNotFoundError:
        manifest = {}
    return {"quantization": manifest.get("quantization", "none"),
            "onnx_sha256": manifest.get("onnx_sha256")}


def sparknlp_fingerprint(spark: SparkSession, run: SparkNlpRun, settings: EffectiveSettings,
                         corpus_path: str | None = None, config: ProjectConfig | None = None
                         ) -> dict[str, Any]:
    """run_fingerprint for framework "sparknlp": model hashes from the folder's manifest."""
    from spark_pipelines.jvm.coordinates import derive_coordinates

    if run.audit is not None:
        hashes, warning = deployment_hashes(run.model_dir, run.vocab_sha256, config)
        if warning:
            run.warnings.append(warning)
    else:
        manifest = read_model_manifest(run.model_dir)
        hashes = {key: manifest[key] for key in ("checkpoint_sha256", "vocab_sha256")}
    checkpoint_manifest = Path(settings.checkpoint) / "hfparity_manifest.json"
    if checkpoint_manifest.is_file():
        expected = json.loads(checkpoint_manifest.read_text(encoding="utf-8"))
        if expected.get("checkpoint_sha256") != hashes["checkpoint_sha256"]:
            run.warnings.append(f"Spark NLP model {run.model_dir} was not imported from the "
                                f"configured checkpoint {settings.checkpoint}")
    coords = derive_coordinates()
    extra = {
        "sparknlp": {
            "coordinate": coords.coordinate,
            "packages": coords.packages,
            "model_source": run.model_source,
            "model_dir": run.model_dir,
            "onnx_intra_op_threads": spark.conf.get(ONNX_THREADS_KEY, None),
            "annotator": run.annotator,
            "family": run.family.name,
            "input_rewrite": None if run.input_rewrite is None else run.input_rewrite.to_json(),
            "pieces_udf": (None if run.vocab_name is None
                           else BPE_PIECES_CLASS if run.merges_name is not None
                           else f"{SPM_PIECES_CLASS}({run.family.sparknlp_classification})"
                           if run.family.spm_file is not None
                           else f"{PIECES_CLASS}({run.family.sparknlp_classification})"),
        },
        "corpus": corpus_path,
    }
    extra["sparknlp"].update(model_numerics(run.model_dir))
    if run.audit is not None:
        extra[AUDIT_KEY] = run.audit.to_dict()
    return run_fingerprint("sparknlp", LIBRARIES, hashes, settings.to_dict(), run.warnings, extra)
