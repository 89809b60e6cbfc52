"""Spark NLP annotations -> prediction records, computed on the executors (mapInArrow).

Spark NLP offsets are Java string indexes (UTF-16 units), end inclusive; records use code points,
end exclusive, so an emoji (two UTF-16 units) must not shift every later offset. A word's or
piece's offsets leave out the whitespace its token carries at either end (a RegexTokenizer that
keeps each word's leading space, so that RoBERTa's classifier gives it the Ġ marker), as Hugging
Face's trim_offsets does: the space is in the piece (`Ġword`), the offsets point at the word.
Probabilities come from the class annotation's metadata as Java Float.toString strings ("1.2E-4").
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pyarrow as pa

from parity_core.records import (
    LABEL_RULE_MEAN,
    RECORD_COLUMNS,
    RECORD_SCHEMA,
    STATUS_ERROR,
    STATUS_INVALID_TEXT,
    STATUS_NO_PREDICTION,
    STATUS_OK,
    empty_record,
    text_sha256,
)

ASCII_SPACE = " \t\n\r"
NO_LABEL_ERROR = "Spark NLP gave no label (no tokens: empty or whitespace-only text)"


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


def utf16_index(text: str) -> list[int]:
    """For each UTF-16 unit of text, the index of the code point it belongs to (plus the end)."""
    index: list[int] = []
    for position, char in enumerate(text):
        index.append(position)
        if ord(char) > 0xFFFF:
            index.append(position)
    index.append(len(text))
    return index


def to_code_points(begin: int | None, end: int | None, index: list[int]
                   ) -> tuple[int | None, int | None]:
    """(begin, end) in UTF-16 units, end inclusive -> code points, end exclusive.

    Clamped to the text: Spark NLP computes piece offsets on lowercased/normalised token text,
    which can be longer than the original (e.g. "İ".lower() is two chars).
    """
    if begin is None or end is None:
        return None, None
    last = len(index) - 1
    cp_begin = index[min(max(begin, 0), last)]
    cp_end = index[min(max(end, 0), last)] + 1 if end >= begin else cp_begin
    return cp_begin, min(max(cp_end, cp_begin), index[last])


def trim_whitespace(text: str, begin: int | None, end: int | None
                    ) -> tuple[int | None, int | None]:
    """Code point (begin, end) without ASCII whitespace at either end, unless nothing else is
    left (a whitespace-only token keeps its span). Other spaces (NBSP, U+3000) stay: Spark NLP's
    own tokenizers keep them inside tokens, and the join's separator causes read them there."""
    if begin is None or end is None:
        return begin, end
    inner_begin, inner_end = begin, end
    while inner_begin < inner_end and text[inner_begin] in ASCII_SPACE:
        inner_begin += 1
    while inner_end > inner_begin and text[inner_end - 1] in ASCII_SPACE:
        inner_end -= 1
    return (inner_begin, inner_end) if inner_begin < inner_end else (begin, end)


def probabilities_from_metadata(metadata: dict[str, str], labels: Sequence[str]) -> list[float]:
    """Every label's probability, in the settings' label (id) order."""
    missing = [label for label in labels if label not in metadata]
    if missing:
        raise ValueError(f"class metadata has no probability for {missing}: {sorted(metadata)}")
    return [parse_java_float(metadata[label]) for label in labels]


def _as_dict(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    return dict(value) if not isinstance(value, dict) else value


def build_record(row: dict[str, Any], labels: Sequence[str]) -> dict[str, Any]:
    """One record from one row of Spark NLP output (the columns `pipeline.annotate` selects)."""
    record_id, text = row["id"], row["text"]
    if text is None:
        return empty_record(record_id, STATUS_INVALID_TEXT, row.get("text_error") or
                            "text is null")
    index = utf16_index(text)
    record = empty_record(record_id, STATUS_OK)
    record.update(text_sha256=text_sha256(text), text_length=len(text))
    words = []
    for result, begin, end in zip(row["tok_result"] or [], row["tok_begin"] or [],
                                  row["tok_end"] or []):
        cp_begin, cp_end = trim_whitespace(text, *to_code_points(begin, end, index))
        words.append({"text": result.strip(ASCII_SPACE) or result, "begin": cp_begin,
                      "end": cp_end})
    record["words"] = words
    pieces = row.get("pieces")
    if pieces is not None:
        record["pieces_note"] = pieces.get("note")
        if pieces.get("pieces") is not None:
            record["pieces"] = [
                dict(zip(("piece", "id"), (p["piece"], p["id"])),
                     **dict(zip(("begin", "end"), trim_whitespace(
                         text, *to_code_points(p["begin"], p["end"], index)))))
                for p in pieces["pieces"]
            ]
            record["piece_count"] = pieces.get("piece_count")
            record["truncated"] = pieces.get("truncated")
            for name in ("input_ids", "attention_mask", "token_type_ids"):
                record[name] = pieces.get(name)
    else:
        record["pieces_note"] = "pieces UDF not run"
    classes = row["class_result"] or []
    if not classes:
        record.update(status=STATUS_NO_PREDICTION, error=NO_LABEL_ERROR)
        return record
    record["predictions"] = len(classes)
    metadata = [_as_dict(m) for m in (row["class_metadata"] or [])]
    unknown = [label for label in classes if label not in labels]
    if unknown:
        raise ValueError(f"Spark NLP label {unknown[0]!r} is not one of the checkpoint's {labels}")
    if len(classes) == 1:
        probabilities = probabilities_from_metadata(metadata[0], labels)
        label = classes[0]
    else:  # one prediction per sentence: LABEL_RULE_MEAN (parity_core.records says why)
        each = [probabilities_from_metadata(m, labels) for m in metadata[:len(classes)]]
        probabilities = [sum(column) / len(each) for column in zip(*each)]
        label = labels[max(range(len(labels)), key=probabilities.__getitem__)]
        record["label_rule"] = LABEL_RULE_MEAN
    record.update(label=label, label_id=list(labels).index(label), probabilities=probabilities)
    return record


def safe_record(row: dict[str, Any], labels: Sequence[str]) -> dict[str, Any]:
    """build_record, but a failure becomes status error for this row only."""
    try:
        return build_record(row, labels)
    except Exception as exc:  # one bad row must not sink the partition
        record = empty_record(row["id"], STATUS_ERROR, f"{type(exc).__name__}: {exc}"[:500])
        if row.get("text") is not None:
            record.update(text_sha256=text_sha256(row["text"]), text_length=len(row["text"]))
        return record


def records_from_batches(labels_json: str
                         ) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """The mapInArrow function: annotation columns in, RECORD_SCHEMA batches out."""
    labels = tuple(json.loads(labels_json))

    def convert(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            if batch.num_rows == 0:
                continue
            records = [safe_record(row, labels) for row in batch.to_pylist()]
            yield pa.RecordBatch.from_pylist(
                [{name: r[name] for name in RECORD_COLUMNS} for r in records],
                schema=RECORD_SCHEMA)

    return convert
