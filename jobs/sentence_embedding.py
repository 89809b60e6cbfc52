"""`hfparity check|fix` for a sentence-transformers folder (the task is detected from
modules.json; docs/sentence-embeddings.md).

check: sentence-transformers' vectors (the reference) against a Spark NLP run (the matched
pipeline with --annotator/--param, or --pipeline DIR as it is), the join, the causes proven by
re-computation from the HF model's token outputs, and the report (rows/ parquet, summary.json,
index.html) in --output.
fix: the candidate annotators and parameters that should reproduce the checkpoint's own
pooling, normalisation, max length and casing, each run for real; the first that is proven is
proposed (fix.json + its report folder).
import: the ONNX exports Spark NLP reads (onnx/, onnx_sentence/) into --output.
The corpus is checked by the classifier's rules before anything runs
(spark_pipelines/io/corpus_rules.py) and read by its reader (spark_pipelines/io/corpus.py).
Exit codes as `hfparity check`'s: check 0 when the gate passes, 1 when it fails; fix 0 when its
proposal is proven, 1 when it measured but could not prove it (the first line says why); 2 bad
input; 3 a failure. The first line printed is the verdict, then where the report is.
Run: python -m jobs.sentence_embedding import|check|fix --checkpoint ST_FOLDER --output DIR
     [--corpus FILE] [--id-column NAME] [--text-column NAME] [--encoding ENC] [--model DIR]
     [--onnx DIR] [--annotator NAME] [--param k=v ...] [--pipeline DIR] [--limit N]
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

from jobs.cli import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    EXIT_THRESHOLD,
    add_corpus_columns,
    check_corpus_path,
    exit_code,
    say,
)
from parity_core.errors import BadInput, ParityError
from parity_core.files import REPORT_FILE
from parity_core.tasks.sentence_embedding import is_sentence_transformers_folder, read_spec
from spark_pipelines.compare import sentence_embedding as join_
from spark_pipelines.io.corpus_rules import CHECK_HINTS, validate_local
from spark_pipelines.report.sentence_embedding import DIFFERING, verdict_line, write_html

PADDING_CAUSE = "mean over the batch's padding (the annotator averages padded positions)"
CAUSED = DIFFERING
TOKENIZATION_CAUSE = "tokenization (the HF model re-run on Spark NLP's own word pieces)"
TOKENIZATION_L2 = f"{TOKENIZATION_CAUSE}, then L2 (the annotator normalises, the folder does not)"
SPARK_MAX_LENGTH_DEFAULT = 128  # the embedding annotators' maxSentenceLength default
SPARK_MAX = 256  # the longest batch padding the padding re-computation tries
SPARK_DIM_CAUSE = "flattened token matrix (BertSentenceEmbeddings reads last_hidden_state)"
BATCH_CAUSE = ("{} over the batch's first row's positions (E5Embeddings 5.5.3 pools every row "
               "of a batch with the first row's attention mask)")


CORPUS_READ = "corpus.parquet"  # the corpus as the Spark NLP run read it: what the reference embeds


def run_sparknlp(args: argparse.Namespace, onnx: str | None, annotator: str,
                 params: list[str], out: Path) -> list[dict[str, Any]]:
    """One Spark NLP run in a process of its own (one model.onnx per SparkContext); it reads
    the corpus with the house's reader and writes it, as read, beside its records."""
    command = [sys.executable, "-m", "spark_pipelines.sparknlp.sentence_embedding",
               "--corpus", args.corpus, "--out", str(out), "--limit", str(args.limit),
               "--corpus-out", str(out.parent / CORPUS_READ), "--id-column", args.id_column,
               "--text-column", args.text_column, "--encoding", args.encoding]
    command += (["--pipeline", args.pipeline] if args.pipeline and onnx is None
                else ["--onnx", onnx, "--annotator", annotator]
                + [x for p in params for x in ("--param", p)])
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        tail = "\n".join(done.stderr.splitlines()[-15:])
        message = f"Spark NLP run {annotator} failed (exit {done.returncode}):\n{tail}"
        if done.returncode == EXIT_BAD_INPUT:
            raise BadInput(message)
        raise RuntimeError(message)
    return pq.read_table(out).to_pylist()


