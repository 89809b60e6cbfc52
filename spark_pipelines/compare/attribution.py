"""Attribute a disagreement between two prediction records to the first stage where they part.

Stages, in pipeline order: status → text → words → pieces → truncation → numerics → boundary.
Pure Python (no pyspark, no torch): the reference that the join's JVM function ports
(java/hfparity/explain/Attribute.java, held to this by a test, evidence text included); it
accepts record dicts as Arrow/pandas hand them over (numpy arrays for lists, NaN for nulls).
Pieces are aligned by character offsets (code points, end exclusive); [CLS]/[SEP] are ignored.
"""

from __future__ import annotations

import contextlib
import math
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from spark_pipelines.hf_on_spark.verdict import verdict_agrees

# Causes, in the order the stages run.
STATUS, TEXT, WORDS, PIECES, TRUNCATION, NUMERICS, BOUNDARY = (
    "status", "text", "words", "pieces", "truncation", "numerics", "boundary",
)
UNDETERMINED = "undetermined"  # outputs differ but a side recorded no pieces to compare
CAUSES = (STATUS, TEXT, WORDS, PIECES, TRUNCATION, NUMERICS, BOUNDARY, UNDETERMINED)

# Sub-causes of `pieces`, in the order they are tested.
LOWERCASE_ONE_SIDE = "lowercase_one_side"
ACCENT_ONE_SIDE = "accent_one_side"
UNKNOWN_TOKEN = "unknown_token"
PIECES_DROPPED = "pieces_dropped"
SPLIT_DIFFERENTLY = "split_differently"
OTHER = "other"
PIECE_SUB_CAUSES = (
    LOWERCASE_ONE_SIDE, ACCENT_ONE_SIDE, UNKNOWN_TOKEN, PIECES_DROPPED, SPLIT_DIFFERENTLY, OTHER,
)
MISSING = "missing"  # sub-cause of `status` when a side has no record at all
PIECES_NOT_RECORDED = "pieces_not_recorded"  # sub-cause of `undetermined`

SPECIAL_PIECES = frozenset({"[CLS]", "[SEP]", "[PAD]", "[MASK]"})
UNK = "[UNK]"
HF_MAX_CHARS_PER_WORD = 100  # a longer word is [UNK] in Hugging Face whatever its case
OK = "ok"
INVISIBLE = frozenset({"Mn", "Cf", "Cc"})  # unicode categories a normalizer may drop

# Spark DDL of `Attribution.to_dict()`, for a pandas UDF's return type.
ATTRIBUTION_DDL = (
    "cause string, sub_cause string, word string, position int, evidence string, "
    "cf_consistent boolean"
)


@dataclass(frozen=True)
class Attribution:
    """Why two records disagree.

    position indexes the LEFT record's list: `words` for cause words, `pieces` (with [CLS] at
    0) for pieces/truncation; where the left side has nothing there, the index where it would be.
    cf_consistent says whether a counterfactual verdict agrees with the cause (None: unchecked).
    """

    cause: str | None
    sub_cause: str | None = None
    word: str | None = None
    position: int | None = None
    evidence: str = ""
    cf_consistent: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def attribute(left: Mapping[str, Any] | None, right: Mapping[str, Any] | None, tolerance: float,
              counterfactual: Mapping[str, Any] | None = None) -> Attribution:
    """The first stage where `left` and `right` part; Attribution(None) when they agree.

    counterfactual: optional row of `counterfactual_scores` (cf_verdict, cf_max_abs_delta); it is
    checked against the cause and quoted in the evidence.
    """
    lrec, rrec = _normalize(left), _normalize(right)
    notes: list[str] = []
    found = _status(lrec, rrec)
    if found is None and lrec is not None and rrec is not None:
        chars = _char_map(lrec.get("words"), rrec.get("words"))
        found = (
            _text(lrec, rrec)
            or _words(lrec, rrec, chars, notes)
            or _pieces(lrec, rrec, chars, notes, tolerance)
            or _scores(lrec, rrec, tolerance, notes)
        )
    if found is None:
        return Attribution(None, evidence="; ".join(notes))
    evidence = "; ".join([found.evidence, *notes])
    consistent = None
    if counterfactual is not None and counterfactual.get("cf_verdict") is not None:
        verdict = str(counterfactual["cf_verdict"])
        consistent = verdict_agrees(found.cause, verdict)
        delta = _scalar(counterfactual.get("cf_max_abs_delta"))
        shown = f" (max |Δp| {delta:.3g})" if delta is not None else ""
        evidence += f"; counterfactual on right pieces: {verdict}{shown}"
        if consistent is False:
            evidence += f", which contradicts cause {found.cause}"
    return Attribution(found.cause, found.sub_cause, found.word, found.position, evidence,
                       consistent)


