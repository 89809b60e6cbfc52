"""Attribution on hand-built record pairs: one pair per cause and per pieces sub-cause.

Every pair is explained by the report's own code (build_rows and its JVM explanation), all in
one Spark job; each test reads its pairs' report rows.
"""

from __future__ import annotations

import math
import subprocess
import sys
from typing import Any, NamedTuple

import numpy as np
import pytest

from spark_pipelines.compare.pairs import Pair, explain_records
from spark_pipelines.explain.verdict import NOT_REPRODUCED, REPRODUCED, cf_verdict
from spark_pipelines.report.schema import SAME
from tests.support.paths import REPO

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


class Got(NamedTuple):
    """The explanation columns of one report row, named as the cause they describe."""

    status: str
    cause: str | None
    sub_cause: str | None
    word: str | None
    position: int | None
    evidence: str | None
    cf_consistent: bool | None


def no_record_side(status: str, error: str | None) -> dict[str, Any]:
    return {"id": "r1", "status": status, "error": error}


LONG = "one two three four five six"
LONG_WORDS = [(w, b, e) for w, (b, e) in zip(LONG.split(), _words(LONG))]
CASES: dict[str, Pair] = {}


def case(name: str, left: dict | None, right: dict | None, cf: dict | None = None) -> None:
    CASES[name] = Pair(left, right, None, cf)


# --- agreement and status
case("identical", rec("a fine film"), rec("a fine film"))
case("error_right", rec("a b"), no_record_side("error", "boom"))
case("missing_left", None, rec("a"))
case("missing_right", rec("a"), None)
case("both_invalid", no_record_side("invalid_text", "text is null"),
     no_record_side("invalid_text", "text is null"))
case("both_error", no_record_side("error", "x"), no_record_side("error", "x"))
# --- text and words
case("text", rec("a b"), rec("a b ", probs=(0.6, 0.4)))
case("nbsp_word", rec("a\u00a0b c", words=[(0, 1), (2, 3), (4, 5)]),
     rec("a\u00a0b c", words=[(0, 3), (4, 5)], pieces=[("[UNK]", 0, 3), ("c", 4, 5)]))
case("ideographic_word", rec("was\u3000awful", words=[(0, 3), (4, 9)]),
     rec("was\u3000awful", words=[(0, 9)], pieces=[("was", 0, 9)]))
case("lost_word", rec("good bad film"),
     rec("good bad film", words=[(0, 4), (9, 13)], pieces=[("good", 0, 4), ("film", 9, 13)]))
case("zwsp", rec("Dull\u200bbut", words=[(0, 8)], pieces=[("dull", 0, 4), ("##but", 5, 8)]),
     rec("Dull\u200bbut", words=[(0, 8)], pieces=[("[UNK]", 0, 8)]))
case("zwj_edge", rec("ab\u200d", words=[(0, 2)], pieces=[("ab", 0, 2)]),
     rec("ab\u200d", words=[(0, 3)], pieces=[("[UNK]", 0, 3)]))
case("segmentation", rec("don't", words=[(0, 3), (3, 4), (4, 5)],
                         pieces=[("don", 0, 3), ("'", 3, 4), ("t", 4, 5)]),
     rec("don't", words=[(0, 5)], pieces=[("don", 0, 3), ("'", 3, 4), ("t", 4, 5)]))
# --- pieces
case("dropped", rec("i don't care", words=[(0, 1), (2, 5), (5, 6), (6, 7), (8, 12)],
                    pieces=[("i", 0, 1), ("don", 2, 5), ("'", 5, 6), ("t", 6, 7),
                            ("care", 8, 12)]),
     rec("i don't care", pieces=[("i", 0, 1), ("don", 2, 5), ("care", 8, 12)], probs=(0.6, 0.4)))
case("lowercase", rec("Great film", pieces=[("great", 0, 5), ("film", 6, 10)]),
     rec("Great film", pieces=[("Great", 0, 5), ("film", 6, 10)]))
HELLO_LEFT = rec("so Hello", pieces=[("so", 0, 2), ("hello", 3, 8)])
HELLO_RIGHT = rec("so Hello", pieces=[("so", 0, 2), ("[UNK]", 3, 8)])
case("lowercase_unk", HELLO_LEFT, HELLO_RIGHT)
case("accent", rec("café", pieces=[("cafe", 0, 4)]),
     rec("café", pieces=[("caf", 0, 3), ("##é", 3, 4)]))
