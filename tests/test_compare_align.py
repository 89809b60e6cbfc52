"""Token alignment by character offsets (pure Python, no Spark): every op, and its mirror."""

from __future__ import annotations

import numpy as np
import pytest

from spark_pipelines.compare.align import align, first_divergence, mirror, sequences_equal
from spark_pipelines.compare.schema import ALIGN_OPS


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


def ops(result: list[dict]) -> list[str]:
    return [op["op"] for op in result]


def test_equal_sequences_align_one_to_one_and_have_no_divergence():
    left = spaced("a fine film")
    got = align(left, [dict(t) for t in left])
    assert ops(got) == ["equal"] * 3
    assert [(op["left_index"], op["right_index"]) for op in got] == [(0, 0), (1, 1), (2, 2)]
    assert first_divergence(got, left, left, "words") is None
    assert sequences_equal(left, left) is True


def test_split_word_keeps_later_positions_aligned():
    text = "I don't care at all"
    left = words(text, [(0, 1), (2, 7), (8, 12), (13, 15), (16, 19)])
    right = words(text, [(0, 1), (2, 4), (4, 7), (8, 12), (13, 15), (16, 19)])
    got = align(left, right)
    assert ops(got) == ["equal", "split", "equal", "equal", "equal"]
    split = got[1]
    assert (split["left_tokens"], split["right_tokens"]) == (["don't"], ["do", "n't"])
    assert (split["left_index"], split["right_index"], split["begin"], split["end"]) == (
        1, 1, 2, 7)
    assert (got[2]["left_index"], got[2]["right_index"]) == (2, 3)
    div = first_divergence(got, left, right, "words")
    assert (div["op"], div["left_index"], div["right_index"]) == ("split", 1, 1)
    assert div["left_window"] == ["I", "don't", "care", "at", "all"]
    assert div["right_window"] == ["I", "do", "n't", "care", "at", "all"]


def test_merged_is_the_mirror_of_split():
    text = "good\u00a0film here"
    left = words(text, [(0, 4), (5, 9), (10, 14)])
    right = words(text, [(0, 9), (10, 14)])
    got = align(left, right)
    assert ops(got) == ["merged", "equal"]
    assert got[0]["left_tokens"] == ["good", "film"] and got[0]["right_tokens"] == [
        "good\u00a0film"]


def test_casing_change_is_changed_not_missing():
    left = [{"piece": "[CLS]", "id": 101, "begin": None, "end": None},
            {"piece": "brilliant", "id": 8235, "begin": 0, "end": 9},
            {"piece": "[SEP]", "id": 102, "begin": None, "end": None}]
    right = [{"piece": "[CLS]", "id": 101, "begin": None, "end": None},
             {"piece": "[UNK]", "id": 100, "begin": 0, "end": 9},
             {"piece": "[SEP]", "id": 102, "begin": None, "end": None}]
    got = align(left, right)
    assert ops(got) == ["equal", "changed", "equal"]
    div = first_divergence(got, left, right, "pieces")
    assert (div["level"], div["op"], div["left_index"], div["begin"], div["end"]) == (
        "pieces", "changed", 1, 0, 9)


def test_same_piece_string_with_another_vocabulary_id_is_changed():
    left = [{"piece": "film", "id": 2143, "begin": 0, "end": 4}]
    right = [{"piece": "film", "id": 9999, "begin": 0, "end": 4}]
    assert ops(align(left, right)) == ["changed"]
    assert sequences_equal(left, right) is False


def test_missing_tokens_on_either_side():
    text = "wow 😀 great"
    left = words(text, [(0, 3), (4, 5), (6, 11)])
    right = words(text, [(0, 3), (6, 11)])
    got = align(left, right)
    assert ops(got) == ["equal", "missing_right", "equal"]
    missing = got[1]
    assert (missing["left_index"], missing["right_index"], missing["left_tokens"],
            missing["right_tokens"]) == (1, None, ["😀"], [])
    div = first_divergence(got, left, right, "words")
    assert (div["left_index"], div["right_index"]) == (1, 1)  # right: where it would be
    assert div["right_window"] == ["wow", "great"]
    assert ops(align(right, left)) == ["equal", "missing_left", "equal"]