# --- input normalization -------------------------------------------------------------------

def _scalar(value: Any) -> Any:
    """None for SQL null as pandas shows it (None, NaN, pd.NA); numpy scalars to Python."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        with contextlib.suppress(ValueError, AttributeError):
            value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if type(value).__name__ == "NAType":
        return None
    return value


def _as_list(value: Any) -> list[Any] | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return [v.asDict() if hasattr(v, "asDict") else v for v in value]


def _normalize(record: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A plain dict with lists and Python scalars, whatever container the record came in."""
    if record is None:
        return None
    if hasattr(record, "asDict"):
        record = record.asDict(recursive=True)
    out: dict[str, Any] = {}
    for key, value in record.items():
        if key in ("words", "pieces"):
            items = _as_list(value)
            out[key] = None if items is None else [
                {k: _scalar(v) for k, v in item.items()} for item in items
            ]
        elif key in ("probabilities", "logits"):
            items = _as_list(value)
            out[key] = None if items is None else [float(v) for v in items]
        else:
            out[key] = _scalar(value)
    return out


# --- small helpers --------------------------------------------------------------------------

def _deaccent(text: str) -> str:
    """NFD and drop nonspacing marks: what BERT's strip_accents does."""
    return "".join(c for c in unicodedata.normalize("NFD", text)
                   if unicodedata.category(c) != "Mn")


def _fold(text: str) -> str:
    """Lowercase, strip accents, drop format/control characters: compare what is left."""
    return "".join(c for c in _deaccent(text.lower()) if unicodedata.category(c) not in INVISIBLE)


def _has_upper(text: str) -> bool:
    return text != text.lower()


def _has_accent(text: str) -> bool:
    return _deaccent(text) != text


def _is_invisible(char: str | None) -> bool:
    """Combining marks, format (ZWJ, ZWSP) and control characters: a tokenizer's normalizer
    may drop them, so one side covering them is judged by the pieces, not the words."""
    return char is not None and unicodedata.category(char) in INVISIBLE


def _char_map(*word_lists: list[dict[str, Any]] | None) -> dict[int, str]:
    """Code point → character, rebuilt from word texts (the records do not carry the text)."""
    chars: dict[int, str] = {}
    for words in word_lists:
        for word in words or []:
            begin, end, text = word.get("begin"), word.get("end"), word.get("text")
            if begin is None or end is None or text is None or len(text) != end - begin:
                continue
            for offset, char in enumerate(text):
                chars.setdefault(begin + offset, char)
    return chars


def _span_text(begin: int, end: int, chars: Mapping[int, str]) -> str | None:
    """The text of [begin, end) if every character is known (gaps inside read as spaces)."""
    known = [chars.get(p) for p in range(begin, end)]
    if all(c is None for c in known):
        return None
    inside = [p for p in range(begin, end) if chars.get(p) is not None]
    return "".join(chars.get(p) or " " for p in range(inside[0], inside[-1] + 1))


