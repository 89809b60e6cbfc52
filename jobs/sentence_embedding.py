"""`hfparity check|fix` for a sentence-transformers folder (the task is detected from
modules.json; docs/sentence-embeddings.md).

check: sentence-transformers' vectors (the reference) against a Spark NLP run (the matched
pipeline with --annotator/--param, or --pipeline DIR as it is), the join, the causes proven by
re-computation from the HF model's token outputs, and the report (rows/ parquet, summary.json,
index.html) in --output.
fix: the candidate annotators and parameters that should reproduce the checkpoint's own
pooling, normalisation, max length and casing, each run for real; the first whose every
measured row agrees is proposed (fix.json + its report folder).
import: the ONNX exports Spark NLP reads (onnx/, onnx_sentence/) into --output.
Run: python -m jobs.sentence_embedding import|check|fix --checkpoint ST_FOLDER --output DIR
     [--corpus FILE] [--model DIR] [--onnx DIR] [--annotator NAME] [--param k=v ...]
     [--pipeline DIR] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from parity_core.errors import ParityError
from parity_core.tasks.sentence_embedding import is_sentence_transformers_folder, read_spec
from spark_pipelines.compare import sentence_embedding as join_
from spark_pipelines.report.sentence_embedding import write_html

PADDING_CAUSE = "mean over the batch's padding (the annotator averages padded positions)"
CAUSED = ("differs", "dimension_mismatch", "missing_reference")
EMPTY_CAUSE = "blank text embedded as [CLS][SEP] (the reference embeds no blank row)"
TOKENIZATION_CAUSE = "tokenization (the HF model re-run on Spark NLP's own word pieces)"
SPARK_MAX_LENGTH_DEFAULT = 128  # the embedding annotators' maxSentenceLength default
SPARK_MAX = 256  # the longest batch padding the padding re-computation tries
SPARK_DIM_CAUSE = "flattened token matrix (BertSentenceEmbeddings reads last_hidden_state)"


def _corpus(path: str, limit: int) -> tuple[list[str], list[str | None]]:
    table = pq.read_table(path, columns=["id", "text"]) if path.endswith(".parquet") else None
    if table is None:
        raise ParityError(f"{path}: sentence embeddings read a parquet corpus (id, text)")
    rows = table.to_pylist()[: limit or None]
    return [str(r["id"]) for r in rows], [r["text"] for r in rows]


def run_sparknlp(args: argparse.Namespace, onnx: str | None, annotator: str,
                 params: list[str], out: Path) -> list[dict[str, Any]]:
    """One Spark NLP run in a process of its own (one model.onnx per SparkContext)."""
    command = [sys.executable, "-m", "spark_pipelines.sparknlp.sentence_embedding",
               "--corpus", args.corpus, "--out", str(out), "--limit", str(args.limit)]
    command += (["--pipeline", args.pipeline] if args.pipeline and onnx is None
                else ["--onnx", onnx, "--annotator", annotator]
                + [x for p in params for x in ("--param", p)])
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        tail = "\n".join(done.stderr.splitlines()[-15:])
        raise ParityError(f"Spark NLP run {annotator} failed (exit {done.returncode}):\n{tail}")
    return pq.read_table(out).to_pylist()


def _batch_padding(model: tuple[Any, Any], wanted: list[str], texts: list[str],
                   spark_by_id: dict[str, dict], limits: join_.EmbeddingThresholds
                   ) -> dict[str, np.ndarray]:
    """Per row, the mean over padding to the batch length L (L = the row's own length ..
    SPARK_MAX) that best matches Spark NLP's vector: reproduced or not, name_causes decides."""
    from hf_reference.sentence_embedding import padded_means

    dim = model[0].config.hidden_size
    keep = [i for i, row_id in enumerate(wanted) if (spark_by_id[row_id]["dimension"] or 0) == dim]
    wanted, texts = [wanted[i] for i in keep], [texts[i] for i in keep]
    best: dict[str, np.ndarray] = {}
    for row_id, means in zip(wanted, padded_means(model, texts, SPARK_MAX, SPARK_MAX)):
        vector = spark_by_id[row_id]["vector"]
        if vector is None or len(vector) != means.shape[1]:
            continue
        observed = np.asarray(vector, np.float32)
        sims = means @ (observed / max(1e-12, float(np.linalg.norm(observed))))
        best[row_id] = means[int(np.argmax(sims))]
    return best


