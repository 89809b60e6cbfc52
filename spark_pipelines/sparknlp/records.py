"""Spark NLP annotations -> prediction records, computed on the executors (mapInArrow).

Column-wise per Arrow batch: the ids, mask and piece strings Spark NLP produced pass through as
Arrow arrays, word and piece offsets are converted for the whole batch at once (spans.py says
how), and only the per-row decisions (status, label, probabilities) are Python. The worker
shares the executor's cores with ONNX inference, so every Python object it builds per row is
time the model does not get.

Probabilities come from the class annotation's metadata as Java Float.toString strings ("1.2E-4").

Behind a rewritten export (`hfparity fix`'s model-side change, parity_core/families/
input_rewrite.py), the model input recorded is the effective one: the ids and mask the original
graph gets after the rewrite, and the pieces' ids with them, so the join compares what the model
computes on, and the counterfactual re-runs Hugging Face on exactly that.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from parity_core.families.input_rewrite import InputRewrite
from parity_core.families.unicode import ASCII_SPACE
from parity_core.records import (
    LABEL_RULE_MEAN,
    PIECE_TYPE,
    RECORD_SCHEMA,
    STATUS_ERROR,
    STATUS_INVALID_TEXT,
    STATUS_NO_PREDICTION,
    STATUS_OK,
    WORD_TYPE,
    text_sha256,
)
from spark_pipelines.io.arrow_chunks import row_chunks
from spark_pipelines.sparknlp.spans import BatchTexts

NO_LABEL_ERROR = "Spark NLP gave no label (no tokens: empty or whitespace-only text)"
NO_PIECES_NOTE = "pieces UDF not run"
PASSED_THROUGH = ("input_ids", "attention_mask", "token_type_ids")
# The columns `pipeline.annotate` selects for the conversion, as Arrow sees them.
ANNOTATION_SCHEMA = pa.schema([
    pa.field("id", pa.string()), pa.field("text", pa.string()),
    pa.field("text_error", pa.string()),
    pa.field("tok_result", pa.list_(pa.string())), pa.field("tok_begin", pa.list_(pa.int32())),
    pa.field("tok_end", pa.list_(pa.int32())), pa.field("class_result", pa.list_(pa.string())),
    pa.field("class_metadata", pa.list_(pa.map_(pa.string(), pa.string()))),
    pa.field("pieces", pa.struct([
        pa.field("pieces", pa.list_(PIECE_TYPE)), pa.field("piece_count", pa.int32()),
        pa.field("truncated", pa.bool_()), pa.field("note", pa.string()),
        *(pa.field(name, pa.list_(pa.int32())) for name in PASSED_THROUGH)])),
])


def parse_java_float(value: str | None) -> float:
    """A Java Float.toString/Double.toString value ("0.51396203", "1.2E-4", "NaN", "Infinity")."""
    if value is None:
        raise ValueError("probability missing")
    text = value.strip()
    special = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
    if text in special:
        return special[text]
    if not text or text.lower() in ("nan", "inf", "-inf", "infinity", "-infinity"):
        raise ValueError(f"not a Java float: {value!r}")
    return float(text)


def probabilities_from_metadata(metadata: dict[str, str], labels: Sequence[str]) -> list[float]:
    """Every label's probability, in the settings' label (id) order."""
    missing = [label for label in labels if label not in metadata]
    if missing:
        raise ValueError(f"class metadata has no probability for {missing}: {sorted(metadata)}")
    return [parse_java_float(metadata[label]) for label in labels]


def _as_dict(value: Any) -> dict[str, str]:
    """A map as Arrow gives it to Python (a list of pairs), or a dict."""
    if value is None:
        return {}
    return dict(value) if not isinstance(value, dict) else value


def decide(text: str | None, text_error: str | None, classes: list[str] | None,
           metadata: list[Any] | None, labels: Sequence[str]) -> dict[str, Any]:
    """One row's status and prediction fields; a row that cannot be read gets status error
    (one bad row must not sink the partition), its text hash and length kept."""
    if text is None:
        return {"status": STATUS_INVALID_TEXT, "error": text_error or "text is null"}
    decision: dict[str, Any] = {"status": STATUS_OK, "text_sha256": text_sha256(text),
                                "text_length": len(text)}
    if not classes:
        return {**decision, "status": STATUS_NO_PREDICTION, "error": NO_LABEL_ERROR}
    try:
        unknown = [label for label in classes if label not in labels]
        if unknown:
            raise ValueError(f"Spark NLP label {unknown[0]!r} is not one of the checkpoint's "
                             f"{labels}")
        maps = [_as_dict(m) for m in (metadata or [])]
        if len(classes) == 1:
            probabilities = probabilities_from_metadata(maps[0] if maps else {}, labels)
            label, rule = classes[0], None
        else:  # one prediction per sentence: LABEL_RULE_MEAN (parity_core.records says why)
            each = [probabilities_from_metadata(m, labels) for m in maps[:len(classes)]]
            probabilities = [sum(column) / len(each) for column in zip(*each)]
            label = labels[max(range(len(labels)), key=probabilities.__getitem__)]
            rule = LABEL_RULE_MEAN
    except Exception as exc:
        return {**decision, "status": STATUS_ERROR, "error": f"{type(exc).__name__}: {exc}"[:500]}
    return {**decision, "predictions": len(classes), "label": label,
            "label_id": list(labels).index(label), "probabilities": probabilities,
            "label_rule": rule}


def _lengths(lists: pa.Array) -> np.ndarray:
    return pc.fill_null(pc.list_value_length(lists), 0).to_numpy(zero_copy_only=False)


def _list_of(lengths: np.ndarray, keep: np.ndarray, values: pa.Array, element_rows: np.ndarray
             ) -> pa.Array:
    """A list array of values (one element per entry of element_rows), null where not keep."""
    kept = np.where(keep, lengths, 0)
    offsets = pa.array(np.concatenate(([0], np.cumsum(kept))).astype(np.int32))
    values = values.filter(pa.array(keep[element_rows])) if len(values) else values
    return pa.ListArray.from_arrays(offsets, values, mask=pa.array(~keep))


def _int_column(values: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(values with nulls as 0, valid) of an int array."""
    valid = pc.is_valid(values).to_numpy(zero_copy_only=False)
    return pc.fill_null(values, 0).to_numpy(zero_copy_only=False), valid