case("accent_unk", rec("Nice Zoë", pieces=[("nice", 0, 4), ("zoe", 5, 8)]),
     rec("Nice Zoë", pieces=[("nice", 0, 4), ("[UNK]", 5, 8)]))
case("combining_mark", rec("e\u0301 x", words=[(0, 1), (3, 4)], pieces=[("e", 0, 1), ("x", 3, 4)]),
     rec("e\u0301 x", words=[(0, 2), (3, 4)], pieces=[("[UNK]", 0, 2), ("x", 3, 4)]))
case("unknown", rec("foobar", pieces=[("foo", 0, 3), ("##bar", 3, 6)]),
     rec("foobar", pieces=[("[UNK]", 0, 6)]))
OVERLONG = "A" + "b" * 120
case("overlong", rec(OVERLONG, pieces=[("[UNK]", 0, 121)]),
     rec(OVERLONG, pieces=[(OVERLONG.lower()[:60], 0, 60),
                           ("##" + OVERLONG.lower()[60:], 60, 121)]))
case("split", rec("unhappy", pieces=[("un", 0, 2), ("##happy", 2, 7)]),
     rec("unhappy", pieces=[("unh", 0, 3), ("##appy", 3, 7)]))
case("other", rec("cat", pieces=[("cat", 0, 3)]), rec("cat", pieces=[("dog", 0, 3)]))
NO_OFFSETS = rec("a b", pieces=[("a", 0, 1), ("B", 2, 3)])
for _piece in NO_OFFSETS["pieces"][1:-1]:
    _piece["begin"] = _piece["end"] = None
case("no_offsets", rec("a b", pieces=[("a", 0, 1), ("b", 2, 3)]), NO_OFFSETS)
case("not_recorded", rec("a b"), {**rec("a b", probs=(0.9, 0.1),
                                        pieces_note="Spark NLP does not expose pieces"),
                                  "pieces": None})
case("not_recorded_same_output", rec("a b"), {**rec("a b"), "pieces": None})
# --- truncation
case("truncated_right", rec(LONG), rec(LONG, pieces=LONG_WORDS[:3], truncated=True,
                                      piece_count=8))
case("truncated_left", rec(LONG, pieces=LONG_WORDS[:2], truncated=True, piece_count=8),
     rec(LONG))
case("before_truncation", rec(LONG), rec(LONG, pieces=[("ONE", 0, 3), LONG_WORDS[1]],
                                         truncated=True, piece_count=8))
case("after_truncation", rec(LONG, pieces=LONG_WORDS[:2], truncated=True, piece_count=8),
     rec(LONG, pieces=[*LONG_WORDS[:4], ("FIVE", *LONG_WORDS[4][1:]), LONG_WORDS[5]]))
# --- numerics and boundary
case("numerics", rec("a b", logits=(-0.4, 0.45)),
     rec("a b", logits=(-0.4, 0.5), probs=(0.29, 0.71)))
case("no_logits", rec("a b"), rec("a b", logits=None, probs=(0.31, 0.69)))
case("no_logits_within", rec("a b"), rec("a b", logits=None, probs=(0.3004, 0.6996)))
case("boundary", rec("a b", probs=(0.50004, 0.49996), logits=(0.0001, 0.0)),
     rec("a b", probs=(0.49998, 0.50002), logits=(0.0, 0.0001)))


def arrow_like(record: dict[str, Any]) -> dict[str, Any]:
    """A record as pandas/Arrow hand it over: numpy arrays for lists, numpy scalars."""
    out = dict(record)
    for key in ("words", "pieces", "probabilities"):
        out[key] = np.array(record[key], dtype=object)
    out["text_length"] = np.float64(record["text_length"])
    out["label_id"] = np.int32(record["label_id"])
    out["logits"] = None if record["logits"] is None else np.array(record["logits"])
    return out