def _tokenization(model: tuple[Any, Any], spec: Any, wanted: list[str],
                  spark_by_id: dict[str, dict], reference: list[dict]
                  ) -> dict[str, dict[str, np.ndarray]]:
    """Rows whose Spark NLP word pieces (BertSentenceEmbeddings.tokenize, recorded by the Spark
    NLP run) differ from the reference's: the HF model re-run on Spark NLP's pieces, pooled as
    the reference pools (or flattened, for a token export)."""
    from hf_reference.sentence_embedding import on_pieces

    hf_ids = {r["id"]: (r["input_ids"] or [])[1:-1] for r in reference}
    rows = [i for i in wanted if spark_by_id[i].get("piece_ids") is not None
            and list(spark_by_id[i]["piece_ids"]) != hf_ids.get(i)]
    found: dict[str, dict[str, np.ndarray]] = {TOKENIZATION_CAUSE: {}}
    for row_id in rows:
        record = spark_by_id[row_id]
        dim = record["dimension"] or 0
        pad_to = dim // spec.dimension if dim != spec.dimension and spec.dimension else None
        vector = on_pieces(model, [record["piece_ids"]], SPARK_MAX_LENGTH_DEFAULT if pad_to
                           else spec.max_length, spec.pooling, spec.normalize, pad_to)[0]
        found[TOKENIZATION_CAUSE][row_id] = vector
    return found


