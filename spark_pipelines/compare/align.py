"""Two token sequences aligned by character offsets: where they agree, and where they first part.

Pure Python (no pyspark, no torch): the reference that the join's JVM function ports
(java/hfparity/explain/Align.java, held to this by a test). Tokens are dicts with `text` (word
tokens) or `piece` (model-input pieces, optionally `id`), `begin` and `end` in code points, end
exclusive. Comparing by offsets rather than by index keeps one split word from
shifting every later position. Tokens without offsets ([CLS], [SEP]) are aligned by position:
leading ones pair up in order, trailing ones pair up in order, any others pair with the other
side's offset-less tokens after the same character.

Every aligned position ("op") is a run of tokens covering the same characters on both sides
(tokens that overlap, directly or through a token of the other side, share a run). In an op,
`left_index`/`right_index` index the first token of that side's run and are None when the side
has none there; `begin`/`end` span the run's characters (None for offset-less tokens).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from spark_pipelines.compare.schema import (
    CHANGED,
    EQUAL,
    MERGED,
    MISSING_IN_LEFT,
    MISSING_IN_RIGHT,
    REGROUPED,
    SPLIT,
)

WINDOW = 3  # tokens shown on each side of the first divergence
MIRROR = {SPLIT: MERGED, MERGED: SPLIT, MISSING_IN_LEFT: MISSING_IN_RIGHT,
          MISSING_IN_RIGHT: MISSING_IN_LEFT}


def _value(value: Any) -> Any:
    """None for SQL null as Arrow/pandas hands it over (None, NaN); numpy scalars to Python."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def token_text(token: Mapping[str, Any]) -> str:
    """What a token says: its `text` (words) or its `piece` (pieces)."""
    text = token.get("text")
    if text is None:
        text = token.get("piece")
    return "" if text is None else str(text)


def _key(token: Mapping[str, Any]) -> tuple[str, Any]:
    """Equality key: the text, and the vocabulary id where the token has one."""
    return token_text(token), _value(token.get("id"))


def _span(token: Mapping[str, Any]) -> tuple[int, int] | None:
    begin, end = _value(token.get("begin")), _value(token.get("end"))
    if begin is None or end is None:
        return None
    return int(begin), int(end)


def _op_name(lcount: int, rcount: int, same_text: bool, same_span: bool) -> str:
    if rcount == 0:
        return MISSING_IN_RIGHT
    if lcount == 0:
        return MISSING_IN_LEFT
    if lcount == 1 and rcount == 1:
        return EQUAL if same_text and same_span else CHANGED
    if lcount == 1:
        return SPLIT
    if rcount == 1:
        return MERGED
    return REGROUPED


def _make_op(left: Sequence[Mapping[str, Any]], right: Sequence[Mapping[str, Any]],
             lidx: list[int], ridx: list[int]) -> dict[str, Any]:
    lt, rt = [left[i] for i in lidx], [right[i] for i in ridx]
    spans = [s for s in map(_span, lt + rt) if s is not None]
    same_text = [_key(t) for t in lt] == [_key(t) for t in rt]
    same_span = [_span(t) for t in lt] == [_span(t) for t in rt]
    return {
        "op": _op_name(len(lt), len(rt), same_text, same_span),
        "left_index": lidx[0] if lidx else None,
        "right_index": ridx[0] if ridx else None,
        "left_tokens": [token_text(t) for t in lt],
        "right_tokens": [token_text(t) for t in rt],
        "begin": min(b for b, _ in spans) if spans else None,
        "end": max(e for _, e in spans) if spans else None,
    }


def _runs(left: Sequence[Mapping[str, Any]], right: Sequence[Mapping[str, Any]],
          lidx: list[int], ridx: list[int]) -> list[tuple[list[int], list[int]]]:
    """Offset tokens of both sides grouped into maximal runs of overlapping character spans."""
    items = []
    for side, tokens, indexes in ((0, left, lidx), (1, right, ridx)):
        for i in indexes:
            begin, end = _span(tokens[i])  # type: ignore[misc]
            items.append((begin, max(end, begin + 1), side, i))  # empty span: one character
    items.sort(key=lambda item: (item[0], item[2], item[3]))
    runs: list[tuple[list[int], list[int]]] = []
    reach = -1
    for begin, end, side, i in items:
        if not runs or begin >= reach:
            runs.append(([], []))
        runs[-1][side].append(i)
        reach = max(reach, end)
    for lrun, rrun in runs:
        lrun.sort()
        rrun.sort()
    return runs


Anchors = tuple[list[int], list[int], dict[int, list[int]], list[int]]


