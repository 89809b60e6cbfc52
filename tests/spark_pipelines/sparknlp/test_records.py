"""Pure conversions behind the Spark NLP records: Java float strings, UTF-16 -> code points,
whole batches column-wise."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pytest

from spark_pipelines.sparknlp.records import (
    ANNOTATION_SCHEMA,
    build_record,
    parse_java_float,
    probabilities_from_metadata,
    records_batch,
)
from spark_pipelines.sparknlp.spans import BatchTexts

LABELS = ("negative", "positive")


def spans(texts: list[str | None], rows: list[int], begins: list[int], ends: list[int]
          ) -> list[tuple[int, int]]:
    begin, end = BatchTexts(texts).spans(np.array(rows), np.array(begins), np.array(ends))
    return list(zip(begin.tolist(), end.tolist()))


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0.51396203", 0.51396203), ("1.2E-4", 1.2e-4), ("1.0", 1.0), ("9.99E-39", 9.99e-39),
     ("-3.5E10", -3.5e10), ("Infinity", math.inf)],
)
def test_parse_java_float(text: str, expected: float) -> None:
    assert parse_java_float(text) == expected


def test_parse_java_float_nan_and_garbage() -> None:
    assert math.isnan(parse_java_float("NaN"))
    for bad in ("", "nan", "inf", "abc", None):
        with pytest.raises((ValueError, TypeError)):
            parse_java_float(bad)


def test_probabilities_in_label_order() -> None:
    meta = {"sentence": "0", "positive": "0.486038", "negative": "0.51396203"}
    assert probabilities_from_metadata(meta, ("negative", "positive")) == [0.51396203, 0.486038]
    with pytest.raises(ValueError, match="neutral"):
        probabilities_from_metadata(meta, ("negative", "neutral"))


def test_utf16_end_inclusive_to_code_points_end_exclusive() -> None:
    text = "a😀b 🎉🎉x"
    # Java: "a"=0, emoji=1..2, "b"=3, " "=4, 🎉=5..6, 🎉=7..8, "x"=9
    got = spans([text], [0, 0, 0, 0, 0], [1, 3, 5, 50, 4], [2, 3, 9, 60, 3])
    assert got[0] == (1, 2)
    assert text[slice(*got[1])] == "b"
    assert text[slice(*got[2])] == "🎉🎉x"
    assert got[3] == (len(text), len(text))  # clamped
    assert got[4] == (3, 3)  # end before begin: empty, where it begins (the space, code point 3)


def test_spans_of_several_rows_use_each_rows_own_text() -> None:
    """Rows are converted together: an emoji in one row must not shift another row's offsets,
    and an empty or null text clamps to 0."""
    texts = ["😀😀 ab", None, "", "xy 🎉z"]
    got = spans(texts, [0, 3, 3, 1, 2], [5, 3, 5, 0, 0], [6, 3, 6, 4, 2])
    assert [texts[0][slice(*got[0])], texts[3][slice(*got[1])], texts[3][slice(*got[2])]] == [
        "ab", "🎉", "z"]
    assert got[3:] == [(0, 0), (0, 0)]
    assert spans(["", None], [0, 1], [0, 0], [3, 3]) == [(0, 0), (0, 0)]  # no text at all


def test_null_text_is_invalid_even_though_spark_nlp_saw_empty() -> None:
    row = {"id": "x", "text": None, "text_error": None, "tok_result": [], "tok_begin": [],
           "tok_end": [], "class_result": [], "class_metadata": [], "pieces": None}
    record = build_record(row, ("negative", "positive"))
    assert record["status"] == "invalid_text" and record["error"] == "text is null"


def test_a_token_carrying_its_space_points_at_the_word() -> None:
    """A RegexTokenizer that keeps RoBERTa's leading space: the piece keeps its Ġ, the offsets
    (and the word's text) leave the space out, as Hugging Face's trim_offsets does."""
    text = "It is  \xa0good"
    pieces = {"pieces": [{"piece": "It", "id": 5, "begin": 0, "end": 1},
                         {"piece": "Ġis", "id": 6, "begin": 2, "end": 4},
                         {"piece": "Ġ\u00c2\u0142good", "id": 7, "begin": 6, "end": 11}],
              "note": None, "piece_count": 3, "truncated": False}
    row = {"id": "x", "text": text, "text_error": None, "tok_result": ["It", " is", " \xa0good"],
           "tok_begin": [0, 2, 6], "tok_end": [1, 4, 11], "class_result": ["positive"],
           "class_metadata": [{"negative": "0.25", "positive": "0.75"}], "pieces": pieces}
    record = build_record(row, ("negative", "positive"))
    assert [(w["text"], w["begin"], w["end"]) for w in record["words"]] == [
        ("It", 0, 2), ("is", 3, 5), ("\xa0good", 7, 12)]  # NBSP is not trimmed
    assert [(p["piece"], p["begin"]) for p in record["pieces"]] == [
        ("It", 0), ("Ġis", 3), ("Ġ\u00c2\u0142good", 7)]
    assert spans(["a   b"], [0], [1], [3]) == [(1, 4)]  # nothing but spaces: the span stays
    assert spans([" \tab\n "], [0], [0], [5]) == [(2, 4)]


def test_one_batch_keeps_every_row_with_its_status() -> None:
    """A batch mixing a scored row, a null text, an empty text Spark NLP gave no label and a
    label outside the checkpoint's: four records, each with its status, the columns Spark NLP
    produced passed through only for rows that were scored."""
    pieces = {"pieces": [{"piece": "[CLS]", "id": 101, "begin": None, "end": None},
                         {"piece": "good", "id": 2204, "begin": 0, "end": 3}],
              "piece_count": 1, "truncated": False, "note": None, "input_ids": [101, 2204],
              "attention_mask": [1, 1], "token_type_ids": [0, 0]}
    base = {"text_error": None, "tok_result": ["good"], "tok_begin": [0], "tok_end": [3],
            "class_result": ["positive"], "class_metadata": [[("negative", "0.25"),
                                                              ("positive", "7.5E-1")]],
            "pieces": pieces}
    rows = [{**base, "id": "ok", "text": "good"},
            {**base, "id": "null", "text": None, "text_error": "text is an int"},
            {**base, "id": "empty", "text": "", "tok_result": [], "tok_begin": [],
             "tok_end": [], "class_result": [], "class_metadata": [], "pieces": None},
            {**base, "id": "odd", "text": "good", "class_result": ["maybe"]}]
    out = records_batch(pa.RecordBatch.from_pylist(rows, schema=ANNOTATION_SCHEMA), LABELS)
    records = {r["id"]: r for r in out.to_pylist()}
    ok = records["ok"]
    assert (ok["status"], ok["label"], ok["label_id"], ok["probabilities"]) == (
        "ok", "positive", 1, [0.25, 0.75])
    assert ok["pieces"][0] == {"piece": "[CLS]", "id": 101, "begin": None, "end": None}
    assert (ok["pieces"][1]["begin"], ok["pieces"][1]["end"]) == (0, 4)
    assert ok["input_ids"] == [101, 2204] and ok["words"] == [
        {"text": "good", "begin": 0, "end": 4}]
    assert (records["null"]["status"], records["null"]["error"]) == (
        "invalid_text", "text is an int")
    assert records["null"]["words"] is None and records["null"]["input_ids"] is None
    empty = records["empty"]
    assert (empty["status"], empty["words"], empty["pieces_note"]) == (
        "no_prediction", [], "pieces UDF not run")
    odd = records["odd"]
    assert odd["status"] == "error" and "'maybe'" in odd["error"]
    assert odd["text_sha256"] == ok["text_sha256"] and odd["pieces"] is None


def test_several_predictions_are_averaged() -> None:
    row = {"id": "x", "text": "a. b.", "text_error": None, "tok_result": ["a", ".", "b", "."],
           "tok_begin": [0, 1, 3, 4], "tok_end": [0, 1, 3, 4],
           "class_result": ["negative", "positive"],
           "class_metadata": [{"negative": "0.9", "positive": "0.1"},
                              {"negative": "0.2", "positive": "0.8"}], "pieces": None}
    record = build_record(row, LABELS)
    assert (record["label"], record["predictions"], record["label_rule"]) == (
        "negative", 2, "mean_of_probabilities")
    assert record["probabilities"] == pytest.approx([0.55, 0.45])


def test_batches_are_converted_in_chunks_with_every_row_in_order(monkeypatch) -> None:
    """An Arrow batch converted in chunks (10,000 rows in chunks of 1,000 in production) gives
    the records of converting it whole, in order: offsets are per row, not per chunk."""
    import json

    from spark_pipelines.io import arrow_chunks
    from spark_pipelines.sparknlp import records

    texts = ["😀 good", None, "fine 🎉 film", "", "ok"]
    rows = [{"id": f"r{i}", "text": text, "text_error": None,
             "tok_result": [text.split()[-1]] if text else [],
             "tok_begin": [len(text.encode("utf-16-le")) // 2 - len(text.split()[-1])]
             if text else [], "tok_end": [len(text.encode("utf-16-le")) // 2 - 1] if text else [],
             "class_result": ["positive"] if text else [],
             "class_metadata": [[("negative", "0.1"), ("positive", "0.9")]] if text else [],
             "pieces": None} for i, text in enumerate(texts)]
    batch = pa.RecordBatch.from_pylist(rows, schema=ANNOTATION_SCHEMA)
    whole = records_batch(batch, LABELS).to_pylist()
    monkeypatch.setattr(arrow_chunks, "WORKER_CHUNK_ROWS", 2)
    out = list(records.records_from_batches(json.dumps(LABELS))(iter([batch])))
    assert [b.num_rows for b in out] == [2, 2, 1]
    chunked = pa.Table.from_batches(out).to_pylist()
    assert chunked == whole
    assert [w["text"] for r in chunked if r["words"] for w in r["words"]] == ["good", "film", "ok"]
    assert [(w["begin"], w["end"]) for w in chunked[2]["words"]] == [(7, 11)]


def test_a_rewritten_model_records_its_effective_input() -> None:
    """Behind hfparity fix's XLM-R input rewrite, a row's input_ids, attention_mask and piece
    ids are what the original graph gets: <s> attended, the unknown piece fed as <pad> (1) is
    <unk> (3); a row without pieces stays null."""
    from parity_core.families.input_rewrite import family_rewrite

    pieces = {"pieces": [{"piece": "<s>", "id": 0, "begin": None, "end": None},
                         {"piece": "▁good", "id": 95, "begin": 0, "end": 3},
                         {"piece": "☃", "id": 1, "begin": 4, "end": 4},
                         {"piece": "</s>", "id": 2, "begin": None, "end": None}],
              "piece_count": 4, "truncated": False, "note": None, "input_ids": [0, 95, 1, 2],
              "attention_mask": [0, 1, 1, 1], "token_type_ids": None}
    row = {"id": "x", "text": "good ☃", "text_error": None, "tok_result": ["good", "☃"],
           "tok_begin": [0, 5], "tok_end": [3, 5], "class_result": ["positive"],
           "class_metadata": [[("negative", "0.5"), ("positive", "0.5")]], "pieces": pieces}
    empty = {**row, "id": "e", "text": "", "tok_result": [], "tok_begin": [], "tok_end": [],
             "class_result": [], "class_metadata": [], "pieces": None}
    batch = pa.RecordBatch.from_pylist([row, empty], schema=ANNOTATION_SCHEMA)
    out = {r["id"]: r for r in
           records_batch(batch, LABELS, family_rewrite("xlm-roberta", 1)).to_pylist()}
    assert out["x"]["input_ids"] == [0, 95, 3, 2] and out["x"]["attention_mask"] == [1, 1, 1, 1]
    assert [p["id"] for p in out["x"]["pieces"]] == [0, 95, 3, 2]
    assert out["e"]["input_ids"] is None and out["e"]["pieces"] is None
    plain = records_batch(batch, LABELS).to_pylist()[0]
    assert plain["input_ids"] == [0, 95, 1, 2] and plain["attention_mask"] == [0, 1, 1, 1]