def _causes(checkpoint: str, ids: list[str], texts: list[str | None],
            rows: list[dict[str, Any]], spark: list[dict[str, Any]], reference: list[dict],
            limits: join_.EmbeddingThresholds) -> dict[str, dict[str, np.ndarray]]:
    """name -> id -> re-computed vector, in the order they are tried."""
    from hf_reference.sentence_embedding import (
        candidates,
        flattened_tokens,
        load_encoder,
        on_pieces,
    )

    spec = read_spec(checkpoint)
    wanted = [r["id"] for r in rows if r["status"] in CAUSED]
    index = {row_id: i for i, row_id in enumerate(ids)}
    spark_by_id = {r["id"]: r for r in spark}
    found: dict[str, dict[str, np.ndarray]] = {}
    if not wanted:
        return found
    # A null text is embedded as "" (what DocumentAssembler makes of it) in every re-computation.
    text_of = {i: texts[index[i]] or "" for i in wanted}
    texts_wanted = [text_of[i] for i in wanted]
    lengths = sorted({spec.max_length, 128})
    model = load_encoder(checkpoint)
    blank = [i for i in wanted if not text_of[i].strip()
             and spark_by_id[i]["dimension"] == spec.dimension]
    found[EMPTY_CAUSE] = dict(zip(blank, on_pieces(model, [[] for _ in blank], spec.max_length,
                                                   spec.pooling, spec.normalize)))
    for name, matrix in candidates(model, texts_wanted, lengths).items():
        found[f"pooling {name}"] = dict(zip(wanted, matrix))
    found[PADDING_CAUSE] = _batch_padding(model, wanted, texts_wanted,
                                          spark_by_id, limits)
    ref_vectors = {r["id"]: np.asarray(r["vector"], np.float32) for r in reference if r["vector"]}
    by_dim: dict[int, list[str]] = {}
    for row_id in wanted:
        dim = spark_by_id[row_id]["dimension"] or 0
        if spec.dimension and dim % spec.dimension == 0 and dim != spec.dimension:
            by_dim.setdefault(dim // spec.dimension, []).append(row_id)
    flat: dict[str, np.ndarray] = {}
    for positions, members in by_dim.items():  # Spark NLP's max length: its default 128
        matrix = flattened_tokens(model, [text_of[i] for i in members], 128, positions)
        flat.update(zip(members, matrix))
    found[SPARK_DIM_CAUSE] = flat
    found.update(_tokenization(model, spec, wanted, spark_by_id, reference))

    # another row's vector: the Spark NLP vector equals some other row's reference vector
    matrix_ids = list(ref_vectors)
    matrix = np.stack([ref_vectors[i] for i in matrix_ids]) if matrix_ids else None
    other: dict[str, np.ndarray] = {}
    for row_id in wanted:
        vector = spark_by_id[row_id]["vector"]
        if matrix is None or vector is None or len(vector) != matrix.shape[1]:
            continue
        sims = join_._unit(matrix) @ (np.asarray(vector) / max(1e-12, np.linalg.norm(vector)))
        best = int(np.argmax(sims))
        if matrix_ids[best] != row_id:
            other[row_id] = matrix[best]
    found["vector of another row"] = other
    return found


def check(args: argparse.Namespace, onnx: str | None, annotator: str, params: list[str],
          output: Path) -> dict[str, Any]:
    from hf_reference.sentence_embedding import reference as st_reference

    limits = join_.thresholds()
    ids, texts = _corpus(args.corpus, args.limit)
    reference = st_reference(args.checkpoint, ids, texts)
    spark = run_sparknlp(args, onnx, annotator, params, output / "sparknlp.parquet")
    rows = join_.join(reference, spark, limits)
    candidates = _causes(args.checkpoint, ids, texts, rows, spark, reference, limits)
    observed = {r["id"]: np.asarray(r["vector"], np.float32) for r in spark if r["vector"]}
    join_.name_causes(rows, observed, candidates, limits)
    pairs = [(np.asarray(r["vector"]), observed[r["id"]]) for r in reference
             if r["vector"] and r["id"] in observed and len(r["vector"]) == observed[r["id"]].size]
    retrieval = (join_.retrieval(np.stack([p[0] for p in pairs]), np.stack([p[1] for p in pairs]),
                                 limits) if pairs else {"measured": False,
                                                        "reason": "no row has one dimension"})
    context = {"task": "sentence_embedding", "checkpoint": args.checkpoint,
               "spec": read_spec(args.checkpoint).as_dict(), "corpus": args.corpus,
               "limit": args.limit, "sparknlp": {"annotator": annotator, "onnx": onnx,
                                                 "params": params, "pipeline": args.pipeline}}
    summary = join_.summarise(rows, retrieval, limits, context)
    join_.write(rows, summary, output)
    write_html(summary, rows, output / "index.html")
    return summary


def fix_candidates(checkpoint: str, model: str | None = None
                   ) -> list[tuple[str, str, list[str]]]:
    """(onnx folder, annotator, params) that should reproduce the checkpoint's own vector, most
    direct first: the pooled export read by BertSentenceEmbeddings always; E5 for mean + L2;
    BGE with useCLSToken for CLS + L2."""
    spec = read_spec(checkpoint)
    root = Path(model or Path(checkpoint).parent)
    common = [f"caseSensitive={str(not spec.lowercase).lower()}",
              f"maxSentenceLength={spec.max_length}"]
    found = [(str(root / "onnx_sentence"), "BertSentenceEmbeddings", common)]
    if spec.pooling == "mean" and spec.normalize:
        found.append((str(root / "onnx"), "E5Embeddings", common))
    if spec.pooling == "cls" and spec.normalize:
        found.append((str(root / "onnx"), "BGEEmbeddings", [*common, "useCLSToken=true"]))
    return [c for c in found if Path(c[0], "model.onnx").is_file()]


# Causes no annotator parameter removes: what is left after the best candidate is named, not fixed.
UNFIXABLE = (TOKENIZATION_CAUSE, EMPTY_CAUSE)


def fix(args: argparse.Namespace, output: Path) -> dict[str, Any]:
    """Run each candidate for real; propose the one with the most agreeing rows. It is proven
    when every other measured row's difference is re-computed as a cause no annotator
    parameter removes (Spark NLP's own tokenization, a blank text), and says which."""
    tried = []
    for number, (onnx, annotator, params) in enumerate(fix_candidates(args.checkpoint,
                                                                      args.model)):
        summary = check(args, onnx, annotator, params, output / f"candidate-{number}")
        remaining = {k: v for k, v in summary["causes"].items()}
        proven = (summary["agree_rows"] > 0 and not summary["statuses"].get(
            "dimension_mismatch") and all(k in UNFIXABLE for k in remaining))
        tried.append({"annotator": annotator, "onnx": onnx, "params": params,
                      "agree_rows": summary["agree_rows"], "rows": summary["rows"],
                      "statuses": summary["statuses"], "cosine": summary["cosine"],
                      "retrieval": summary["retrieval"], "remaining_causes": remaining,
                      "proven": proven, "report": str(output / f"candidate-{number}")})
        if proven:
            break
    best = max(tried, key=lambda t: (t["proven"], t["agree_rows"]), default=None)
    result = {"proposal": best, "tried": tried}
    (output / "fix.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


def import_folder(checkpoint: str, output: Path) -> dict[str, Any]:
    """Export the folder for Spark NLP (onnx/ and onnx_sentence/ in output), checked against
    torch; returns what was written and the spec the reference follows."""
    from hf_reference.sentence_export import MAX_EXPORT_DELTA, export_folders

    deltas = export_folders(Path(checkpoint), output)
    worst = max(deltas.values())
    if worst > MAX_EXPORT_DELTA:
        raise ParityError(f"{checkpoint}: the ONNX export differs from torch by {worst:.2e} "
                          f"(> {MAX_EXPORT_DELTA:g}); not imported")
    result = {"checkpoint": checkpoint, "spec": read_spec(checkpoint).as_dict(),
              "onnx_vs_torch_max_abs_delta": deltas, "model": str(output)}
    (output / "manifest.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=("import", "check", "fix"))
    parser.add_argument("--checkpoint", required=True, help="a sentence-transformers folder")
    parser.add_argument("--corpus", help="parquet corpus (id, text); check and fix")
    parser.add_argument("--output", required=True)
    parser.add_argument("--model", help="folder with onnx/ and onnx_sentence/ (what import "
                        "writes; default: the checkpoint's parent, set-up's layout)")
    parser.add_argument("--onnx", help="the ONNX folder check runs (default: MODEL/onnx)")
    parser.add_argument("--annotator", default="BertSentenceEmbeddings")
    parser.add_argument("--param", action="append", default=[])
    parser.add_argument("--pipeline", help="a saved Spark NLP PipelineModel, run as it is")
    parser.add_argument("--limit", type=int, default=0, help="first N corpus rows only")
    args = parser.parse_args(argv)
    try:
        if not is_sentence_transformers_folder(args.checkpoint):
            raise ParityError(f"{args.checkpoint}: no modules.json with a Pooling module "
                              "(not a sentence-transformers folder)")
        output = Path(args.output)
        output.mkdir(parents=True, exist_ok=True)
        if args.command == "import":
            print(json.dumps(import_folder(args.checkpoint, output), indent=2))
            return 0
        if not args.corpus:
            raise ParityError(f"{args.command}: --corpus FILE is required")
        if args.command == "fix":
            print(json.dumps(fix(args, output), indent=2))
            return 0
        model = Path(args.model or Path(args.checkpoint).parent)
        onnx = None if args.pipeline else (args.onnx or str(model / "onnx"))
        summary = check(args, onnx, args.annotator, args.param, output)
        print(json.dumps({k: summary[k] for k in ("rows", "statuses", "cosine", "retrieval",
                                                  "causes", "reproduced_share", "gate")},
                         indent=2))
        return 0 if summary["gate"]["passed"] else 1
    except ParityError as error:
        print(f"hfparity: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
