"""Which of the right side's differences decide a label flip: the rule, in one place.

A flip is re-run on the reference model with the right side's differences swapped into the left
input (explain/flips.py runs it on the executors). The unit tried is what a user deploys and
reads: the word. A contraction that loses two pieces (`haven't`: Hugging Face `haven ' t`,
Spark NLP `haven`) is two piece differences that may flip the label only together; tried apart,
neither does, and "it takes several" would be wrong, since one word does. So:

1. each piece difference alone (the alignment's non-equal runs, as before: `flip_alone`);
2. each word's differences together, the word being the right side's token (Spark NLP's, as
   deployed) whose span the difference falls in; differences that fall in no right word take
   the left side's word, else stand alone; words that share a difference are one unit;
3. all differences together.

The decisive unit is the smallest that flips: `piece` when some piece difference alone does
(its word is named), else `word` (the first such word, in text order), else `several_words`
when all of them together do, else `not_reproduced`: even all the piece differences do not give
the right label, so the flip is not in the pieces (numerics, model input).

Pure Python (no Spark, no torch): flips.py scores what `trials` lists, `outcome` reads the
labels back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from spark_pipelines.report.schema import (
    DECISIVE_NOT_REPRODUCED,
    DECISIVE_PIECE,
    DECISIVE_SEVERAL_WORDS,
    DECISIVE_WORD,
    EQUAL,
)

MAX_TRIED = 64  # differences re-run per row at most (the first ones, in text order)
SPECIALS = frozenset({"[CLS]", "[SEP]"})
PIECE, WORD, ALL = "piece", "word", "all"  # kinds of trial


@dataclass(frozen=True)
class WordGroup:
    """One word's differences: the word's text (several words joined by a space when one
    difference spans them; None when no word covers it), its span, and the piece_alignment
    indexes of its differences, in order."""

    word: str | None
    begin: int | None
    end: int | None
    differences: tuple[int, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"word": self.word, "begin": self.begin, "end": self.end,
                "differences": list(self.differences)}


def differences(ops: Sequence[dict[str, Any]] | None, limit: int | None = MAX_TRIED
                ) -> list[int]:
    """Indexes of the non-equal ops (the differences), in alignment order, at most `limit`;
    runs of [CLS]/[SEP] alone are not differences (offset-less, they only pair by position)."""
    def special_only(op: dict[str, Any]) -> bool:
        return all(t in SPECIALS for t in [*(op["left_tokens"] or []),
                                           *(op["right_tokens"] or [])])
    found = [i for i, op in enumerate(ops or []) if op["op"] != EQUAL and not special_only(op)]
    return found if limit is None else found[:limit]


def _edit(left_ids: Sequence[int], right_ids: Sequence[int], ops: Sequence[dict[str, Any]],
          index: int) -> tuple[int, int, list[int]]:
    """(start, width, ids) in the left ids for op `index`: its left run replaced by its right
    run. A run the left side lacks goes before the next left run of the alignment, or before
    the closing [SEP] when none follows."""
    chosen = ops[index]
    if chosen["left_index"] is not None:
        start, width = chosen["left_index"], len(chosen["left_tokens"] or [])
    else:
        later = [op["left_index"] for op in ops[index + 1:] if op["left_index"] is not None]
        start, width = (later[0] if later else max(len(left_ids) - 1, 0)), 0
    inserted: list[int] = []
    if chosen["right_index"] is not None:
        begin = chosen["right_index"]
        inserted = list(right_ids[begin:begin + len(chosen["right_tokens"] or [])])
    return start, width, inserted


def variant(left_ids: Sequence[int], right_ids: Sequence[int], ops: Sequence[dict[str, Any]],
            indexes: Sequence[int], max_length: int) -> list[int]:
    """The left ids with the alignment ops `indexes` replaced by the right side's runs, cut to
    max_length ([SEP] kept last). Edits are applied from the last to the first, so each one's
    place in the left ids still holds (and runs inserted at one place keep alignment order)."""
    ids = list(left_ids)
    for start, width, inserted in reversed([_edit(left_ids, right_ids, ops, i)
                                            for i in sorted(indexes)]):
        ids[start:start + width] = inserted
    if len(ids) > max_length:
        ids = [*ids[:max_length - 1], ids[-1]]
    return ids


def _covering(words: Sequence[dict[str, Any]] | None, begin: int, end: int) -> list[int]:
    """Indexes of the words whose span meets [begin, end) (an empty run: the word it is in)."""
    found = []
    for k, w in enumerate(words or []):
        b, e = w.get("begin"), w.get("end")
        if b is None or e is None:
            continue
        if (b < end and begin < e) if end > begin else (b <= begin < e):
            found.append(k)
    return found


def word_groups(ops: Sequence[dict[str, Any]], indexes: Sequence[int],
                right_words: Sequence[dict[str, Any]] | None,
                left_words: Sequence[dict[str, Any]] | None) -> list[WordGroup]:
    """The differences `indexes` grouped by the word they fall in (see the module docstring),
    in text order of their first difference."""
    groups: list[tuple[set[tuple[str, int]], list[int]]] = []
    for i in indexes:
        begin, end = ops[i].get("begin"), ops[i].get("end")
        keys: set[tuple[str, int]] = set()
        if begin is not None and end is not None:
            keys = {("r", k) for k in _covering(right_words, begin, end)} or {
                ("l", k) for k in _covering(left_words, begin, end)}
        keys = keys or {("op", i)}
        joined = [g for g in groups if g[0] & keys]
        for g in joined:
            groups.remove(g)
            keys |= g[0]
        groups.append((keys, sorted([i, *(d for g in joined for d in g[1])])))
    groups.sort(key=lambda g: g[1][0])
    return [_group(keys, diffs, right_words, left_words) for keys, diffs in groups]


def _group(keys: set[tuple[str, int]], diffs: list[int],
           right_words: Sequence[dict[str, Any]] | None,
           left_words: Sequence[dict[str, Any]] | None) -> WordGroup:
    sides = {"r": right_words or [], "l": left_words or []}
    words = sorted((sides[side][k] for side, k in keys if side in sides),
                   key=lambda w: w["begin"])
    if not words:
        return WordGroup(None, None, None, tuple(diffs))
    return WordGroup(" ".join(w["text"] for w in words), words[0]["begin"], words[-1]["end"],
                     tuple(diffs))


@dataclass(frozen=True)
class Trials:
    """What to re-run for one flipped row: (kind, key, ids) per variant, and its word groups.
    A word with one difference is that piece's variant (not scored twice)."""

    variants: list[tuple[str, int, list[int]]]
    groups: list[WordGroup]
    tried: int