ARROW_RIGHT = {**HELLO_RIGHT, "logits": None}
case("plain_types", HELLO_LEFT, ARROW_RIGHT)
case("arrow_types", arrow_like(HELLO_LEFT), arrow_like(ARROW_RIGHT))
case("nan_length", arrow_like(HELLO_LEFT) | {"text_length": math.nan}, arrow_like(ARROW_RIGHT))
# --- counterfactual: (case, verdict, expected cf_consistent)
VERDICT_CASES = [
    ("numerics", NOT_REPRODUCED, True), ("numerics", REPRODUCED, False),
    ("lowercase_unk", REPRODUCED, True), ("truncated_right", NOT_REPRODUCED, False),
    ("boundary", REPRODUCED, True), ("error_right", REPRODUCED, None),
    ("identical", REPRODUCED, None), ("lowercase_unk", "error", None),
]
for _name, _verdict, _ in VERDICT_CASES:
    _pair = CASES[_name]
    case(f"cf-{_name}-{_verdict}", _pair.left, _pair.right,
         {"cf_verdict": _verdict, "cf_max_abs_delta": 0.2})
case("cf_agrees", HELLO_LEFT, HELLO_RIGHT, {"cf_verdict": REPRODUCED, "cf_max_abs_delta": 2e-8})
case("cf_contradicts", HELLO_LEFT, HELLO_RIGHT,
     {"cf_verdict": NOT_REPRODUCED, "cf_max_abs_delta": 0.2})


@pytest.fixture(scope="module")
def explained(spark) -> dict[str, Got]:
    """Every case's report row, from one build_rows job."""
    rows = explain_records(spark, list(CASES.values()), TOL)
    return {name: Got(row["status"], row["cause"], row["sub_cause"], row["cause_word"],
                      row["cause_position"], row["cause_evidence"], row["cf_consistent"])
            for name, row in zip(CASES, rows)}


# --- agreement and status -------------------------------------------------------------------

def test_identical_records_are_same_and_have_no_cause(explained):
    assert explained["identical"] == Got(SAME, None, None, None, None, None, None)


def test_error_on_one_side_is_a_status_cause(explained):
    got = explained["error_right"]
    assert (got.status, got.cause, got.sub_cause) == ("error_right", "status", "error")
    assert got.evidence == "left ok vs right error (boom)"


def test_missing_side_is_a_status_cause(explained):
    assert (explained["missing_left"].status, explained["missing_left"].sub_cause) == (
        "missing_left", "missing")
    assert explained["missing_right"].evidence == "no right record"


def test_both_sides_unscored_is_never_same(explained):
    """Neither side gave a label (a null text, or both failed): no agreement to report, so
    the row is unscored_both, a status cause whose sub-cause and evidence say why."""
    got = explained["both_invalid"]
    assert (got.status, got.cause, got.sub_cause) == ("unscored_both", "status", "invalid_text")
    assert got.evidence == ("neither side scored the row: left invalid_text (text is null) vs "
                            "right invalid_text (text is null)")
    assert explained["both_error"][:3] == ("unscored_both", "status", "error")


# --- text and words -------------------------------------------------------------------------

def test_different_text_is_the_first_cause(explained):
    got = explained["text"]
    assert got.cause == "text"
    assert got.evidence == "text_length 3 vs 4; sha256 sha-3\u2026 vs sha-4\u2026"


def test_text_added_at_word_level_is_a_words_cause(explained):
    """Spark NLP does not split on NBSP: its word covers a character Hugging Face drops."""
    got = explained["nbsp_word"]
    assert (got.cause, got.word, got.position) == ("words", "a\u00a0b", 1)
    assert got.sub_cause == "separator_u00a0_one_unk"
    assert got.evidence == ("U+00A0 NO-BREAK SPACE at [1,2): whitespace to left (2 words 'a' "
                            "'b' there), part of right word 'a\\xa0b', which reaches the model "
                            "as one [UNK]; only in right words: '\\xa0' at [1,2)")


def test_a_separator_whose_rest_of_word_is_dropped_is_named(explained):
    """U+3000 is whitespace to Spark NLP's basic tokenizer, which keeps the first part only."""
    got = explained["ideographic_word"]
    assert (got.cause, got.sub_cause) == ("words", "separator_u3000_rest_dropped")
    assert got.evidence.startswith(
        "U+3000 IDEOGRAPHIC SPACE at [3,4): whitespace to left (2 words 'was' 'awful' there), "
        "part of right word 'was\\u3000awful', whose pieces ('was') spell 'was' only: 'awful' "
        "never reaches the model; ")