def _runs(positions: Iterable[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for p in sorted(positions):
        if runs and runs[-1][1] == p:
            runs[-1] = (runs[-1][0], p + 1)
        else:
            runs.append((p, p + 1))
    return runs


def _show_runs(positions: set[int], chars: Mapping[int, str], limit: int = 3) -> str:
    shown = []
    for begin, end in _runs(positions)[:limit]:
        text = "".join(chars.get(p, "?") for p in range(begin, end))
        shown.append(f"{text!r} at [{begin},{end})")
    extra = len(_runs(positions)) - limit
    return ", ".join(shown) + (f" and {extra} more" if extra > 0 else "")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _differs(a: Any, b: Any) -> bool:
    return a is not None and b is not None and a != b


# --- stages ---------------------------------------------------------------------------------

def _status(lrec: dict[str, Any] | None, rrec: dict[str, Any] | None) -> Attribution | None:
    """A missing or unscored side. Both sides unscored for the same non-error reason agree."""
    if lrec is None or rrec is None:
        side = "left" if lrec is None else "right"
        return Attribution(STATUS, MISSING, evidence=f"no {side} record")
    ls, rs = lrec.get("status"), rrec.get("status")
    if ls == OK and rs == OK:
        return None
    if ls == rs and ls != "error":
        return None  # e.g. both invalid_text: neither side predicts, for the same reason
    sub = ls if ls != OK else rs
    parts = [f"{name} {status}" + (f" ({rec.get('error')})" if rec.get("error") else "")
             for name, status, rec in (("left", ls, lrec), ("right", rs, rrec))]
    return Attribution(STATUS, sub, evidence=" vs ".join(parts))


def _text(lrec: dict[str, Any], rrec: dict[str, Any]) -> Attribution | None:
    parts = []
    if _differs(lrec.get("text_length"), rrec.get("text_length")):
        parts.append(f"text_length {lrec['text_length']} vs {rrec['text_length']}")
    if _differs(lrec.get("text_sha256"), rrec.get("text_sha256")):
        parts.append(f"sha256 {lrec['text_sha256'][:12]}… vs {rrec['text_sha256'][:12]}…")
    return Attribution(TEXT, evidence="; ".join(parts)) if parts else None


def _word_positions(words: list[dict[str, Any]]) -> list[tuple[int, int, int]]:
    return [(i, w["begin"], w["end"]) for i, w in enumerate(words)
            if w.get("begin") is not None and w.get("end") is not None]


def _words(lrec: dict[str, Any], rrec: dict[str, Any], chars: dict[int, str],
           notes: list[str]) -> Attribution | None:
    """Text lost or added at word level. Different segmentation alone is only noted."""
    lw, rw = lrec.get("words"), rrec.get("words")
    if lw is None or rw is None:
        missing = "left" if lw is None else "right"
        notes.append(f"words not recorded on {missing}: word stage skipped")
        return None
    lcov = {p for _, b, e in _word_positions(lw) for p in range(b, e)}
    rcov = {p for _, b, e in _word_positions(rw) for p in range(b, e)}
    marks = {p for p in lcov ^ rcov if _is_invisible(chars.get(p))}
    only_l, only_r = (lcov - rcov) - marks, (rcov - lcov) - marks
    if marks:
        notes.append(f"invisible characters (combining marks, format, control) covered by one "
                     f"side's words only: {_show_runs(marks, chars)}; judged at piece level")
    if not only_l and not only_r:
        lspans = [(b, e) for _, b, e in _word_positions(lw)]
        rspans = [(b, e) for _, b, e in _word_positions(rw)]
        if lspans != rspans and not marks:
            first = next((i for i, (a, b) in enumerate(zip(lspans, rspans)) if a != b),
                         min(len(lspans), len(rspans)))
            notes.append(
                f"words split differently from left word {first} ({len(lspans)} left words vs "
                f"{len(rspans)} right), same characters: not a cause (the model sees pieces)"
            )
        return None
    first = min(only_l | only_r)
    word, position = _word_at(first, lw, rw)
    parts = []
    if only_l:
        parts.append(f"only in left words: {_show_runs(only_l, chars)}")
    if only_r:
        parts.append(f"only in right words: {_show_runs(only_r, chars)}")
    return Attribution(WORDS, word=word, position=position, evidence="; ".join(parts))


def _word_at(char: int, lw: list[dict[str, Any]], rw: list[dict[str, Any]]
             ) -> tuple[str | None, int]:
    """(text of the word holding `char`, left first; index of that left word or where it'd be)."""
    left = _word_positions(lw)
    for index, begin, end in left:
        if begin <= char < end:
            return lw[index].get("text"), index
    position = next((i for i, b, _ in left if b > char), len(lw))
    for index, begin, end in _word_positions(rw):
        if begin <= char < end:
            return rw[index].get("text"), position
    return None, position


@dataclass(frozen=True)
class _Piece:
    index: int  # position in the record's pieces list ([CLS] included)
    piece: str
    id: int | None
    begin: int | None
    end: int | None

    @property
    def span(self) -> range:
        return range(self.begin or 0, self.end or 0)


def _real_pieces(pieces: list[dict[str, Any]]) -> list[_Piece]:
    out = []
    for index, p in enumerate(pieces):
        piece = p.get("piece") or ""
        if piece in SPECIAL_PIECES and p.get("begin") is None:
            continue
        out.append(_Piece(index, piece, p.get("id"), p.get("begin"), p.get("end")))
    return out


def _surface(pieces: list[_Piece]) -> str:
    return "".join(p.piece[2:] if p.piece.startswith("##") and len(p.piece) > 2 else p.piece
                   for p in pieces)


def _show_pieces(pieces: list[_Piece]) -> str:
    return " ".join(f"'{p.piece}'" for p in pieces) or "nothing"


def _truncated(rec: dict[str, Any], real: list[_Piece]) -> bool:
    flag = rec.get("truncated")
    if flag is not None:
        return bool(flag)
    count = rec.get("piece_count")
    return count is not None and count > len(rec.get("pieces") or [])


def _pieces(lrec: dict[str, Any], rrec: dict[str, Any], chars: dict[int, str],
            notes: list[str], tolerance: float) -> Attribution | None:
    """Kept model-input pieces that differ before either side's truncation point, else
    different numbers of kept pieces (truncation)."""
    lp, rp = lrec.get("pieces"), rrec.get("pieces")
    if lp is None or rp is None:
        missing = "left" if lp is None else "right"
        note = rrec.get("pieces_note") if lp is not None else lrec.get("pieces_note")
        if not _outputs_differ(lrec, rrec, tolerance):
            notes.append(f"pieces not recorded on {missing}")
            return None
        return Attribution(
            UNDETERMINED, PIECES_NOT_RECORDED,
            evidence=f"pieces not recorded on {missing}"
            + (f" ({note})" if note else "")
            + ": cannot tell pieces, truncation and numerics apart",
        )
    lreal, rreal = _real_pieces(lp), _real_pieces(rp)
    use_ids = all(p.id is not None for p in lreal + rreal)

    def key(p: _Piece) -> Any:
        return p.id if use_ids else p.piece

    if any(p.begin is None or p.end is None for p in lreal + rreal):
        return _pieces_by_index(lreal, rreal, key, lp)
    limit = math.inf
    for rec, real in ((lrec, lreal), (rrec, rreal)):
        if _truncated(rec, real):
            limit = min(limit, real[-1].end if real else 0)
    lkept = [p for p in lreal if p.end <= limit]
    rkept = [p for p in rreal if p.end <= limit]
    if [key(p) for p in lkept] != [key(p) for p in rkept]:
        return _first_piece_difference(lkept, rkept, key, lrec, rrec, chars, lp)
    if len(lreal) != len(rreal):
        return _truncation(lrec, rrec, lreal, rreal, chars, lp)
    if _truncated(lrec, lreal) != _truncated(rrec, rreal):
        notes.append("one side truncated and not the other, but both kept the same pieces")
    return None


def _clusters(lkept: list[_Piece], rkept: list[_Piece], words: Iterable[dict[str, Any]]
              ) -> list[tuple[int, int]]:
    """Maximal character spans joined by overlapping words or pieces of either side."""
    spans = [(p.begin, max(p.end, p.begin + 1)) for p in lkept + rkept]
    spans += [(w["begin"], w["end"]) for w in words
              if w.get("begin") is not None and w.get("end") is not None and w["end"] > w["begin"]]
    merged: list[list[int]] = []
    for begin, end in sorted(spans):
        if merged and begin < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([begin, end])
    return [(b, e) for b, e in merged]


def _first_piece_difference(lkept: list[_Piece], rkept: list[_Piece], key: Any,
                            lrec: dict[str, Any], rrec: dict[str, Any], chars: dict[int, str],
                            lp: list[dict[str, Any]]) -> Attribution:
    words = (lrec.get("words") or []) + (rrec.get("words") or [])
    clusters = _clusters(lkept, rkept, words)
    starts = [b for b, _ in clusters]
    groups: list[tuple[list[_Piece], list[_Piece], tuple[int, int]]] = [
        ([], [], span) for span in clusters
    ]
    for side, kept in ((0, lkept), (1, rkept)):
        for piece in kept:
            groups[max(0, bisect_right(starts, piece.begin) - 1)][side].append(piece)
    for lgroup, rgroup, (begin, end) in groups:
        if [key(p) for p in lgroup] == [key(p) for p in rgroup]:
            continue
        sub, detail = _classify(lgroup, rgroup, (begin, end), chars, groups)
        word = _span_text(begin, end, chars) or _surface(lgroup or rgroup)
        if lgroup:
            position = lgroup[0].index
        else:
            position = next((p.index for p in lkept if p.begin >= end), _end_index(lp))
        evidence = f"left {_show_pieces(lgroup)} vs right {_show_pieces(rgroup)}: {detail}"
        return Attribution(PIECES, sub, word, position, evidence)
    return _pieces_by_index(lkept, rkept, key, lp)  # same pieces per span, different order


def _end_index(lp: list[dict[str, Any]]) -> int:
    """Index of the left [SEP] (where the left input ends), or the list length."""
    if lp and lp[-1].get("piece") in SPECIAL_PIECES and lp[-1].get("begin") is None:
        return len(lp) - 1
    return len(lp)


def _classify(lgroup: list[_Piece], rgroup: list[_Piece], span: tuple[int, int],
              chars: dict[int, str], groups: list[Any]) -> tuple[str, str]:
    """Sub-cause for one span whose pieces differ, and a short reason."""
    source = _span_text(*span, chars)
    lcov = {p for piece in lgroup for p in piece.span if not _is_invisible(chars.get(p))}
    rcov = {p for piece in rgroup for p in piece.span if not _is_invisible(chars.get(p))}
    if lcov != rcov:
        return _dropped(lgroup, rgroup, lcov, rcov, source, chars)
    lunk = any(p.piece == UNK for p in lgroup)
    runk = any(p.piece == UNK for p in rgroup)
    if not lunk and not runk:
        ls, rs = _surface(lgroup), _surface(rgroup)
        if ls == rs:
            if [p.piece for p in lgroup] == [p.piece for p in rgroup]:
                return OTHER, "same piece strings, different vocabulary ids"
            return SPLIT_DIFFERENTLY, f"same characters {ls!r}, segmented differently"
        if _fold(ls) == _fold(rs):
            if ls.lower() != rs.lower() and _deaccent(ls) == _deaccent(rs):
                return ACCENT_ONE_SIDE, f"{ls!r} vs {rs!r}: accents kept on one side"
            return LOWERCASE_ONE_SIDE, f"{ls!r} vs {rs!r}: lowercased on one side"
        return OTHER, f"{ls!r} vs {rs!r}"
    if lunk and runk:
        return OTHER, "both sides have [UNK] here, segmented differently"
    unk_side, real = ("left", rgroup) if lunk else ("right", lgroup)
    surface = _surface(real)
    if source is not None and len(source) <= HF_MAX_CHARS_PER_WORD and (
            _fold(source) == _fold(surface)):
        unk_profile = _profile(groups, 0 if lunk else 1, chars)
        if _has_upper(source) and not _has_upper(surface) and unk_profile[0] is not True:
            ambiguous = _has_accent(source.lower()) and unk_profile[1] is not True
            return LOWERCASE_ONE_SIDE, (
                f"{unk_side} kept the case of {source!r} (not in the vocabulary: [UNK]), "
                f"the other side lowercased it to {surface!r}"
                + (" (or kept its accents: nothing else in the row tells)" if ambiguous else "")
            )
        if _has_accent(source) and not _has_accent(surface) and unk_profile[1] is not True:
            return ACCENT_ONE_SIDE, (
                f"{unk_side} kept the accents of {source!r} (not in the vocabulary: [UNK]), "
                f"the other side stripped them to {surface!r}"
            )
    length = f" ({len(source)} chars)" if source else ""
    return UNKNOWN_TOKEN, f"{unk_side} has [UNK] for {source or surface!r}{length}"


def _profile(groups: list[Any], side: int, chars: dict[int, str]
             ) -> tuple[bool | None, bool | None]:
    """(lowercases?, strips accents?) for one side, judged from its real pieces elsewhere."""
    lowercases: bool | None = None
    strips: bool | None = None
    for group in groups:
        pieces = group[side]
        source = _span_text(*group[2], chars)
        if not pieces or source is None or any(p.piece == UNK for p in pieces):
            continue
        surface = _surface(pieces)
        if _fold(surface) != _fold(source):
            continue
        if _has_upper(source):
            lowercases = lowercases or not _has_upper(surface)
        if _has_accent(source):
            strips = strips or not _has_accent(surface)
    return lowercases, strips


def _dropped(lgroup: list[_Piece], rgroup: list[_Piece], lcov: set[int], rcov: set[int],
             source: str | None, chars: dict[int, str]) -> tuple[str, str]:
    only_l, only_r = lcov - rcov, rcov - lcov
    where = f" from {source!r}" if source else ""
    for only, other, group, side in ((only_l, only_r, lgroup, "right"),
                                     (only_r, only_l, rgroup, "left")):
        if only and not other:
            count = sum(1 for p in group if set(p.span) & only)
            return PIECES_DROPPED, f"{_plural(count, 'piece')} dropped{where} on {side}"
    return PIECES_DROPPED, (f"characters only left: {_show_runs(only_l, chars)}; "
                            f"only right: {_show_runs(only_r, chars)}")


def _pieces_by_index(lreal: list[_Piece], rreal: list[_Piece], key: Any,
                     lp: list[dict[str, Any]]) -> Attribution:
    """Fallback without offsets: compare piece by piece."""
    first = next((i for i, (a, b) in enumerate(zip(lreal, rreal)) if key(a) != key(b)),
                 min(len(lreal), len(rreal)))
    a = lreal[first].piece if first < len(lreal) else None
    b = rreal[first].piece if first < len(rreal) else None
    if a is None or b is None:
        sub, detail = PIECES_DROPPED, f"one side has {abs(len(lreal) - len(rreal))} more pieces"
    elif a.lower() == b.lower():
        sub, detail = LOWERCASE_ONE_SIDE, f"{a!r} vs {b!r}"
    elif _deaccent(a) == _deaccent(b):
        sub, detail = ACCENT_ONE_SIDE, f"{a!r} vs {b!r}"
    elif UNK in (a, b):
        sub, detail = UNKNOWN_TOKEN, f"{a!r} vs {b!r}"
    else:
        sub, detail = OTHER, f"{a!r} vs {b!r}"
    position = lreal[first].index if first < len(lreal) else _end_index(lp)
    return Attribution(PIECES, sub, a or b, position,
                       f"piece {first} (aligned by position, offsets missing): {detail}")


def _truncation(lrec: dict[str, Any], rrec: dict[str, Any], lreal: list[_Piece],
                rreal: list[_Piece], chars: dict[int, str], lp: list[dict[str, Any]]
                ) -> Attribution:
    shorter = min(len(lreal), len(rreal))
    longer_side, extra = ("left", lreal[shorter]) if len(lreal) > shorter else (
        "right", rreal[shorter])
    short_side = "right" if longer_side == "left" else "left"
    position = extra.index if longer_side == "left" else _end_index(lp)
    word, _ = _word_at(extra.begin, lrec.get("words") or [], rrec.get("words") or [])

    def side(name: str, rec: dict[str, Any], real: list[_Piece]) -> str:
        state = "truncated" if _truncated(rec, real) else "whole"
        return (f"{name} kept {len(real)} pieces ({state}, {rec.get('piece_count')} with "
                "[CLS]/[SEP] before truncation)")

    evidence = (
        f"kept pieces equal for the first {shorter}; {side('left', lrec, lreal)}, "
        f"{side('right', rrec, rreal)}: {short_side} stops before "
        f"{(word or extra.piece)!r} at char {extra.begin}"
    )
    return Attribution(TRUNCATION, word=word or extra.piece, position=position, evidence=evidence)


def _max_delta(a: Sequence[float] | None, b: Sequence[float] | None) -> float | None:
    if a is None or b is None or len(a) != len(b):
        return None
    return max((abs(x - y) for x, y in zip(a, b)), default=0.0)


def _labels_differ(lrec: dict[str, Any], rrec: dict[str, Any]) -> bool:
    if lrec.get("label") is not None or rrec.get("label") is not None:
        return lrec.get("label") != rrec.get("label")
    return lrec.get("label_id") != rrec.get("label_id")


def _outputs_differ(lrec: dict[str, Any], rrec: dict[str, Any], tolerance: float) -> bool:
    delta = _max_delta(lrec.get("probabilities"), rrec.get("probabilities"))
    return _labels_differ(lrec, rrec) or (delta is not None and delta > tolerance)


def _scores(lrec: dict[str, Any], rrec: dict[str, Any], tolerance: float, notes: list[str]
            ) -> Attribution | None:
    """Identical model input: logits (else probabilities) beyond tolerance, else the label."""
    labels = f"labels {lrec.get('label')} vs {rrec.get('label')}"
    logit_delta = _max_delta(lrec.get("logits"), rrec.get("logits"))
    prob_delta = _max_delta(lrec.get("probabilities"), rrec.get("probabilities"))
    if logit_delta is not None and logit_delta > tolerance:
        return Attribution(NUMERICS, evidence=(
            f"identical pieces; max |Δlogit| {logit_delta:.3g} > tolerance {tolerance:g}; "
            f"max |Δp| {prob_delta if prob_delta is not None else float('nan'):.3g}; {labels}"))
    if logit_delta is None and prob_delta is not None and prob_delta > tolerance:
        return Attribution(NUMERICS, evidence=(
            f"identical pieces; logits not recorded on both sides; max |Δp| {prob_delta:.3g} > "
            f"tolerance {tolerance:g}; {labels}"))
    if _labels_differ(lrec, rrec):
        probs = f"left {lrec.get('probabilities')} vs right {rrec.get('probabilities')}"
        return Attribution(BOUNDARY, evidence=(
            f"identical pieces; scores within tolerance {tolerance:g} "
            f"(max |Δp| {prob_delta if prob_delta is not None else float('nan'):.3g}) "
            f"but {labels}: {probs}"))
    return None