def _words(batch: pa.RecordBatch, texts: BatchTexts, keep: np.ndarray) -> pa.Array:
    """The words column: Spark NLP's tokens, their text and span without edge whitespace."""
    results, begins, ends = (batch.column(name) for name in ("tok_result", "tok_begin", "tok_end"))
    lengths = _lengths(begins)
    if not (np.array_equal(lengths, _lengths(results)) and
            np.array_equal(lengths, _lengths(ends))):
        raise ValueError("token result/begin/end lists differ in length")
    rows = pc.list_parent_indices(begins).to_numpy()
    begin, end = texts.spans(rows, pc.list_flatten(begins).to_numpy(zero_copy_only=False),
                             pc.list_flatten(ends).to_numpy(zero_copy_only=False))
    words = pc.list_flatten(results)
    trimmed = pc.utf8_trim(words, characters=ASCII_SPACE)
    words = pc.if_else(pc.equal(trimmed, ""), words, trimmed)  # a whitespace token stays
    values = pa.StructArray.from_arrays(
        [words, pa.array(begin, pa.int32()), pa.array(end, pa.int32())], fields=list(WORD_TYPE))
    return _list_of(lengths, keep, values, rows)


def _pieces(pieces: pa.Array, texts: BatchTexts, keep: np.ndarray) -> pa.Array:
    """The pieces column: the UDF's pieces with spans converted; special tokens stay null."""
    lengths = _lengths(pieces)
    rows = pc.list_parent_indices(pieces).to_numpy()
    flat = pc.list_flatten(pieces)
    piece, piece_id, begins, ends = flat.flatten()
    begin_raw, begin_valid = _int_column(begins)
    end_raw, end_valid = _int_column(ends)
    begin, end = texts.spans(rows, begin_raw, end_raw)
    valid = begin_valid & end_valid
    values = pa.StructArray.from_arrays(
        [piece, piece_id, pa.array(begin, pa.int32(), mask=~valid),
         pa.array(end, pa.int32(), mask=~valid)], fields=list(PIECE_TYPE))
    return _list_of(lengths, keep, values, rows)


def _masked(values: pa.Array, keep: np.ndarray) -> pa.Array:
    return pc.if_else(pa.array(keep), values, pa.nulls(len(values), values.type))