def read_run_corpus(folder: Path) -> tuple[list[str], list[str | None], str | None]:
    """ids, texts (None: null or non-string) and the text column's error, as the run read them."""
    table = pq.read_table(folder / CORPUS_READ)
    error = (table.schema.metadata or {}).get(b"hfparity.text_error", b"").decode() or None
    return table.column("id").to_pylist(), table.column("text").to_pylist(), error


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


def run_meta(path: Path) -> dict[str, Any]:
    """What the Spark NLP run recorded about itself (annotator, params, batch size, ...)."""
    return json.loads((pq.read_schema(path).metadata or {}).get(b"hfparity", b"{}"))


def spark_batches(spark: list[dict[str, Any]], text_by_id: dict[str, str | None],
                  batch_size: int) -> list[list[str]]:
    """The batches the annotator ran, as ids: each Spark partition's rows in their recorded
    order, batch_size rows at a time (HasBatchedAnnotate), less the rows whose document is
    empty (a null or "" text: the annotator drops an empty document before its model runs)."""
    by_partition: dict[int, list[dict[str, Any]]] = {}
    for record in spark:
        if record.get("partition") is not None:
            by_partition.setdefault(record["partition"], []).append(record)
    batches = []
    for members in by_partition.values():
        members.sort(key=lambda r: r["position"])
        for start in range(0, len(members), batch_size):
            kept = [r["id"] for r in members[start:start + batch_size] if text_by_id.get(r["id"])]
            if kept:
                batches.append(kept)
    return batches


def _batch_attention(model: tuple[Any, Any], wanted: list[str], spark: list[dict[str, Any]],
                     text_by_id: dict[str, str | None], meta: dict[str, Any]
                     ) -> dict[str, dict[str, np.ndarray]]:
    """Rows whose vector may come from the batch they ran in: the HF model re-run on that very
    batch (spark_batches) and pooled as E5Embeddings 5.5.3 pools it (batch_first_mask)."""
    from hf_reference.sentence_embedding import batch_first_mask

    batch_size, max_length = meta.get("batch_size"), meta.get("max_sentence_length")
    dim = model[0].config.hidden_size
    spark_by_id = {r["id"]: r for r in spark}
    targets = {i for i in wanted if spark_by_id[i]["dimension"] == dim}
    if not batch_size or not max_length or not targets:
        return {}
    batches = [b for b in spark_batches(spark, text_by_id, batch_size) if targets & set(b)]
    tokenizer = model[1]

    def ids_of(row_id: str) -> list[int]:
        pieces = spark_by_id[row_id].get("piece_ids")  # Spark NLP's own, where recorded
        if pieces is None:
            return tokenizer(text_by_id[row_id], truncation=True,
                             max_length=max_length)["input_ids"]
        return [tokenizer.cls_token_id, *pieces[:max_length - 2], tokenizer.sep_token_id]

    vectors = batch_first_mask(model, [[ids_of(i) for i in b] for b in batches])
    order = [i for b in batches for i in b]
    return {BATCH_CAUSE.format(name): {i: v for i, v in zip(order, found) if i in targets}
            for name, found in vectors.items()}