def trials(row: dict[str, Any], max_length: int) -> Trials:
    """The variants of one flipped row (left_ids, right_ids, ops, right_words, left_words):
    each piece difference alone, each word's differences together, all differences together."""
    ops, left, right = row["ops"] or [], row["left_ids"], row["right_ids"]
    pieces = differences(ops)
    groups = word_groups(ops, pieces, row.get("right_words"), row.get("left_words"))
    out = [(PIECE, i, variant(left, right, ops, [i], max_length)) for i in pieces]
    out += [(WORD, g, variant(left, right, ops, group.differences, max_length))
            for g, group in enumerate(groups) if len(group.differences) > 1]
    out.append((ALL, 0, variant(left, right, ops, differences(ops, None), max_length)))
    return Trials(out, groups, len(pieces))


def outcome(found: Trials, flipped: dict[tuple[str, int], bool]) -> dict[str, Any]:
    """The row's flip columns from which variants gave the right label (`flipped`, keyed by
    (kind, key) as in `found.variants`)."""
    alone = [i for kind, i, _ in found.variants if kind == PIECE and flipped[(PIECE, i)]]
    words = [g for n, g in enumerate(found.groups) if flipped[
        (PIECE, g.differences[0]) if len(g.differences) == 1 else (WORD, n)]]
    decisive = next((g for g in found.groups if set(g.differences) & set(alone)), None)
    if alone:
        unit = DECISIVE_PIECE
    elif words:
        unit, decisive = DECISIVE_WORD, words[0]
    else:
        unit = DECISIVE_SEVERAL_WORDS if flipped[(ALL, 0)] else DECISIVE_NOT_REPRODUCED
    return {"flip_tried": found.tried, "flip_alone": alone,
            "flip_words_tried": len(found.groups),
            "flip_word_alone": [g.to_dict() for g in words], "decisive_unit": unit,
            "decisive_word": None if decisive is None else decisive.word}
