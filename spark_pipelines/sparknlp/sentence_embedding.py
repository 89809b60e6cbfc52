"""The Spark NLP side of sentence embeddings: a matched pipeline the tool builds, or the user's.

Matched: DocumentAssembler -> <annotator> on the document (one vector per row, as
sentence-transformers makes one per text), the annotator imported with `loadSavedModel` from an
ONNX folder (model.onnx + assets/vocab.txt) with the given parameters (caseSensitive,
maxSentenceLength, batchSize, BGE's useCLSToken). `--pipeline DIR`: a saved PipelineModel run
as it is; its last stage's output column of type sentence_embeddings is read.

The corpus is read by the house's one reader (spark_pipelines/io/corpus.py: the id and text
columns, ids derived when there is no id column, duplicate ids refused) and written, in its
order, to --corpus-out: the reference embeds exactly the ids and texts this run read.

One record per corpus row: status `ok` (one vector; a blank text included:
BertSentenceEmbeddings 5.5.3 embeds an empty document as [CLS][SEP], as sentence-transformers
does), `invalid_text` (a null or non-string text, as for the classifier: not embedded, no
vector), `no_vector` (no annotation), `several_vectors` (a sentence detector upstream made
several: the first is kept and the count recorded). Rows are matched by id, never by position,
so a row without a vector cannot take its neighbour's.

Spark NLP keeps one model.onnx per SparkContext, so each annotator import runs in a process of
its own: `main` is that process (spark_pipelines/sparknlp/import_model.py says the same).
Run: python -m spark_pipelines.sparknlp.sentence_embedding --onnx DIR --annotator NAME
     --corpus FILE --out FILE.parquet --corpus-out FILE.parquet [--param key=value ...]
     [--id-column NAME --text-column NAME --encoding ENC] | --pipeline DIR
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from parity_core.config import CorpusConfig
from parity_core.records import STATUS_INVALID_TEXT

ANNOTATORS = ("BertSentenceEmbeddings", "E5Embeddings", "BGEEmbeddings", "MPNetEmbeddings")
OUTPUT = "sentence_embeddings"
RECORD_SCHEMA = pa.schema([
    pa.field("id", pa.string()), pa.field("status", pa.string()),
    pa.field("vector", pa.list_(pa.float32())), pa.field("dimension", pa.int32()),
    pa.field("norm", pa.float64()), pa.field("annotations", pa.int32()),
    # Spark NLP's own word-piece ids for the row (BertSentenceEmbeddings.tokenize), null when
    # the annotator offers no tokenize of its own
    pa.field("piece_ids", pa.list_(pa.int32())),
    # Where the row was in the Spark run: its partition and its place there. An annotator
    # embeds a partition's rows batchSize at a time in this order, so these name the batch a
    # row's vector was computed in (the batch re-computation in jobs/sentence_embedding.py).
    pa.field("partition", pa.int32()), pa.field("position", pa.int64()),
])
PARTITION, POSITION = "_partition", "_position"
PARAM_SETTERS = {"caseSensitive": "setCaseSensitive", "maxSentenceLength":
                 "setMaxSentenceLength", "batchSize": "setBatchSize",
                 "useCLSToken": "setUseCLSToken"}


def _value(text: str) -> Any:
    return {"true": True, "false": False}.get(text.lower(), int(text) if text.isdigit() else text)


def matched_pipeline(spark: Any, onnx_dir: str, annotator: str, params: dict[str, Any]) -> Any:
    """DocumentAssembler -> the annotator imported from the ONNX folder, with params set."""
    import sparknlp.annotator
    from pyspark.ml import Pipeline
    from sparknlp.base import DocumentAssembler

    if annotator not in ANNOTATORS:
        raise ValueError(f"--annotator {annotator}: one of {', '.join(ANNOTATORS)}")
    model = getattr(sparknlp.annotator, annotator).loadSavedModel(onnx_dir, spark)
    for key, value in params.items():
        if key not in PARAM_SETTERS or not hasattr(model, PARAM_SETTERS[key]):
            raise ValueError(f"--param {key}: {annotator} has no such parameter")
        getattr(model, PARAM_SETTERS[key])(value)
    model = model.setInputCols(["document"]).setOutputCol(OUTPUT)
    document = DocumentAssembler().setInputCol("text").setOutputCol("document")
    return Pipeline(stages=[document, model])


def _embedding_column(frame: Any) -> str:
    """The last column whose annotations are sentence embeddings (a user pipeline's output)."""
    names = [f.name for f in frame.schema.fields if "annotatorType" in str(f.metadata)
             and "sentence_embeddings" in str(f.metadata)]
    if OUTPUT in frame.columns:
        return OUTPUT
    if not names:
        raise ValueError("the pipeline makes no sentence_embeddings column")
    return names[-1]


def records_of(rows: list[Any]) -> list[dict[str, Any]]:
    """One record per row from (id, text, [embeddings...], partition, position) rows; a null
    text (the reader makes a non-string column null) is invalid_text and keeps no vector, as
    for the classifier."""
    out = []
    for row_id, text, vectors, partition, position in rows:
        vectors = [list(v) for v in (vectors or []) if v is not None and len(v)]
        if text is None:
            vectors = []
        status = (STATUS_INVALID_TEXT if text is None else "no_vector" if not vectors
                  else "several_vectors" if len(vectors) > 1 else "ok")
        vector = vectors[0] if vectors else None
        out.append({"id": row_id, "status": status, "vector": vector,
                    "dimension": len(vector) if vector else None,
                    "norm": math.sqrt(math.fsum(x * x for x in vector)) if vector else None,
                    "annotations": len(vectors), "partition": partition,
                    "position": position})
    return out


def run(corpus: Any, order: list[str], pipeline: Any, fitted: bool) -> list[dict[str, Any]]:
    """Transform the corpus (DataFrame id, text) and return its records in `order`."""
    from pyspark.sql import functions as F

    model = pipeline if fitted else pipeline.fit(corpus)
    result = model.transform(corpus)
    column = _embedding_column(result)
    rows = (result.select("id", "text", F.col(f"{column}.embeddings").alias("vectors"),
                          PARTITION, POSITION).collect())
    by_id = {r["id"]: tuple(r) for r in rows}
    return records_of([by_id[i] for i in order])


def with_places(corpus: Any, partitions: int) -> Any:
    """The corpus spread over `partitions` (one per core: Spark NLP embeds a partition's rows
    in batches on one thread), each row tagged with its partition and its place in it; cached,
    so the annotator sees the rows in the order recorded."""
    from pyspark.sql import functions as F

    spread = corpus.repartition(partitions)
    place = F.monotonically_increasing_id().bitwiseAND((1 << 33) - 1)  # index in partition
    return (spread.withColumn(PARTITION, F.spark_partition_id())
            .withColumn(POSITION, place).cache())


def _tokenize_input(spark: Any, annotator: Any, text: str) -> Any:
    """The one-item Scala Seq the annotator's own `tokenize` takes for a text:
    BertSentenceEmbeddings tokenizes Sentences, E5/BGE/MPNet tokenize document Annotations."""
    jvm = spark._jvm
    end = len(text) - 1
    if annotator.__class__.__name__ == "BertSentenceEmbeddings":
        item = jvm.com.johnsnowlabs.nlp.annotators.common.Sentence(text, 0, end, 0,
                                                                   jvm.scala.Option.empty())
    else:
        empty = spark.sparkContext._gateway.new_array(jvm.float, 0)
        item = jvm.com.johnsnowlabs.nlp.Annotation("document", 0, end, text,
                                                   jvm.scala.collection.immutable.HashMap(),
                                                   empty)
    items = jvm.java.util.ArrayList()
    items.add(item)
    return jvm.scala.collection.JavaConverters.asScalaBufferConverter(items).asScala().toSeq()


def sparknlp_pieces(spark: Any, annotator: Any, texts: list[str | None]) -> list[list[int] | None]:
    """Each text's word-piece ids as the annotator's own `tokenize` makes them (Spark NLP's
    BasicTokenizer + WordpieceEncoder with the model's casing; no [CLS]/[SEP], no truncation):
    what the tokenization and batch re-computations feed the HF model."""
    out: list[list[int] | None] = []
    for text in texts:
        # Every text Spark NLP embeds, a blank one too: what Python strips (U+00A0, say) its
        # BasicTokenizer may keep as a word (measured: "\xa0\xa0" is [UNK]).
        if not text:
            out.append(None if text is None else [])
            continue
        sentences = annotator._java_obj.tokenize(_tokenize_input(spark, annotator, text))
        out.append([int(piece.pieceId()) for piece in sentences.apply(0).tokens()])
    return out


def write_corpus(rows: list[tuple[str, str | None]], path: str, error: str | None) -> None:
    """The corpus as this run read it (id, text, in order); a non-string column's error in
    the metadata: what the reference embeds."""
    table = pa.table({"id": pa.array([r[0] for r in rows], pa.string()),
                      "text": pa.array([r[1] for r in rows], pa.string())})
    table = table.replace_schema_metadata({"hfparity.text_error": error or ""})
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)


