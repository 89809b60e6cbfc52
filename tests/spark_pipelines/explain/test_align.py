"""Token alignment by character offsets, as the report's JVM explanation does it: every op, the
first divergence, and the mirror when left and right are swapped.

Every case is a pair of records explained in one build_rows job (explain_records), so the
assertions are on the report's own word_alignment, piece_alignment and first_divergence.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from spark_pipelines.compare.pairs import Pair, explain_records, mirror
from spark_pipelines.report.schema import ALIGN_OPS, SAME

TOL = 1e-3
CLS = {"piece": "[CLS]", "id": 101, "begin": None, "end": None}
SEP = {"piece": "[SEP]", "id": 102, "begin": None, "end": None}


def words(text: str, cuts: list[tuple[int, int]]) -> list[dict]:
    """Word tokens of `text` at the given code-point spans."""
    return [{"text": text[b:e], "begin": b, "end": e} for b, e in cuts]


def spaced(text: str) -> list[dict]:
    """Whitespace-separated words with their code-point offsets."""
    out, position = [], 0
    for word in text.split(" "):
        if word:
            out.append({"text": word, "begin": position, "end": position + len(word)})
        position += len(word) + 1
    return out


def record(words: list[dict] | None = None, pieces: list[dict] | None = None,
           **extra: Any) -> dict[str, Any]:
    """An ok record with these tokens and fixed outputs, so only the tokens differ."""
    out = {"id": "r", "status": "ok", "text_sha256": "x", "words": words, "pieces": pieces,
           "piece_count": None if pieces is None else len(pieces), "truncated": False,
           "label": "negative", "label_id": 0, "probabilities": [0.9, 0.1], "logits": None}
    out.update(extra)
    return out


def pair(left_words=None, right_words=None, left_pieces=None, right_pieces=None) -> Pair:
    return Pair(record(left_words, left_pieces), record(right_words, right_pieces))


def ops(result: list[dict] | None) -> list[str]:
    return [op["op"] for op in result]


def div(row: dict) -> tuple:
    d = row["first_divergence"]
    return d["level"], d["op"], d["left_index"], d["right_index"]


TEXT_SPLIT = "I don't care at all"
TEXT_EMOJI = "Loved it 😀😀 best 🎬 film"
EMOJI_LEFT = words(TEXT_EMOJI, [(0, 5), (6, 8), (9, 11), (12, 16), (17, 18), (19, 23)])
BODY = [{"piece": w, "id": 1000 + i, "begin": 2 * i, "end": 2 * i + 1}
        for i, w in enumerate("abcde")]
SWAP_CASES = {
    "split": ("I don't care", [(0, 1), (2, 7), (8, 12)], [(0, 1), (2, 4), (4, 7), (8, 12)]),
    "missing": ("wow 😀 great", [(0, 3), (4, 5), (6, 11)], [(0, 3), (6, 11)]),
    "regrouped": ("e-mail-worthy", [(0, 6), (6, 7), (7, 13)], [(0, 1), (1, 2), (2, 13)]),
    "shifted": ("abcdef ghi", [(0, 3), (3, 6), (7, 10)], [(0, 2), (2, 6), (7, 10)]),
}

CASES: dict[str, Pair] = {
    "equal": pair(spaced("a fine film"), spaced("a fine film")),
    "split": pair(words(TEXT_SPLIT, [(0, 1), (2, 7), (8, 12), (13, 15), (16, 19)]),
                  words(TEXT_SPLIT, [(0, 1), (2, 4), (4, 7), (8, 12), (13, 15), (16, 19)])),
    "merged": pair(words("good\u00a0film here", [(0, 4), (5, 9), (10, 14)]),
                   words("good\u00a0film here", [(0, 9), (10, 14)])),
    "casing": pair(left_pieces=[CLS, {"piece": "brilliant", "id": 8235, "begin": 0, "end": 9},
                                SEP],
                   right_pieces=[CLS, {"piece": "[UNK]", "id": 100, "begin": 0, "end": 9}, SEP]),
    "other_id": pair(left_pieces=[{"piece": "film", "id": 2143, "begin": 0, "end": 4}],
                     right_pieces=[{"piece": "film", "id": 9999, "begin": 0, "end": 4}]),
    "missing": pair(words("wow 😀 great", [(0, 3), (4, 5), (6, 11)]),
                    words("wow 😀 great", [(0, 3), (6, 11)])),
    "truncated": pair(left_pieces=[CLS, *BODY, SEP], right_pieces=[CLS, *BODY[:3], SEP]),
    "regrouped": pair(words("e-mail-worthy", [(0, 6), (6, 7), (7, 13)]),
                      words("e-mail-worthy", [(0, 1), (1, 2), (2, 13)])),
    "emoji": pair(EMOJI_LEFT, words(TEXT_EMOJI, [(0, 5), (6, 8), (9, 10), (10, 11), (12, 16),
                                                 (17, 18), (19, 23)])),
    # UTF-16 offsets on one side (a conversion bug) shift every later token: nothing equal.
    "utf16": pair(EMOJI_LEFT, [dict(t, begin=t["begin"] + 2, end=t["end"] + 2)
                               if t["begin"] >= 12 else t for t in EMOJI_LEFT]),
    "numpy": pair([{"text": "ok", "begin": np.int32(0), "end": np.int32(2)},
                   {"text": "[SEP]", "begin": float("nan"), "end": float("nan")},
                   {"text": "x", "begin": np.int64(3), "end": np.int64(4)}],
                  [{"text": "ok", "begin": 0, "end": 2},
                   {"text": "[SEP]", "begin": None, "end": None},
                   {"text": "y", "begin": 3, "end": 4}]),
    "no_left_words": pair(None, spaced("a b"), [CLS, SEP], [CLS, {**SEP, "id": 7}]),
    "empty_left_words": pair([], spaced("a b")),
}
for _name, (_text, _lcuts, _rcuts) in SWAP_CASES.items():
    CASES[f"swap-{_name}"] = pair(words(_text, _lcuts), words(_text, _rcuts))
    CASES[f"swap-{_name}-back"] = pair(words(_text, _rcuts), words(_text, _lcuts))



def pandas_shaped(rec: dict) -> dict:
    """A record as pandas hands it over: nullable ints nested in lists become floats, nulls NaN,
    lists numpy arrays."""
    def floats(items):
        return np.array([{k: (float("nan") if v is None else float(v))
                          if k in ("id", "begin", "end") else v for k, v in item.items()}
                         for item in items], dtype=object)

    return {**rec, "words": floats(rec["words"]), "pieces": floats(rec["pieces"]),
            "probabilities": np.array(rec["probabilities"]),
            "piece_count": float(rec["piece_count"]), "logits": None}


BRILLIANT = "a Brilliant film"
BRILLIANT_LEFT = {
    "id": "r1", "status": "ok", "error": None, "text_sha256": "x", "text_length": 16,
    "words": words(BRILLIANT, [(0, 1), (2, 11), (12, 16)]),
    "pieces": [CLS, {"piece": "a", "id": 1037, "begin": 0, "end": 1},
               {"piece": "brilliant", "id": 8235, "begin": 2, "end": 11},
               {"piece": "film", "id": 2143, "begin": 12, "end": 16}, SEP],
    "pieces_note": None, "piece_count": 5, "truncated": False, "label": "positive",
    "label_id": 1, "probabilities": [0.2, 0.8], "logits": None}
BRILLIANT_RIGHT = {**BRILLIANT_LEFT, "probabilities": [0.6, 0.4], "label": "negative",
                   "label_id": 0, "pieces": [
                       *BRILLIANT_LEFT["pieces"][:2],
                       {"piece": "[UNK]", "id": 100, "begin": 2, "end": 11},
                       *BRILLIANT_LEFT["pieces"][3:]]}
CASES["pandas"] = Pair(pandas_shaped(BRILLIANT_LEFT), pandas_shaped(BRILLIANT_RIGHT), BRILLIANT,
                       {"cf_verdict": float("nan"), "cf_max_abs_delta": float("nan")})
CASES["pandas-same"] = Pair(BRILLIANT_LEFT, BRILLIANT_LEFT, BRILLIANT)


@pytest.fixture(scope="module")
def rows(spark) -> dict[str, dict]:
    """The report row of every case, from one Spark job."""
    return dict(zip(CASES, explain_records(spark, list(CASES.values()), TOL)))


def test_equal_sequences_are_same_with_no_alignment_or_divergence(rows):
    row = rows["equal"]
    assert row["status"] == SAME and row["words_equal"] is True
    assert row["word_alignment"] is None and row["first_divergence"] is None
    assert row["cause"] is None


def test_split_word_keeps_later_positions_aligned(rows):
    got = rows["split"]["word_alignment"]
    assert ops(got) == ["equal", "split", "equal", "equal", "equal"]
    split = got[1]
    assert (split["left_tokens"], split["right_tokens"]) == (["don't"], ["do", "n't"])
    assert (split["left_index"], split["right_index"], split["begin"], split["end"]) == (
        1, 1, 2, 7)
    assert (got[2]["left_index"], got[2]["right_index"]) == (2, 3)
    d = rows["split"]["first_divergence"]
    assert div(rows["split"]) == ("words", "split", 1, 1)
    assert d["left_window"] == ["I", "don't", "care", "at", "all"]
    assert d["right_window"] == ["I", "do", "n't", "care", "at", "all"]


def test_merged_is_the_mirror_of_split(rows):
    got = rows["merged"]["word_alignment"]
    assert ops(got) == ["merged", "equal"]
    assert got[0]["left_tokens"] == ["good", "film"]
    assert got[0]["right_tokens"] == ["good\u00a0film"]


def test_casing_change_is_changed_not_missing(rows):
    row = rows["casing"]
    assert ops(row["piece_alignment"]) == ["equal", "changed", "equal"]
    d = row["first_divergence"]
    assert (d["level"], d["op"], d["left_index"], d["begin"], d["end"]) == (
        "pieces", "changed", 1, 0, 9)


def test_same_piece_string_with_another_vocabulary_id_is_changed(rows):
    assert ops(rows["other_id"]["piece_alignment"]) == ["changed"]
    assert rows["other_id"]["pieces_equal"] is False


def test_missing_tokens_on_either_side(rows):
    got = rows["missing"]["word_alignment"]
    assert ops(got) == ["equal", "missing_right", "equal"]
    missing = got[1]
    assert (missing["left_index"], missing["right_index"], missing["left_tokens"],
            missing["right_tokens"]) == (1, None, ["😀"], [])
    d = rows["missing"]["first_divergence"]
    assert (d["left_index"], d["right_index"]) == (1, 1)  # right: where it would be
    assert d["right_window"] == ["wow", "great"]
    assert ops(rows["swap-missing-back"]["word_alignment"]) == [
        "equal", "missing_left", "equal"]


def test_trailing_tokens_missing_after_truncation_and_sep_by_position(rows):
    got = rows["truncated"]["piece_alignment"]
    assert ops(got) == ["equal"] * 4 + ["missing_right"] * 2 + ["equal"]
    assert (got[-1]["left_index"], got[-1]["right_index"]) == (6, 4)
    d = rows["truncated"]["first_divergence"]
    assert (d["left_index"], d["right_index"]) == (4, 4)
    assert d["right_window"] == ["a", "b", "c", "[SEP]"]


def test_regrouped_when_both_sides_cut_the_same_characters_differently(rows):
    got = rows["regrouped"]["word_alignment"]
    assert ops(got) == ["regrouped"]
    assert got[0]["left_tokens"] == ["e-mail", "-", "worthy"]
    assert (got[0]["begin"], got[0]["end"]) == (0, 13)


def test_emoji_offsets_are_code_points(rows):
    assert TEXT_EMOJI.index("best") == 12  # two emoji are two code points, not four units
    got = rows["emoji"]["word_alignment"]
    assert ops(got) == ["equal", "equal", "split", "equal", "equal", "equal"]
    assert got[2]["right_tokens"] == ["😀", "😀"]
    assert got[4]["left_tokens"] == ["🎬"] and (got[4]["begin"], got[4]["end"]) == (17, 18)
    assert ops(rows["utf16"]["word_alignment"])[3:] != ["equal"] * 3


def test_numpy_offsets_and_nan_for_a_missing_offset(rows):
    """numpy ints are offsets; NaN (pandas' missing int) is an offset-less token, paired by
    position like [SEP]."""
    assert ops(rows["numpy"]["word_alignment"]) == ["equal", "equal", "changed"]


def test_missing_sequence_gives_no_alignment_empty_gives_all_missing(rows):
    row = rows["no_left_words"]
    assert row["word_alignment"] is None and row["words_equal"] is None
    assert ops(row["piece_alignment"]) == ["equal", "changed"]
    assert ops(rows["empty_left_words"]["word_alignment"]) == ["missing_left", "missing_left"]


@pytest.mark.parametrize("case", sorted(SWAP_CASES))
def test_swapping_sides_mirrors_the_alignment(rows, case):
    forward, backward = rows[f"swap-{case}"], rows[f"swap-{case}-back"]
    assert backward["word_alignment"] == mirror(forward["word_alignment"])
    assert set(ops(forward["word_alignment"])) <= set(ALIGN_OPS)
    assert ops(forward["word_alignment"]) != ["equal"] * len(forward["word_alignment"])
    fdiv, bdiv = forward["first_divergence"], backward["first_divergence"]
    assert (fdiv["left_index"], fdiv["left_window"]) == (bdiv["right_index"],
                                                         bdiv["right_window"])
    assert (forward["cause"], forward["sub_cause"]) == (backward["cause"], backward["sub_cause"])


def test_explanation_takes_pandas_shaped_records_and_pinpoints_a_changed_piece(rows):
    got, same = rows["pandas"], rows["pandas-same"]
    assert got["status"] == "label_differs" and got["word_alignment"] is None
    assert ops(got["piece_alignment"]) == ["equal", "equal", "changed", "equal", "equal"]
    assert div(got) == ("pieces", "changed", 2, 2)
    assert (got["cause"], got["sub_cause"], got["cause_position"], got["cause_word"]) == (
        "pieces", "lowercase_one_side", 2, "Brilliant")
    assert got["cf_verdict"] is None and got["cf_consistent"] is None  # NaN verdict: none
    explained = ("word_alignment", "piece_alignment", "first_divergence", "cause", "sub_cause",
                 "cause_word", "cause_position", "cause_evidence", "cf_consistent")
    assert same["status"] == SAME and all(same[k] is None for k in explained)


def test_word_segmentation_only_rows_get_the_words_cause(rows):
    row = rows["split"]
    assert row["status"] == "tokens_differ"
    assert (row["cause"], row["sub_cause"], row["cause_word"], row["cause_position"]) == (
        "words", "split_differently", "don't", 1)
    assert div(row)[:2] == ("words", "split")
    assert "split differently" in row["cause_evidence"]