def rewritten(fields: dict[str, pa.Array], rewrite: InputRewrite | None) -> dict[str, pa.Array]:
    """The pieces struct's fields with the effective model input behind a rewritten export:
    input_ids and attention_mask as InputRewrite.apply makes them, each piece's id the rewritten
    id at its position (pieces and ids are both start, pieces, end)."""
    if rewrite is None:
        return fields
    pairs = [None if ids is None else rewrite.apply(ids)
             for ids in fields["input_ids"].to_pylist()]
    pieces = fields["pieces"].to_pylist()
    for row, pair in zip(pieces, pairs):
        if row is not None and pair is not None and len(row) == len(pair[0]):
            for piece, piece_id in zip(row, pair[0]):
                piece["id"] = piece_id
    return {**fields, "pieces": pa.array(pieces, fields["pieces"].type),
            "input_ids": pa.array([None if p is None else p[0] for p in pairs],
                                  fields["input_ids"].type),
            "attention_mask": pa.array([None if p is None else p[1] for p in pairs],
                                       fields["attention_mask"].type)}


def records_batch(batch: pa.RecordBatch, labels: Sequence[str],
                  rewrite: InputRewrite | None = None) -> pa.RecordBatch:
    """One RECORD_SCHEMA batch from one batch of annotation columns (ANNOTATION_SCHEMA);
    rewrite: the input rewrite the model carries, if any (the model input recorded is then the
    effective one)."""
    texts = batch.column("text").to_pylist()
    decisions = [decide(*row, labels) for row in zip(
        texts, batch.column("text_error").to_pylist(), batch.column("class_result").to_pylist(),
        batch.column("class_metadata").to_pylist())]
    status = [d["status"] for d in decisions]
    scored = np.array([s in (STATUS_OK, STATUS_NO_PREDICTION) for s in status], dtype=bool)
    geometry = BatchTexts(texts)
    pieces_struct = batch.column("pieces")
    has_struct = pc.is_valid(pieces_struct).to_numpy(zero_copy_only=False)
    fields = rewritten(dict(zip([f.name for f in pieces_struct.type], pieces_struct.flatten())),
                       rewrite)
    has_pieces = has_struct & pc.is_valid(fields["pieces"]).to_numpy(zero_copy_only=False)
    notes = fields["note"].to_pylist()
    columns: dict[str, Any] = {
        "id": batch.column("id"), "status": status,
        "error": [d.get("error") for d in decisions],
        "text_sha256": [d.get("text_sha256") for d in decisions],
        "text_length": [d.get("text_length") for d in decisions],
        "words": _words(batch, geometry, scored),
        "pieces": _pieces(fields["pieces"], geometry, scored & has_pieces),
        "pieces_note": [(note if struct else NO_PIECES_NOTE) if ok else None
                        for note, struct, ok in zip(notes, has_struct, scored)],
        "piece_count": _masked(fields["piece_count"], scored & has_pieces),
        "truncated": _masked(fields["truncated"], scored & has_pieces),
        **{name: _masked(fields[name], scored & has_pieces) for name in PASSED_THROUGH},
    }
    for name in ("label", "label_id", "probabilities", "predictions", "label_rule"):
        columns[name] = [d.get(name) for d in decisions]
    columns["logits"] = None
    arrays = [column if isinstance(column, pa.Array) else
              pa.nulls(batch.num_rows, f.type) if column is None else pa.array(column, f.type)
              for f in RECORD_SCHEMA for column in [columns[f.name]]]
    return pa.RecordBatch.from_arrays(arrays, schema=RECORD_SCHEMA)


def build_record(row: dict[str, Any], labels: Sequence[str]) -> dict[str, Any]:
    """One record from one row of annotation columns given as Python values (tests, debugging):
    the batch conversion on a batch of one."""
    row = dict(row)
    row["class_metadata"] = [list(_as_dict(m).items()) for m in (row.get("class_metadata") or [])]
    batch = pa.RecordBatch.from_pylist([row], schema=ANNOTATION_SCHEMA)
    return records_batch(batch, labels).to_pylist()[0]


def records_from_batches(labels_json: str, rewrite_json: str | None = None
                         ) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """The mapInArrow function: annotation columns in, RECORD_SCHEMA batches out (rewrite_json:
    the model's input rewrite, InputRewrite.to_json, when it carries one)."""
    labels = tuple(json.loads(labels_json))
    rewrite = None if rewrite_json is None else InputRewrite.from_json(rewrite_json)

    def convert(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            for chunk in row_chunks(batch):
                yield records_batch(chunk, labels, rewrite)

    return convert
