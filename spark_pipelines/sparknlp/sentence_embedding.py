"""The Spark NLP side of sentence embeddings: a matched pipeline the tool builds, or the user's.

Matched: DocumentAssembler -> <annotator> on the document (one vector per row, as
sentence-transformers makes one per text), the annotator imported with `loadSavedModel` from an
ONNX folder (model.onnx + assets/vocab.txt) with the given parameters (caseSensitive,
maxSentenceLength, batchSize, BGE's useCLSToken). `--pipeline DIR`: a saved PipelineModel run
as it is; its last stage's output column of type sentence_embeddings is read.

One record per corpus row: status `ok` (one vector), `no_text` (empty or whitespace-only text,
no vector), `vector_without_text` (a blank text that still got a vector: BertSentenceEmbeddings
5.5.3 embeds an empty document as [CLS][SEP]), `no_vector` (text but no annotation),
`several_vectors` (a sentence detector upstream made several: the first is kept and the count
recorded). Rows are
matched by id, never by position, so a row without a vector cannot take its neighbour's.

Spark NLP keeps one model.onnx per SparkContext, so each annotator import runs in a process of
its own: `main` is that process (spark_pipelines/sparknlp/import_model.py says the same).
Run: python -m spark_pipelines.sparknlp.sentence_embedding --onnx DIR --annotator NAME
     --corpus FILE --out FILE.parquet [--param key=value ...] | --pipeline DIR
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

ANNOTATORS = ("BertSentenceEmbeddings", "E5Embeddings", "BGEEmbeddings", "MPNetEmbeddings")
OUTPUT = "sentence_embeddings"
RECORD_SCHEMA = pa.schema([
    pa.field("id", pa.string()), pa.field("status", pa.string()),
    pa.field("vector", pa.list_(pa.float32())), pa.field("dimension", pa.int32()),
    pa.field("norm", pa.float64()), pa.field("annotations", pa.int32()),
    # Spark NLP's own word-piece ids for the row (BertSentenceEmbeddings.tokenize), null when
    # the annotator offers no tokenize of its own
    pa.field("piece_ids", pa.list_(pa.int32())),
])
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
    """One record per row from (id, text, [embeddings...]) rows."""
    out = []
    for row_id, text, vectors in rows:
        vectors = [list(v) for v in (vectors or []) if v is not None and len(v)]
        blank = not (text or "").strip()
        status = ("vector_without_text" if blank and vectors else "no_text" if blank
                  else "no_vector" if not vectors
                  else "several_vectors" if len(vectors) > 1 else "ok")
        vector = vectors[0] if vectors else None
        out.append({"id": row_id, "status": status, "vector": vector,
                    "dimension": len(vector) if vector else None,
                    "norm": math.sqrt(math.fsum(x * x for x in vector)) if vector else None,
                    "annotations": len(vectors)})
    return out


def run(spark: Any, corpus: Any, pipeline: Any, fitted: bool) -> list[dict[str, Any]]:
    """Transform the corpus (DataFrame id, text) and return its records in corpus order."""
    from pyspark.sql import functions as F

    model = pipeline if fitted else pipeline.fit(corpus)
    result = model.transform(corpus)
    column = _embedding_column(result)
    rows = (result.select("id", "text", F.col(f"{column}.embeddings").alias("vectors"))
            .collect())
    by_id = {r["id"]: (r["id"], r["text"], r["vectors"]) for r in rows}
    order = [r["id"] for r in corpus.select("id").collect()]
    return records_of([by_id[i] for i in order])


def sparknlp_pieces(spark: Any, annotator: Any, texts: list[str | None]) -> list[list[int] | None]:
    """Each text's word-piece ids as Spark NLP's own BertSentenceEmbeddings.tokenize makes them
    (its BasicTokenizer + WordpieceEncoder with the model's casing; no [CLS]/[SEP], no
    truncation): what the tokenization re-computation feeds the HF model."""
    jvm = spark._jvm
    sentence_class = jvm.com.johnsnowlabs.nlp.annotators.common.Sentence
    out: list[list[int] | None] = []
    for text in texts:
        if not (text or "").strip():
            out.append(None)
            continue
        items = jvm.java.util.ArrayList()
        items.add(sentence_class(text, 0, len(text) - 1, 0, jvm.scala.Option.empty()))
        seq = jvm.scala.collection.JavaConverters.asScalaBufferConverter(items).asScala().toSeq()
        pieces = annotator._java_obj.tokenize(seq).apply(0).tokens()
        out.append([int(piece.pieceId()) for piece in pieces])
    return out


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
    args = parser.parse_args(argv)
    from pyspark.ml import PipelineModel

    from spark_pipelines.io.corpus import read_corpus
    from spark_pipelines.jvm.session import get_session

    spark = get_session("hfparity-sentence-embedding")
    corpus = read_corpus(spark, args.corpus)
    if args.limit:
        corpus = corpus.limit(args.limit)
    # One partition per core: Spark NLP embeds a partition's rows in batches on one thread.
    corpus = corpus.repartition(spark.sparkContext.defaultParallelism).cache()
    params = dict(p.split("=", 1) for p in args.param)
    params = {k: _value(v) for k, v in params.items()}
    started = time.time()
    if args.pipeline:
        records = run(spark, corpus, PipelineModel.load(args.pipeline), fitted=True)
        meta = {"pipeline": args.pipeline}
    else:
        pipeline = matched_pipeline(spark, args.onnx, args.annotator, params)
        records = run(spark, corpus, pipeline, fitted=False)
        meta = {"onnx": args.onnx, "annotator": args.annotator, "params": params}
        if args.annotator == "BertSentenceEmbeddings":
            texts = {r["id"]: r["text"] for r in corpus.select("id", "text").collect()}
            ids = sparknlp_pieces(spark, pipeline.getStages()[1],
                                  [texts[r["id"]] for r in records])
            for record, piece_ids in zip(records, ids):
                record["piece_ids"] = piece_ids
    meta["seconds"] = round(time.time() - started, 1)
    write(records, args.out, meta)
    print(f"[sparknlp] {len(records)} records -> {args.out} ({meta['seconds']} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