def test_trailing_tokens_missing_after_truncation_and_sep_by_position():
    cls = {"piece": "[CLS]", "id": 101, "begin": None, "end": None}
    sep = {"piece": "[SEP]", "id": 102, "begin": None, "end": None}
    body = [{"piece": w, "id": 1000 + i, "begin": 2 * i, "end": 2 * i + 1}
            for i, w in enumerate("abcde")]
    got = align([cls, *body, sep], [cls, *body[:3], sep])
    assert ops(got) == ["equal"] * 4 + ["missing_right"] * 2 + ["equal"]
    assert (got[-1]["left_index"], got[-1]["right_index"]) == (6, 4)
    div = first_divergence(got, [cls, *body, sep], [cls, *body[:3], sep], "pieces")
    assert (div["left_index"], div["right_index"]) == (4, 4)
    assert div["right_window"] == ["a", "b", "c", "[SEP]"]


def test_regrouped_when_both_sides_cut_the_same_characters_differently():
    text = "e-mail-worthy"
    left = words(text, [(0, 6), (6, 7), (7, 13)])     # "e-mail" "-" "worthy"
    right = words(text, [(0, 1), (1, 2), (2, 13)])    # "e" "-" "mail-worthy"
    got = align(left, right)
    assert ops(got) == ["regrouped"]
    assert got[0]["left_tokens"] == ["e-mail", "-", "worthy"]
    assert (got[0]["begin"], got[0]["end"]) == (0, 13)


def test_emoji_offsets_are_code_points():
    text = "Loved it 😀😀 best 🎬 film"
    assert text.index("best") == 12  # two emoji are two code points, not four UTF-16 units
    left = words(text, [(0, 5), (6, 8), (9, 11), (12, 16), (17, 18), (19, 23)])
    right = words(text, [(0, 5), (6, 8), (9, 10), (10, 11), (12, 16), (17, 18), (19, 23)])
    got = align(left, right)
    assert ops(got) == ["equal", "equal", "split", "equal", "equal", "equal"]
    assert got[2]["right_tokens"] == ["😀", "😀"]
    assert got[4]["left_tokens"] == ["🎬"] and (got[4]["begin"], got[4]["end"]) == (17, 18)
    # UTF-16 offsets on one side (a conversion bug) shift every later token: nothing equal.
    shifted = [dict(t, begin=t["begin"] + 2, end=t["end"] + 2) if t["begin"] >= 12 else t
               for t in left]
    assert ops(align(left, shifted))[3:] != ["equal"] * 3


def test_arrow_style_input_numpy_and_nan():
    left = [{"text": "ok", "begin": np.int32(0), "end": np.int32(2)},
            {"text": "[SEP]", "begin": float("nan"), "end": float("nan")}]
    right = [{"text": "ok", "begin": 0, "end": 2}, {"text": "[SEP]", "begin": None, "end": None}]
    assert ops(align(np.array(left, dtype=object), right)) == ["equal", "equal"]


def test_missing_sequence_gives_no_alignment_empty_gives_all_missing():
    assert align(None, spaced("a b")) is None
    assert sequences_equal(spaced("a b"), None) is None
    assert ops(align([], spaced("a b"))) == ["missing_left", "missing_left"]


SWAP_CASES = {
    "split": ("I don't care", [(0, 1), (2, 7), (8, 12)], [(0, 1), (2, 4), (4, 7), (8, 12)]),
    "missing": ("wow 😀 great", [(0, 3), (4, 5), (6, 11)], [(0, 3), (6, 11)]),
    "regrouped": ("e-mail-worthy", [(0, 6), (6, 7), (7, 13)], [(0, 1), (1, 2), (2, 13)]),
    "shifted": ("abcdef ghi", [(0, 3), (3, 6), (7, 10)], [(0, 2), (2, 6), (7, 10)]),
}