def write(records: list[dict[str, Any]], path: str, meta: dict[str, Any]) -> None:
    table = pa.Table.from_pylist(records, schema=RECORD_SCHEMA)
    table = table.replace_schema_metadata({"hfparity": json.dumps(meta)})
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--onnx")
    parser.add_argument("--annotator", default="BertSentenceEmbeddings")
    parser.add_argument("--param", action="append", default=[], help="key=value")
    parser.add_argument("--pipeline", help="a saved PipelineModel, run as it is")
    parser.add_argument("--limit", type=int, default=0, help="first N corpus rows only")
    parser.add_argument("--corpus-out", required=True,
                        help="parquet: the corpus as read (id, text, in order)")
    columns = CorpusConfig()
    parser.add_argument("--id-column", default=columns.id_column)
    parser.add_argument("--text-column", default=columns.text_column)
    parser.add_argument("--encoding", default=columns.encoding)
    args = parser.parse_args(argv)
    from pyspark.ml import PipelineModel

    from spark_pipelines.io.corpus import read_corpus, text_error
    from spark_pipelines.jvm.session import get_session

    spark = get_session("hfparity-sentence-embedding")
    corpus = read_corpus(spark, args.corpus, args.id_column, args.text_column, args.encoding)
    if args.limit:
        corpus = corpus.limit(args.limit)
    read = [(r["id"], r["text"]) for r in corpus.collect()]
    write_corpus(read, args.corpus_out, text_error(corpus))
    order = [r[0] for r in read]
    corpus = with_places(spark.createDataFrame(read, corpus.schema),
                         spark.sparkContext.defaultParallelism)
    params = dict(p.split("=", 1) for p in args.param)
    params = {k: _value(v) for k, v in params.items()}
    started = time.time()
    if args.pipeline:
        records = run(corpus, order, PipelineModel.load(args.pipeline), fitted=True)
        meta = {"pipeline": args.pipeline}
    else:
        pipeline = matched_pipeline(spark, args.onnx, args.annotator, params)
        records = run(corpus, order, pipeline, fitted=False)
        used = pipeline.getStages()[1]._java_obj  # the values the run used, defaults included
        meta = {"onnx": args.onnx, "annotator": args.annotator, "params": params,
                "batch_size": used.getBatchSize(),
                "max_sentence_length": used.getMaxSentenceLength()}
        texts = dict(read)
        ids = sparknlp_pieces(spark, pipeline.getStages()[1], [texts[r["id"]] for r in records])
        for record, piece_ids in zip(records, ids):
            record["piece_ids"] = piece_ids
    meta["seconds"] = round(time.time() - started, 1)
    write(records, args.out, meta)
    print(f"[sparknlp] {len(records)} records -> {args.out} ({meta['seconds']} s)", flush=True)
    return 0


if __name__ == "__main__":
    from parity_core.errors import ParityError

    try:
        sys.exit(main())
    except ParityError as error:  # a refused corpus: exit 2, as every job's bad input
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