def test_text_lost_at_word_level_names_the_left_word(explained):
    got = explained["lost_word"]
    assert (got.cause, got.word, got.position) == ("words", "bad", 1)
    assert got.evidence == "only in left words: 'bad' at [5,8)"


def test_an_invisible_character_one_side_drops_is_judged_by_the_pieces(explained):
    """Hugging Face removes a zero-width space; kept, it makes a cased word [UNK]."""
    got = explained["zwsp"]
    assert (got.cause, got.sub_cause, got.word) == ("pieces", "lowercase_one_side",
                                                    "Dull\u200bbut")
    assert "right kept the case of 'Dull\\u200bbut'" in got.evidence
    got = explained["zwj_edge"]
    assert (got.cause, got.sub_cause) == ("pieces", "unknown_token")
    assert got.evidence.startswith(
        "left 'ab' vs right '[UNK]': right has [UNK] for 'ab\\u200d' (3 chars); invisible "
        "characters (combining marks, format, control) covered by one side's words only: "
        "'\\u200d' at [2,3); judged at piece level")


def test_different_segmentation_alone_is_the_words_fallback(explained):
    """No stage finds an output difference; the row still parts first at the word stage."""
    got = explained["segmentation"]
    assert (got.cause, got.sub_cause, got.word, got.position) == (
        "words", "split_differently", "don't", 0)
    assert "words split differently" in got.evidence and "not a cause" in got.evidence


# --- pieces ---------------------------------------------------------------------------------

def test_pieces_dropped_spark_nlp_keeps_the_first_basic_piece_only(explained):
    got = explained["dropped"]
    assert (got.cause, got.sub_cause, got.word, got.position) == (
        "pieces", "pieces_dropped", "don't", 2)
    assert got.evidence.startswith(
        "left 'don' ''' 't' vs right 'don': 2 pieces dropped from \"don't\" on right")
    assert "words split differently" in got.evidence


def test_lowercase_one_side_with_real_pieces(explained):
    got = explained["lowercase"]
    assert (got.sub_cause, got.word, got.position) == ("lowercase_one_side", "Great", 1)
    assert got.evidence == (
        "left 'great' vs right 'Great': 'great' vs 'Great': lowercased on one side")


def test_lowercase_one_side_when_the_cased_word_is_unknown(explained):
    got = explained["lowercase_unk"]
    assert (got.cause, got.sub_cause, got.word, got.position) == (
        "pieces", "lowercase_one_side", "Hello", 2)
    assert "right kept the case of 'Hello'" in got.evidence


def test_accent_one_side_with_real_pieces(explained):
    got = explained["accent"]
    assert (got.cause, got.sub_cause, got.word) == ("pieces", "accent_one_side", "café")


def test_accent_one_side_when_the_accented_word_is_unknown(explained):
    """The right side lowercases elsewhere ('Nice' → 'nice'), so [UNK] on 'Zoë' is the accent."""
    got = explained["accent_unk"]
    assert (got.sub_cause, got.word, got.position) == ("accent_one_side", "Zoë", 2)


def test_accent_stripping_that_uncovers_a_combining_mark_is_not_a_words_cause(explained):
    got = explained["combining_mark"]
    assert (got.cause, got.sub_cause) == ("pieces", "accent_one_side")


def test_unknown_token_on_one_side(explained):
    got = explained["unknown"]
    assert (got.sub_cause, got.word, got.position) == ("unknown_token", "foobar", 1)
    assert "right has [UNK] for 'foobar'" in got.evidence


def test_an_overlong_capitalised_word_is_unknown_not_casing(explained):
    assert explained["overlong"].sub_cause == "unknown_token"


def test_split_differently(explained):
    got = explained["split"]
    assert (got.sub_cause, got.word) == ("split_differently", "unhappy")


def test_other_piece_difference(explained):
    assert explained["other"].sub_cause == "other"


def test_pieces_without_offsets_are_compared_by_position(explained):
    got = explained["no_offsets"]
    assert (got.cause, got.sub_cause, got.position) == ("pieces", "lowercase_one_side", 2)
    assert got.evidence == "piece 1 (aligned by position, offsets missing): 'b' vs 'B'"


