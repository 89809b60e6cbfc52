"""Attribution on hand-built record pairs: one pair per cause and per pieces sub-cause."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from spark_pipelines.compare.attribution import (
    ATTRIBUTION_DDL,
    Attribution,
    attribute,
)
from spark_pipelines.hf_on_spark.verdict import (
    NOT_REPRODUCED,
    REPRODUCED,
    cf_verdict,
    verdict_agrees,
)

REPO = Path(__file__).resolve().parent.parent
TOL = 1e-3
_VOCAB: dict[str, int] = {"[UNK]": 100, "[CLS]": 101, "[SEP]": 102}


def _id(piece: str) -> int:
    return _VOCAB.setdefault(piece, 1000 + len(_VOCAB))


def _words(text: str) -> list[tuple[int, int]]:
    spans, begin = [], None
    for i, ch in enumerate(text + " "):
        if ch == " " and begin is not None:
            spans.append((begin, i))
            begin = None
        elif ch != " " and begin is None:
            begin = i
    return spans


def rec(text: str, pieces: list[tuple[str, int, int]] | None = None,
        words: list[tuple[int, int]] | None = None, probs: tuple[float, float] = (0.3, 0.7),
        logits: tuple[float, float] | None = (-0.4, 0.45), truncated: bool = False,
        piece_count: int | None = None, **extra: Any) -> dict[str, Any]:
    """A record for `text`; pieces default to one piece per whitespace word."""
    spans = _words(text) if words is None else words
    if pieces is None:
        pieces = [(text[b:e], b, e) for b, e in spans]
    listed = [{"piece": "[CLS]", "id": 101, "begin": None, "end": None}]
    listed += [{"piece": p, "id": _id(p), "begin": b, "end": e} for p, b, e in pieces]
    listed.append({"piece": "[SEP]", "id": 102, "begin": None, "end": None})
    label_id = int(np.argmax(probs))
    out = {
        "id": "r1", "status": "ok", "error": None, "text_sha256": f"sha-{len(text)}",
        "text_length": len(text),
        "words": [{"text": text[b:e], "begin": b, "end": e} for b, e in spans],
        "pieces": listed, "pieces_note": None,
        "piece_count": piece_count if piece_count is not None else len(listed),
        "truncated": truncated, "label": ("negative", "positive")[label_id],
        "label_id": label_id, "probabilities": list(probs),
        "logits": None if logits is None else list(logits),
    }
    out.update(extra)
    return out


# --- agreement and status -------------------------------------------------------------------

def test_identical_records_have_no_cause():
    record = rec("a fine film")
    assert attribute(record, dict(record), TOL) == Attribution(None)


def test_error_on_one_side_is_a_status_cause():
    got = attribute(rec("a b"), {"id": "r1", "status": "error", "error": "boom"}, TOL)
    assert (got.cause, got.sub_cause) == ("status", "error")
    assert "right error (boom)" in got.evidence


def test_missing_side_is_a_status_cause():
    assert attribute(None, rec("a"), TOL).sub_cause == "missing"
    assert attribute(rec("a"), None, TOL).evidence == "no right record"


def test_both_invalid_agree_but_both_errors_do_not():
    invalid = {"id": "r1", "status": "invalid_text", "error": "text is null"}
    assert attribute(invalid, dict(invalid), TOL).cause is None
    error = {"id": "r1", "status": "error", "error": "x"}
    assert attribute(error, dict(error), TOL).cause == "status"


# --- text and words -------------------------------------------------------------------------

def test_different_text_is_the_first_cause():
    got = attribute(rec("a b"), rec("a b "), TOL)
    assert got.cause == "text"
    assert "text_length 3 vs 4" in got.evidence


def test_text_added_at_word_level_is_a_words_cause():
    """Spark NLP does not split on NBSP: its word covers a character Hugging Face drops."""
    text = "a\u00a0b c"
    left = rec(text, words=[(0, 1), (2, 3), (4, 5)])
    right = rec(text, words=[(0, 3), (4, 5)], pieces=[("[UNK]", 0, 3), ("c", 4, 5)])
    got = attribute(left, right, TOL)
    assert (got.cause, got.word, got.position) == ("words", "a\u00a0b", 1)
    assert got.evidence == "only in right words: '\\xa0' at [1,2)"


def test_text_lost_at_word_level_names_the_left_word():
    left = rec("good bad film")
    right = rec("good bad film", words=[(0, 4), (9, 13)],
                pieces=[("good", 0, 4), ("film", 9, 13)])
    got = attribute(left, right, TOL)
    assert (got.cause, got.word, got.position) == ("words", "bad", 1)
    assert got.evidence == "only in left words: 'bad' at [5,8)"


def test_an_invisible_character_one_side_drops_is_judged_by_the_pieces():
    """Hugging Face removes a zero-width space; kept, it makes a cased word [UNK]."""
    text = "Dull\u200bbut"
    left = rec(text, words=[(0, 8)], pieces=[("dull", 0, 4), ("##but", 5, 8)])
    right = rec(text, words=[(0, 8)], pieces=[("[UNK]", 0, 8)])
    got = attribute(left, right, TOL)
    assert (got.cause, got.sub_cause, got.word) == ("pieces", "lowercase_one_side", text)
    edge = rec("ab\u200d", words=[(0, 3)], pieces=[("[UNK]", 0, 3)])
    got = attribute(rec("ab\u200d", words=[(0, 2)], pieces=[("ab", 0, 2)]), edge, TOL)
    assert (got.cause, got.sub_cause) == ("pieces", "unknown_token")
    assert "invisible characters" in got.evidence


def test_different_segmentation_alone_is_noted_not_blamed():
    text = "don't"
    left = rec(text, words=[(0, 3), (3, 4), (4, 5)],
               pieces=[("don", 0, 3), ("'", 3, 4), ("t", 4, 5)])
    right = rec(text, words=[(0, 5)], pieces=[("don", 0, 3), ("'", 3, 4), ("t", 4, 5)])
    got = attribute(left, right, TOL)
    assert got.cause is None
    assert "words split differently" in got.evidence and "not a cause" in got.evidence


# --- pieces ---------------------------------------------------------------------------------

def test_pieces_dropped_spark_nlp_keeps_the_first_basic_piece_only():
    text = "i don't care"
    left = rec(text, words=[(0, 1), (2, 5), (5, 6), (6, 7), (8, 12)],
               pieces=[("i", 0, 1), ("don", 2, 5), ("'", 5, 6), ("t", 6, 7), ("care", 8, 12)])
    right = rec(text, pieces=[("i", 0, 1), ("don", 2, 5), ("care", 8, 12)], probs=(0.6, 0.4))
    got = attribute(left, right, TOL)
    assert (got.cause, got.sub_cause, got.word, got.position) == (
        "pieces", "pieces_dropped", "don't", 2)
    assert got.evidence.startswith(
        "left 'don' ''' 't' vs right 'don': 2 pieces dropped from \"don't\" on right")
    assert "words split differently" in got.evidence


def test_lowercase_one_side_with_real_pieces():
    left = rec("Great film", pieces=[("great", 0, 5), ("film", 6, 10)])
    right = rec("Great film", pieces=[("Great", 0, 5), ("film", 6, 10)])
    got = attribute(left, right, TOL)
    assert (got.sub_cause, got.word, got.position) == ("lowercase_one_side", "Great", 1)


def test_lowercase_one_side_when_the_cased_word_is_unknown():
    left = rec("so Hello", pieces=[("so", 0, 2), ("hello", 3, 8)])
    right = rec("so Hello", pieces=[("so", 0, 2), ("[UNK]", 3, 8)])
    got = attribute(left, right, TOL)
    assert (got.cause, got.sub_cause, got.word, got.position) == (
        "pieces", "lowercase_one_side", "Hello", 2)
    assert "right kept the case of 'Hello'" in got.evidence


def test_accent_one_side_with_real_pieces():
    left = rec("café", pieces=[("cafe", 0, 4)])
    right = rec("café", pieces=[("caf", 0, 3), ("##é", 3, 4)])
    got = attribute(left, right, TOL)
    assert (got.cause, got.sub_cause, got.word) == ("pieces", "accent_one_side", "café")


def test_accent_one_side_when_the_accented_word_is_unknown():
    """The right side lowercases elsewhere ('Nice' → 'nice'), so [UNK] on 'Zoë' is the accent."""
    text = "Nice Zoë"
    left = rec(text, pieces=[("nice", 0, 4), ("zoe", 5, 8)])
    right = rec(text, pieces=[("nice", 0, 4), ("[UNK]", 5, 8)])
    got = attribute(left, right, TOL)
    assert (got.sub_cause, got.word, got.position) == ("accent_one_side", "Zoë", 2)


def test_accent_stripping_that_uncovers_a_combining_mark_is_not_a_words_cause():
    text = "e\u0301 x"  # decomposed é: the stripped side's word covers "e" only
    left = rec(text, words=[(0, 1), (3, 4)], pieces=[("e", 0, 1), ("x", 3, 4)])
    right = rec(text, words=[(0, 2), (3, 4)], pieces=[("[UNK]", 0, 2), ("x", 3, 4)])
    got = attribute(left, right, TOL)
    assert (got.cause, got.sub_cause) == ("pieces", "accent_one_side")


def test_unknown_token_on_one_side():
    left = rec("foobar", pieces=[("foo", 0, 3), ("##bar", 3, 6)])
    right = rec("foobar", pieces=[("[UNK]", 0, 6)])
    got = attribute(left, right, TOL)
    assert (got.sub_cause, got.word, got.position) == ("unknown_token", "foobar", 1)
    assert "right has [UNK] for 'foobar'" in got.evidence


def test_an_overlong_capitalised_word_is_unknown_not_casing():
    word = "A" + "b" * 120
    left = rec(word, pieces=[("[UNK]", 0, 121)])
    right = rec(word, pieces=[(word.lower()[:60], 0, 60), ("##" + word.lower()[60:], 60, 121)])
    assert attribute(left, right, TOL).sub_cause == "unknown_token"


def test_split_differently():
    left = rec("unhappy", pieces=[("un", 0, 2), ("##happy", 2, 7)])
    right = rec("unhappy", pieces=[("unh", 0, 3), ("##appy", 3, 7)])
    got = attribute(left, right, TOL)
    assert (got.sub_cause, got.word) == ("split_differently", "unhappy")


def test_other_piece_difference():
    left = rec("cat", pieces=[("cat", 0, 3)])
    right = rec("cat", pieces=[("dog", 0, 3)])
    assert attribute(left, right, TOL).sub_cause == "other"


def test_pieces_without_offsets_are_compared_by_position():
    left = rec("a b", pieces=[("a", 0, 1), ("b", 2, 3)])
    right = rec("a b", pieces=[("a", 0, 1), ("B", 2, 3)])
    for piece in right["pieces"][1:-1]:
        piece["begin"] = piece["end"] = None
    got = attribute(left, right, TOL)
    assert (got.cause, got.sub_cause, got.position) == ("pieces", "lowercase_one_side", 2)


def test_pieces_not_recorded_leave_the_cause_undetermined():
    left = rec("a b")
    right = rec("a b", probs=(0.9, 0.1), pieces_note="Spark NLP does not expose pieces")
    right["pieces"] = None
    got = attribute(left, right, TOL)
    assert (got.cause, got.sub_cause) == ("undetermined", "pieces_not_recorded")
    assert "Spark NLP does not expose pieces" in got.evidence
    right["probabilities"], right["label"], right["label_id"] = [0.3, 0.7], "positive", 1
    right["logits"] = left["logits"]
    assert attribute(left, right, TOL).cause is None


# --- truncation -----------------------------------------------------------------------------

LONG = "one two three four five six"


def test_truncation_when_the_right_side_keeps_fewer_pieces():
    left = rec(LONG)
    right = rec(LONG, pieces=[(w, b, e) for w, (b, e) in zip(LONG.split(), _words(LONG))][:3],
                truncated=True, piece_count=8)
    got = attribute(left, right, TOL)
    assert (got.cause, got.word, got.position) == ("truncation", "four", 4)
    assert "right stops before 'four' at char 14" in got.evidence


def test_truncation_when_the_left_side_keeps_fewer_pieces_points_at_its_sep():
    left = rec(LONG, pieces=[(w, b, e) for w, (b, e) in zip(LONG.split(), _words(LONG))][:2],
               truncated=True, piece_count=8)
    got = attribute(left, rec(LONG), TOL)
    assert (got.cause, got.word, got.position) == ("truncation", "three", 3)


def test_a_difference_before_the_truncation_point_is_a_pieces_cause():
    spans = _words(LONG)
    right = rec(LONG, pieces=[("ONE", *spans[0]), ("two", *spans[1])], truncated=True,
                piece_count=8)
    assert attribute(rec(LONG), right, TOL).cause == "pieces"


def test_a_difference_after_the_truncation_point_is_not_a_pieces_cause():
    spans = _words(LONG)
    left = rec(LONG, pieces=[("one", *spans[0]), ("two", *spans[1])], truncated=True,
               piece_count=8)
    words = [(w, b, e) for w, (b, e) in zip(LONG.split(), spans)]
    right = rec(LONG, pieces=[*words[:4], ("FIVE", *spans[4]), ("six", *spans[5])])
    assert attribute(left, right, TOL).cause == "truncation"


# --- numerics and boundary ------------------------------------------------------------------

def test_logits_beyond_tolerance_are_numerics():
    left = rec("a b", logits=(-0.4, 0.45))
    right = rec("a b", logits=(-0.4, 0.5), probs=(0.29, 0.71))
    got = attribute(left, right, TOL)
    assert got.cause == "numerics"
    assert "max |Δlogit| 0.05 > tolerance 0.001" in got.evidence


def test_probabilities_decide_when_a_side_has_no_logits():
    left = rec("a b")
    right = rec("a b", logits=None, probs=(0.31, 0.69))
    got = attribute(left, right, TOL)
    assert got.cause == "numerics"
    assert "logits not recorded" in got.evidence
    right["probabilities"] = [0.3004, 0.6996]
    assert attribute(left, right, TOL).cause is None


def test_scores_within_tolerance_but_labels_differ_is_a_boundary_case():
    left = rec("a b", probs=(0.50004, 0.49996), logits=(0.0001, 0.0))
    right = rec("a b", probs=(0.49998, 0.50002), logits=(0.0, 0.0001))
    got = attribute(left, right, TOL)
    assert got.cause == "boundary"
    assert "labels negative vs positive" in got.evidence


# --- container types, counterfactual, layering ----------------------------------------------

def test_arrow_style_inputs_give_the_same_answer():
    """pandas UDFs hand over numpy arrays for lists and NaN for null numbers."""
    left = rec("so Hello", pieces=[("so", 0, 2), ("hello", 3, 8)])
    right = rec("so Hello", pieces=[("so", 0, 2), ("[UNK]", 3, 8)], logits=None)

    def arrow_like(record: dict[str, Any]) -> dict[str, Any]:
        out = dict(record)
        for key in ("words", "pieces", "probabilities"):
            out[key] = np.array(record[key], dtype=object)
        out["text_length"] = np.float64(record["text_length"])
        out["label_id"] = np.int32(record["label_id"])
        out["logits"] = None if record["logits"] is None else np.array(record["logits"])
        return out

    assert attribute(arrow_like(left), arrow_like(right), TOL) == attribute(left, right, TOL)
    nan_length = arrow_like(left) | {"text_length": math.nan}
    assert attribute(nan_length, arrow_like(right), TOL).cause == "pieces"


def test_counterfactual_agreeing_and_contradicting():
    left = rec("so Hello", pieces=[("so", 0, 2), ("hello", 3, 8)])
    right = rec("so Hello", pieces=[("so", 0, 2), ("[UNK]", 3, 8)])
    good = attribute(left, right, TOL, {"cf_verdict": REPRODUCED, "cf_max_abs_delta": 2e-8})
    assert good.cf_consistent is True
    assert "counterfactual on right pieces: reproduced (max |Δp| 2e-08)" in good.evidence
    bad = attribute(left, right, TOL, {"cf_verdict": NOT_REPRODUCED, "cf_max_abs_delta": 0.2})
    assert bad.cf_consistent is False and "contradicts cause pieces" in bad.evidence


@pytest.mark.parametrize(("cause", "verdict", "expected"), [
    ("numerics", NOT_REPRODUCED, True), ("numerics", REPRODUCED, False),
    ("pieces", REPRODUCED, True), ("truncation", NOT_REPRODUCED, False),
    ("boundary", REPRODUCED, True), ("status", REPRODUCED, None), (None, REPRODUCED, None),
    ("pieces", "error", None),
])
def test_verdict_agrees(cause, verdict, expected):
    assert verdict_agrees(cause, verdict) is expected


def test_cf_verdict_uses_the_tolerance():
    assert cf_verdict([0.3, 0.7], [0.3005, 0.6995], TOL) == (REPRODUCED, pytest.approx(5e-4))
    assert cf_verdict([0.3, 0.7], [0.31, 0.69], TOL)[0] == NOT_REPRODUCED


def test_to_dict_matches_the_udf_ddl():
    names = [part.split()[0] for part in ATTRIBUTION_DDL.split(",")]
    assert list(Attribution(None).to_dict()) == names


def test_explain_modules_import_neither_torch_nor_pyspark_where_they_must_not():
    code = (
        "import sys, spark_pipelines.compare.attribution\n"
        "assert not {'torch', 'pyspark', 'transformers'} & set(sys.modules)\n"
        "import spark_pipelines.hf_on_spark.counterfactual\n"
        "assert not {'torch', 'transformers'} & set(sys.modules)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)