def _tokenization(model: tuple[Any, Any], spec: Any, wanted: list[str],
                  spark_by_id: dict[str, dict], reference: list[dict]
                  ) -> dict[str, dict[str, np.ndarray]]:
    """Rows whose Spark NLP word pieces (the annotator's own tokenize, recorded by the Spark
    NLP run) differ from the reference's: the HF model re-run on Spark NLP's pieces, pooled as
    the reference pools (or flattened, for a token export), and L2-normalised as well when the
    reference is not."""
    from hf_reference.sentence_embedding import on_pieces

    hf_ids = {r["id"]: (r["input_ids"] or [])[1:-1] for r in reference}
    rows = [i for i in wanted if spark_by_id[i].get("piece_ids") is not None
            and list(spark_by_id[i]["piece_ids"]) != hf_ids.get(i)]
    found: dict[str, dict[str, np.ndarray]] = {TOKENIZATION_CAUSE: {}, TOKENIZATION_L2: {}}
    for row_id in rows:
        record = spark_by_id[row_id]
        dim = record["dimension"] or 0
        pad_to = dim // spec.dimension if dim != spec.dimension and spec.dimension else None
        vector = on_pieces(model, [record["piece_ids"]], SPARK_MAX_LENGTH_DEFAULT if pad_to
                           else spec.max_length, spec.pooling, spec.normalize, pad_to)[0]
        found[TOKENIZATION_CAUSE][row_id] = vector
        if not spec.normalize and not pad_to:  # an annotator that always L2-normalises (BGE)
            found[TOKENIZATION_L2][row_id] = vector / max(1e-12, float(np.linalg.norm(vector)))
    return found