def test_pieces_not_recorded_leave_the_cause_undetermined(explained):
    got = explained["not_recorded"]
    assert (got.cause, got.sub_cause) == ("undetermined", "pieces_not_recorded")
    assert "Spark NLP does not expose pieces" in got.evidence
    assert explained["not_recorded_same_output"][:2] == (SAME, None)


# --- truncation -----------------------------------------------------------------------------

def test_truncation_when_the_right_side_keeps_fewer_pieces(explained):
    got = explained["truncated_right"]
    assert (got.cause, got.word, got.position) == ("truncation", "four", 4)
    assert got.evidence == (
        "kept pieces equal for the first 3; left kept 6 pieces (whole, 8 with [CLS]/[SEP] "
        "before truncation), right kept 3 pieces (truncated, 8 with [CLS]/[SEP] before "
        "truncation): right stops before 'four' at char 14")


def test_truncation_when_the_left_side_keeps_fewer_pieces_points_at_its_sep(explained):
    got = explained["truncated_left"]
    assert (got.cause, got.word, got.position) == ("truncation", "three", 3)


def test_a_difference_before_the_truncation_point_is_a_pieces_cause(explained):
    assert explained["before_truncation"].cause == "pieces"


def test_a_difference_after_the_truncation_point_is_not_a_pieces_cause(explained):
    assert explained["after_truncation"].cause == "truncation"


# --- numerics and boundary ------------------------------------------------------------------

def test_logits_beyond_tolerance_are_numerics(explained):
    got = explained["numerics"]
    assert got.cause == "numerics"
    assert got.evidence == ("identical pieces; max |Δlogit| 0.05 > tolerance 0.001; "
                            "max |Δp| 0.01; labels positive vs positive")


def test_probabilities_decide_when_a_side_has_no_logits(explained):
    got = explained["no_logits"]
    assert got.cause == "numerics"
    assert "logits not recorded" in got.evidence
    assert explained["no_logits_within"][:2] == (SAME, None)


def test_scores_within_tolerance_but_labels_differ_is_a_boundary_case(explained):
    got = explained["boundary"]
    assert got.cause == "boundary"
    assert got.evidence == (
        "identical pieces; scores within tolerance 0.001 (max |Δp| 6e-05) but labels negative "
        "vs positive: left [0.50004, 0.49996] vs right [0.49998, 0.50002]")


# --- container types, counterfactual, layering ----------------------------------------------

def test_arrow_style_inputs_give_the_same_answer(explained):
    """pandas and Arrow hand over numpy arrays for lists and NaN for null numbers."""
    assert explained["arrow_types"] == explained["plain_types"]
    assert explained["plain_types"].cause == "pieces"
    assert explained["nan_length"].cause == "pieces"


def test_counterfactual_agreeing_and_contradicting(explained):
    good = explained["cf_agrees"]
    assert good.cf_consistent is True
    assert "counterfactual on right pieces: reproduced (max |Δp| 2e-08)" in good.evidence
    bad = explained["cf_contradicts"]
    assert bad.cf_consistent is False and "contradicts cause pieces" in bad.evidence


@pytest.mark.parametrize(("name", "verdict", "expected"), VERDICT_CASES)
def test_cf_consistent(explained, name, verdict, expected):
    """numerics ⇔ not_reproduced; text/words/pieces/truncation/boundary ⇔ reproduced; nothing
    to check for a status cause, a same row or a failed re-run."""
    assert explained[f"cf-{name}-{verdict}"].cf_consistent is expected


def test_cf_verdict_uses_the_tolerance():
    assert cf_verdict([0.3, 0.7], [0.3005, 0.6995], TOL) == (REPRODUCED, pytest.approx(5e-4))
    assert cf_verdict([0.3, 0.7], [0.31, 0.69], TOL)[0] == NOT_REPRODUCED


def test_the_counterfactual_imports_no_torch():
    code = (
        "import sys, spark_pipelines.explain.counterfactual\n"
        "import spark_pipelines.explain.explanation\n"
        "assert not {'torch', 'transformers'} & set(sys.modules)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)