@pytest.mark.parametrize("case", sorted(SWAP_CASES))
def test_swapping_sides_mirrors_the_alignment(case):
    text, lcuts, rcuts = SWAP_CASES[case]
    left, right = words(text, lcuts), words(text, rcuts)
    forward, backward = align(left, right), align(right, left)
    assert backward == mirror(forward)
    assert set(ops(forward)) <= set(ALIGN_OPS)
    assert ops(forward) != ["equal"] * len(forward)
    fdiv = first_divergence(forward, left, right, "words")
    bdiv = first_divergence(backward, right, left, "words")
    assert (fdiv["left_index"], fdiv["left_window"]) == (bdiv["right_index"], bdiv["right_window"])


def pandas_shaped(record: dict) -> dict:
    """A record as a pandas UDF hands it over: nullable ints nested in lists become floats,
    nulls NaN, lists numpy arrays."""
    def floats(items):
        return np.array([{k: (float("nan") if v is None else float(v))
                          if k in ("id", "begin", "end") else v for k, v in item.items()}
                         for item in items], dtype=object)

    return {**record, "words": floats(record["words"]), "pieces": floats(record["pieces"]),
            "probabilities": np.array(record["probabilities"]),
            "piece_count": float(record["piece_count"]), "logits": float("nan")}


def test_explain_row_takes_pandas_shaped_records_and_pinpoints_a_changed_piece():
    from spark_pipelines.compare.explain_row import explain_row

    text = "a Brilliant film"
    left = {"id": "r1", "status": "ok", "error": None, "text_sha256": "x", "text_length": 16,
            "words": words(text, [(0, 1), (2, 11), (12, 16)]),
            "pieces": [{"piece": "[CLS]", "id": 101, "begin": None, "end": None},
                       {"piece": "a", "id": 1037, "begin": 0, "end": 1},
                       {"piece": "brilliant", "id": 8235, "begin": 2, "end": 11},
                       {"piece": "film", "id": 2143, "begin": 12, "end": 16},
                       {"piece": "[SEP]", "id": 102, "begin": None, "end": None}],
            "pieces_note": None, "piece_count": 5, "truncated": False, "label": "positive",
            "label_id": 1, "probabilities": [0.2, 0.8], "logits": None}
    right = {**left, "pieces": [dict(p) for p in left["pieces"]],
             "probabilities": [0.6, 0.4], "label": "negative", "label_id": 0}
    right["pieces"][2] = {"piece": "[UNK]", "id": 100, "begin": 2, "end": 11}
    cf = {"cf_verdict": float("nan"), "cf_max_abs_delta": float("nan")}
    got = explain_row("label_differs", pandas_shaped(left), pandas_shaped(right), cf, 1e-3)
    assert got["word_alignment"] is None
    assert [op["op"] for op in got["piece_alignment"]] == ["equal", "equal", "changed", "equal",
                                                           "equal"]
    assert (got["div_level"], got["div_left_index"], got["div_right_index"]) == ("pieces", 2, 2)
    assert (got["cause"], got["sub_cause"], got["cause_position"], got["cause_word"]) == (
        "pieces", "lowercase_one_side", 2, "Brilliant")
    assert got["cf_consistent"] is None
    assert all(v is None for v in explain_row("same", left, right, cf, 1e-3).values())


def test_explain_row_gives_word_segmentation_only_rows_the_words_cause():
    from spark_pipelines.compare.explain_row import explain_row

    text = "I don't care"
    base = {"id": "r2", "status": "ok", "text_sha256": "y", "text_length": 12, "pieces": None,
            "piece_count": None, "truncated": False, "label": "negative", "label_id": 0,
            "probabilities": [0.9, 0.1], "logits": None}
    left = {**base, "words": words(text, [(0, 1), (2, 7), (8, 12)])}
    right = {**base, "words": words(text, [(0, 1), (2, 4), (4, 7), (8, 12)])}
    got = explain_row("tokens_differ", left, right, None, 1e-3)
    assert (got["cause"], got["sub_cause"], got["cause_word"], got["cause_position"]) == (
        "words", "split_differently", "don't", 1)
    assert (got["div_level"], got["div_op"]) == ("words", "split")
    assert "split differently" in got["cause_evidence"]