def _causes(checkpoint: str, ids: list[str], texts: list[str | None],
            rows: list[dict[str, Any]], spark: list[dict[str, Any]], reference: list[dict],
            limits: join_.EmbeddingThresholds, meta: dict[str, Any]
            ) -> dict[str, dict[str, np.ndarray]]:
    """name -> id -> re-computed vector, in the order they are tried."""
    from hf_reference.sentence_embedding import candidates, flattened_tokens, load_encoder

    spec = read_spec(checkpoint)
    wanted = [r["id"] for r in rows if r["status"] in CAUSED]
    index = {row_id: i for i, row_id in enumerate(ids)}
    spark_by_id = {r["id"]: r for r in spark}
    found: dict[str, dict[str, np.ndarray]] = {}
    if not wanted:
        return found
    # A row both sides embed has a text; `or ""` only guards a pipeline that embeds a null one.
    text_of = {i: texts[index[i]] or "" for i in wanted}
    texts_wanted = [text_of[i] for i in wanted]
    lengths = sorted({spec.max_length, 128})
    model = load_encoder(checkpoint)
    # a pooling can only reproduce a vector of the model's own dimension
    pooled = [i for i in wanted if spark_by_id[i]["dimension"] == spec.dimension]
    for name, matrix in candidates(model, [text_of[i] for i in pooled], lengths).items():
        found[f"pooling {name}"] = dict(zip(pooled, matrix))
    # the row's own pieces before any batch: the simplest re-computation that reproduces wins
    found.update(_tokenization(model, spec, wanted, spark_by_id, reference))
    # the batch the row ran in (recorded) before a scan over batch lengths (a user pipeline)
    found.update(_batch_attention(model, wanted, spark, dict(zip(ids, texts)), meta))
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
    spark = run_sparknlp(args, onnx, annotator, params, output / "sparknlp.parquet")
    ids, texts, text_error = read_run_corpus(output)
    reference = st_reference(args.checkpoint, ids, texts)
    rows = join_.join(reference, spark, limits)
    candidates = _causes(args.checkpoint, ids, texts, rows, spark, reference, limits,
                         run_meta(output / "sparknlp.parquet"))
    observed = {r["id"]: np.asarray(r["vector"], np.float32) for r in spark if r["vector"]}
    join_.name_causes(rows, observed, candidates, limits)
    pairs = [(np.asarray(r["vector"]), observed[r["id"]]) for r in reference
             if r["vector"] and r["id"] in observed and len(r["vector"]) == observed[r["id"]].size]
    retrieval = (join_.retrieval(np.stack([p[0] for p in pairs]), np.stack([p[1] for p in pairs]),
                                 limits) if pairs else {"measured": False,
                                                        "reason": "no row has one dimension"})
    context = {"task": "sentence_embedding", "checkpoint": args.checkpoint,
               "spec": read_spec(args.checkpoint).as_dict(), "corpus": args.corpus,
               "corpus_columns": {"id": args.id_column, "text": args.text_column,
                                  "text_error": text_error},
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
UNFIXABLE = (TOKENIZATION_CAUSE,)


def unproven_reason(summary: dict[str, Any]) -> str | None:
    """Why a candidate's run does not prove it, in one line; None when it is proven: some row
    agrees and every differing row is re-computed as a cause no annotator parameter removes."""
    if not summary["agree_rows"]:
        return "no row agrees"
    causes = summary["causes"]
    unproven = causes.get("not reproduced", 0)
    if unproven:
        return (f"{unproven:,} differing {'row is' if unproven == 1 else 'rows are'} not "
                "reproduced by any re-computation")
    fixable = {k: v for k, v in causes.items() if k not in UNFIXABLE}
    if fixable:
        shown = ", ".join(f"{k} {v:,}" for k, v in fixable.items())
        return f"causes an annotator parameter may remove remain: {shown}"
    return None


def fix(args: argparse.Namespace, output: Path) -> dict[str, Any]:
    """Run each candidate for real; propose the proven one, else the one with the most agreeing
    rows. It is proven when every differing row is re-computed as a cause no annotator
    parameter removes (Spark NLP's own tokenization), and says which; else why not."""
    found = fix_candidates(args.checkpoint, args.model)
    if not found:
        model = args.model or Path(args.checkpoint).parent
        raise BadInput(f"--model {model}: no onnx_sentence/ or onnx/ with a model.onnx; run "
                       "`hfparity import --checkpoint ST_FOLDER --output MODEL_DIR` first")
    tried = []
    for number, (onnx, annotator, params) in enumerate(found):
        report = output / f"candidate-{number}"
        summary = check(args, onnx, annotator, params, report)
        why = unproven_reason(summary)
        tried.append({"annotator": annotator, "onnx": onnx, "params": params,
                      "agree_rows": summary["agree_rows"], "rows": summary["rows"],
                      "statuses": summary["statuses"], "cosine": summary["cosine"],
                      "retrieval": summary["retrieval"], "remaining_causes": summary["causes"],
                      "reproduced_share": summary["reproduced_share"],
                      "proven": why is None, "why_not_proven": why,
                      "verdict": verdict_line(summary, report), "report": str(report)})
        if why is None:
            break
    best = max(tried, key=lambda t: (t["proven"], t["agree_rows"]))
    result = {"proposal": best, "tried": tried}
    (output / "fix.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


def _fix_line(proposal: dict[str, Any]) -> str:
    """`fix: PROVEN|NOT PROVEN: <annotator> on <onnx> with <params>: N of M rows agree; ...`."""
    what = (f"{proposal['annotator']} on {proposal['onnx']} with "
            f"{', '.join(proposal['params']) or 'its defaults'}")
    agree = f"{proposal['agree_rows']:,} of {proposal['rows']:,} rows agree"
    if proposal["proven"]:
        causes = ", ".join(f"{k} {v:,}" for k, v in proposal["remaining_causes"].items())
        rest = (f"the other differing rows are re-computed as causes no annotator parameter "
                f"removes: {causes}" if causes else "no row differs")
        return f"fix: PROVEN: {what}: {agree}; {rest}"
    return f"fix: NOT PROVEN: {what}: {agree}; why: {proposal['why_not_proven']}"


def _detail_lines(summary: dict[str, Any]) -> list[str]:
    """The retrieval view and the causes, after the verdict (summary.json has every figure)."""
    retrieval = summary["retrieval"]
    shown = (f"top-{retrieval['k']} neighbour overlap {retrieval['top_k_overlap_mean']:.3f} "
             f"(min {retrieval['top_k_overlap_min']:.1f}) over {retrieval['query_rows']} query "
             f"rows, Spearman of similarities {retrieval['spearman_mean']:.3f}"
             if retrieval.get("measured") else f"not measured ({retrieval.get('reason')})")
    share = summary["reproduced_share"]
    causes = ", ".join(f"{k} {v:,}" for k, v in summary["causes"].items()) or "none"
    return [f"retrieval: {shown}",
            f"causes (re-computation reproduces {summary['reproduced_rows']:,} of "
            f"{summary['differing_rows']:,} differing rows"
            + (f", {share:.2%}" if share is not None else "") + f"): {causes}"]


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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=("import", "check", "fix"))
    parser.add_argument("--checkpoint", required=True, help="a sentence-transformers folder")
    parser.add_argument("--corpus", help="corpus: parquet, CSV or JSON lines; check and fix")
    add_corpus_columns(parser)
    parser.add_argument("--output", required=True)
    parser.add_argument("--model", help="folder with onnx/ and onnx_sentence/ (what import "
                        "writes; default: the checkpoint's parent, set-up's layout)")
    parser.add_argument("--onnx", help="the ONNX folder check runs (default: MODEL/onnx)")
    parser.add_argument("--annotator", default="BertSentenceEmbeddings")
    parser.add_argument("--param", action="append", default=[])
    parser.add_argument("--pipeline", help="a saved Spark NLP PipelineModel, run as it is")
    parser.add_argument("--limit", type=int, default=0, help="first N corpus rows only")
    return parser


def _check_corpus(args: argparse.Namespace) -> None:
    """The classifier's corpus rules, in Python before Spark starts: the text column exists,
    ids are unique and non-null, the encoding holds (refused by name: exit 2)."""
    if not args.corpus:
        raise BadInput(f"{args.command}: --corpus FILE is required")
    args.corpus = str(Path(check_corpus_path(args.corpus, "--corpus")).resolve())
    validate_local(args.corpus, args.id_column, args.text_column, args.encoding, CHECK_HINTS)


def run(args: argparse.Namespace) -> int:
    """import, check or fix; the verdict first, then where the report is, then the detail."""
    if not is_sentence_transformers_folder(args.checkpoint):
        raise BadInput(f"{args.checkpoint}: no modules.json with a Pooling module "
                       "(not a sentence-transformers folder)")
    output = Path(args.output)
    if args.command == "import":
        output.mkdir(parents=True, exist_ok=True)
        print(json.dumps(import_folder(args.checkpoint, output), indent=2))
        return EXIT_OK
    _check_corpus(args)
    read_spec(args.checkpoint)  # a refused folder is refused before Spark starts
    output.mkdir(parents=True, exist_ok=True)
    if args.command == "fix":
        result = fix(args, output)
        proposal = result["proposal"]
        say(_fix_line(proposal))
        say(f"verdict on the proposal: {proposal['verdict']}")
        summary = json.loads((Path(proposal["report"]) / "summary.json").read_text())
        for line in _detail_lines(summary):
            say(line)
        ran, planned = len(result["tried"]), len(fix_candidates(args.checkpoint, args.model))
        say(f"fix: {output / 'fix.json'} ({ran} of {planned} candidates run, each with its "
            "report)")
        return EXIT_OK if proposal["proven"] else EXIT_THRESHOLD
    model = Path(args.model or Path(args.checkpoint).parent)
    onnx = None if args.pipeline else (args.onnx or str(model / "onnx"))
    summary = check(args, onnx, args.annotator, args.param, output)
    say(f"verdict: {verdict_line(summary, output)}")
    say(f"report: {output / REPORT_FILE}  (rows: {output / 'rows'}, summary: "
        f"{output / 'summary.json'})")
    for line in _detail_lines(summary):
        say(line)
    return EXIT_OK if summary["gate"]["passed"] else EXIT_THRESHOLD


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return exit_code(lambda: run(args))


if __name__ == "__main__":
    sys.exit(main())
