"""What decides a label flip (explain/decisive.py): differences grouped by the deployed word,
re-run piece by piece, word by word, then all together; with the default model on a contraction
whose two lost pieces flip the label only together."""

from __future__ import annotations

import pytest

from spark_pipelines.explain.decisive import (
    ALL,
    PIECE,
    WORD,
    outcome,
    trials,
    variant,
    word_groups,
)
from spark_pipelines.report.schema import (
    DECISIVE_NOT_REPRODUCED,
    DECISIVE_PIECE,
    DECISIVE_SEVERAL_WORDS,
    DECISIVE_WORD,
)

# "We haven't had so much fun." as the two producers cut it: Hugging Face `haven ' t`, Spark NLP
# one token `haven't` whose wordpiece keeps `haven` only (what Spark NLP 5.5.3 gives; the
# compare job's test checks the same on real records: tests/spark_pipelines/compare/test_job.py).
TEXT = "We haven't had so much fun."
LEFT_PIECES = ["[CLS]", "we", "haven", "'", "t", "had", "so", "much", "fun", ".", "[SEP]"]
SPANS = [None, (0, 2), (3, 8), (8, 9), (9, 10), (11, 14), (15, 17), (18, 22), (23, 26),
         (26, 27), None]
RIGHT_WORDS = [{"text": w, "begin": b, "end": e} for w, b, e in [
    ("We", 0, 2), ("haven't", 3, 10), ("had", 11, 14), ("so", 15, 17), ("much", 18, 22),
    ("fun", 23, 26), (".", 26, 27)]]


def _op(op, li, ri, left, right, span):
    return {"op": op, "left_index": li, "right_index": ri, "left_tokens": left,
            "right_tokens": right, "begin": span and span[0], "end": span and span[1]}


def _ops() -> list[dict]:
    """The piece alignment: equal runs except `'` and `t`, missing on the right."""
    ops, right = [], 0
    for i, (piece, span) in enumerate(zip(LEFT_PIECES, SPANS)):
        if piece in ("'", "t"):
            ops.append(_op("missing_right", i, None, [piece], [], span))
        else:
            ops.append(_op("equal", i, right, [piece], [piece], span))
            right += 1
    return ops


def test_a_words_differences_are_one_group_and_applied_together():
    ops = _ops()
    groups = word_groups(ops, [3, 4], RIGHT_WORDS, None)
    assert [(g.word, g.begin, g.end, g.differences) for g in groups] == [("haven't", 3, 10,
                                                                          (3, 4))]
    left, right = list(range(11)), [0, 1, 2, 5, 6, 7, 8, 9, 10]
    assert variant(left, right, ops, [3], 128) == [0, 1, 2, 4, 5, 6, 7, 8, 9, 10]
    assert variant(left, right, ops, [3, 4], 128) == right
    assert variant(left, right, ops, [3, 4], 5) == [0, 1, 2, 5, 10]  # cut, [SEP] kept


def test_insertions_at_one_place_keep_alignment_order_and_shared_words_merge():
    ops = [_op("equal", 0, 0, ["[CLS]"], ["[CLS]"], None),
           _op("missing_left", None, 1, [], ["a"], (0, 1)),
           _op("missing_left", None, 2, [], ["b"], (1, 2)),
           _op("changed", 1, 3, ["x"], ["y"], (3, 6)),
           _op("equal", 2, 4, ["[SEP]"], ["[SEP]"], None)]
    assert variant([101, 7, 102], [101, 1, 2, 9, 102], ops, [1, 2, 3], 128) == [101, 1, 2, 9,
                                                                                102]
    words = [{"text": "ab", "begin": 0, "end": 2}, {"text": "xyz", "begin": 3, "end": 6}]
    spanning = [{**ops[3], "begin": 1, "end": 4}]  # one difference over two words: one unit
    assert [g.differences for g in word_groups(ops, [1, 2, 3], words, None)] == [(1, 2), (3,)]
    assert [g.word for g in word_groups([*ops[:3], *spanning], [1, 2, 3], words, None)] == [
        "ab xyz"]
    # no right word covers it: the left side's word, else the difference alone
    assert word_groups(ops, [3], [], [{"text": "x", "begin": 3, "end": 6}])[0].word == "x"
    assert word_groups(ops, [3], [], [])[0].word is None


@pytest.mark.parametrize("flips, unit, word", [
    ({(PIECE, 3): True}, DECISIVE_PIECE, "haven't"),
    ({(WORD, 0): True}, DECISIVE_WORD, "haven't"),
    ({(ALL, 0): True}, DECISIVE_SEVERAL_WORDS, None),
    ({}, DECISIVE_NOT_REPRODUCED, None),
])
def test_the_smallest_unit_that_flips_decides(flips, unit, word):
    ops = [*_ops()[:9], _op("changed", 9, 7, ["."], ["!"], (26, 27)), _ops()[-1]]
    row = {"ops": ops, "left_ids": list(range(11)), "right_ids": list(range(9)),
           "right_words": RIGHT_WORDS}
    found = trials(row, 128)
    assert [(k, key) for k, key, _ in found.variants] == [
        (PIECE, 3), (PIECE, 4), (PIECE, 9), (WORD, 0), (ALL, 0)]  # "." alone: its piece's run
    result = outcome(found, {(k, key): flips.get((k, key), False)
                             for k, key, _ in found.variants})
    assert (result["decisive_unit"], result["decisive_word"]) == (unit, word)
    assert result["flip_tried"] == 3 and result["flip_words_tried"] == 2
    assert [w["word"] for w in result["flip_word_alone"]] == (
        ["haven't"] if unit == DECISIVE_WORD else [])


def test_default_model_needs_both_pieces_of_havent(settings):
    """The default model on TEXT: dropping `'` or `t` alone keeps the label, dropping both (one
    word's differences, what Spark NLP feeds) flips it; flip_rows says one word decides."""
    from hf_reference.scorer import ReferenceScorer
    from spark_pipelines.explain.flips import flip_rows

    scorer = ReferenceScorer(settings, threads=1)
    left = scorer.score(["havent"], [TEXT])[0]
    assert [p["piece"] for p in left["pieces"]] == LEFT_PIECES
    left_ids = [p["id"] for p in left["pieces"]]
    right_ids = [i for i, p in zip(left_ids, LEFT_PIECES) if p not in ("'", "t")]
    _, right_probs = scorer.score_ids([right_ids])
    right_label = int(right_probs[0].argmax())
    assert right_label != left["label_id"], "the contraction's pieces decide this text"
    row = {"id": "havent", "left_ids": left_ids, "right_ids": right_ids, "ops": _ops(),
           "right_label_id": right_label, "right_words": RIGHT_WORDS, "left_words": left["words"]}
    (result,) = flip_rows(scorer, [row], settings.max_length)
    assert result["flip_tried"] == 2 and result["flip_alone"] == []  # neither piece alone
    assert result["decisive_unit"] == DECISIVE_WORD
    assert result["decisive_word"] == "haven't"
    assert result["flip_word_alone"] == [{"word": "haven't", "begin": 3, "end": 10,
                                          "differences": [3, 4]}]
