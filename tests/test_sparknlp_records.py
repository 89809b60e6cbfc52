"""Pure conversions behind the Spark NLP records: Java float strings, UTF-16 -> code points."""

from __future__ import annotations

import math

import pytest

from spark_pipelines.sparknlp.records import (
    build_record,
    parse_java_float,
    probabilities_from_metadata,
    to_code_points,
    trim_whitespace,
    utf16_index,
)


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
    index = utf16_index(text)
    # Java: "a"=0, emoji=1..2, "b"=3, " "=4, 🎉=5..6, 🎉=7..8, "x"=9
    assert to_code_points(1, 2, index) == (1, 2)
    assert text[slice(*to_code_points(3, 3, index))] == "b"
    assert text[slice(*to_code_points(5, 9, index))] == "🎉🎉x"
    assert to_code_points(None, None, index) == (None, None)
    assert to_code_points(50, 60, index) == (len(text), len(text))  # clamped


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
    assert trim_whitespace("   ", 0, 3) == (0, 3)  # nothing but spaces: the span stays
    assert trim_whitespace("ab", None, None) == (None, None)