def _anchors(tokens: Sequence[Mapping[str, Any]]) -> Anchors:
    """(leading offset-less, offset tokens, offset-less by the char they follow, trailing)."""
    positioned = [i for i, t in enumerate(tokens) if _span(t) is not None]
    if not positioned:
        return list(range(len(tokens))), [], {}, []
    first, last = positioned[0], positioned[-1]
    middle: dict[int, list[int]] = {}
    after = -1
    for i in range(first, last + 1):
        span = _span(tokens[i])
        if span is None:
            middle.setdefault(after, []).append(i)
        else:
            after = max(after, span[1])
    return list(range(first)), positioned, middle, list(range(last + 1, len(tokens)))


def _pair(left: Sequence[Mapping[str, Any]], right: Sequence[Mapping[str, Any]],
          lidx: list[int], ridx: list[int]) -> list[dict[str, Any]]:
    """Offset-less tokens paired by position; the longer side's extras are missing opposite."""
    ops = []
    for k in range(max(len(lidx), len(ridx))):
        ops.append(_make_op(left, right, lidx[k:k + 1], ridx[k:k + 1]))
    return ops


def align(left: Sequence[Mapping[str, Any]] | None, right: Sequence[Mapping[str, Any]] | None
          ) -> list[dict[str, Any]] | None:
    """The ops (schema.ALIGN_OPS) that turn `left` into `right`, in text order; None when a
    side has no sequence at all (an empty list is a sequence: everything is missing there)."""
    if left is None or right is None:
        return None
    left, right = list(left), list(right)
    lhead, lpos, lmid, ltail = _anchors(left)
    rhead, rpos, rmid, rtail = _anchors(right)
    ops = _pair(left, right, lhead, rhead)
    middles = sorted(set(lmid) | set(rmid))
    for lrun, rrun in _runs(left, right, lpos, rpos):
        run_start = min(_span(t)[0] for t in [left[i] for i in lrun] + [right[i] for i in rrun])
        while middles and middles[0] <= run_start:
            at = middles.pop(0)
            ops.extend(_pair(left, right, lmid.get(at, []), rmid.get(at, [])))
        ops.append(_make_op(left, right, lrun, rrun))
    for at in middles:
        ops.extend(_pair(left, right, lmid.get(at, []), rmid.get(at, [])))
    ops.extend(_pair(left, right, ltail, rtail))
    return ops


def mirror(ops: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    """The alignment seen from the other side: what `align(right, left)` returns."""
    if ops is None:
        return None
    return [{**op, "op": MIRROR.get(op["op"], op["op"]),
             "left_index": op["right_index"], "right_index": op["left_index"],
             "left_tokens": op["right_tokens"], "right_tokens": op["left_tokens"]}
            for op in ops]


def _where(ops: list[dict[str, Any]], at: int, side: str, total: int) -> int:
    """Index on `side` where op `at` starts, or where it would start when that side is empty."""
    key = f"{side}_index"
    for op in ops[at:]:
        if op[key] is not None:
            return int(op[key])
    return total


def first_divergence(ops: list[dict[str, Any]] | None, left: Sequence[Mapping[str, Any]],
                     right: Sequence[Mapping[str, Any]], level: str, window: int = WINDOW
                     ) -> dict[str, Any] | None:
    """The first op that is not equal, with up to `window` tokens each side of it.

    left_index/right_index say where the divergence starts on each side, the index it would
    have when that side has no token there; each window runs from `window` tokens before that
    index to `window` tokens after the diverging run.
    """
    if not ops:
        return None
    at = next((k for k, op in enumerate(ops) if op["op"] != EQUAL), None)
    if at is None:
        return None
    op = ops[at]
    out: dict[str, Any] = {"level": level, "op": op["op"], "begin": op["begin"],
                           "end": op["end"]}
    for side, tokens, run in (("left", left, op["left_tokens"]),
                              ("right", right, op["right_tokens"])):
        start = _where(ops, at, side, len(tokens))
        out[f"{side}_index"] = start
        stop = min(len(tokens), start + len(run) + window)
        out[f"{side}_window"] = [token_text(t) for t in list(tokens)[max(0, start - window):stop]]
    return out


def sequences_equal(left: Sequence[Mapping[str, Any]] | None,
                    right: Sequence[Mapping[str, Any]] | None) -> bool | None:
    """Same tokens with the same offsets; None when a side has no sequence."""
    if left is None or right is None:
        return None
    return ([(_key(t), _span(t)) for t in left] == [(_key(t), _span(t)) for t in right])
