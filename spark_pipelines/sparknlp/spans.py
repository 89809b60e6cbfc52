"""Spark NLP offsets -> record offsets, for a whole Arrow batch at once (numpy, no per-span loop).

Spark NLP offsets are Java string indexes (UTF-16 units), end inclusive; records use code points,
end exclusive, so an emoji (two UTF-16 units) must not shift every later offset. A word's or
piece's span also leaves out the ASCII whitespace its token carries at either end (a
RegexTokenizer that keeps each word's leading space, so that RoBERTa's classifier gives it the Ġ
marker), as Hugging Face's trim_offsets does, unless nothing else is left: a whitespace-only
token keeps its span. Other spaces (NBSP, U+3000) stay: Spark NLP's own tokenizers keep them
inside tokens, and the join's separator causes read them there. This is the Spark NLP side of
the span rule; parity_core/families/unicode.py states both sides and how they differ.

Vectorised because the Spark NLP job converts every word and piece of every row (about 50 spans
a row) in a Python worker that shares the executor's cores with ONNX inference: a Python loop
per span cost more than the rest of the conversion together.
"""

from __future__ import annotations

import numpy as np

from parity_core.families.unicode import ASCII_SPACE

_SPACE_CODES = np.array([ord(c) for c in ASCII_SPACE], dtype=np.uint32)


class BatchTexts:
    """The texts of one batch as one code point array, with what span conversion needs:
    each row's start in code points and in UTF-16 units, the code point of every UTF-16 unit,
    and where the nearest non-space character lies on either side of every position."""

    def __init__(self, texts: list[str | None]) -> None:
        present = [text or "" for text in texts]
        lengths = np.fromiter(map(len, present), dtype=np.int64, count=len(present))
        # surrogatepass: a lone surrogate is one code point and one UTF-16 unit, as in Java.
        code_points = np.frombuffer("".join(present).encode("utf-32-le", "surrogatepass"),
                                    dtype=np.uint32)
        units = 1 + (code_points > 0xFFFF).astype(np.int64)
        self.cp_start = np.concatenate(([0], np.cumsum(lengths)))
        unit_offsets = np.concatenate(([0], np.cumsum(units)))
        self.unit_start = unit_offsets[self.cp_start]
        self.unit_to_cp = np.repeat(np.arange(len(code_points), dtype=np.int64), units)
        total = len(code_points)
        positions = np.arange(total + 1, dtype=np.int64)
        solid = np.append(~np.isin(code_points, _SPACE_CODES), True)
        # First non-space position at or after i (total when none); 1 + last one before j.
        self.next_solid = np.minimum.accumulate(np.where(solid, positions, total)[::-1])[::-1]
        after_solid = np.where(solid[:-1], positions[:-1] + 1, 0)
        self.solid_end_before = np.concatenate(([0], np.maximum.accumulate(after_solid)))

    def _code_point(self, rows: np.ndarray, units: np.ndarray) -> np.ndarray:
        """Row-relative code point of each row-relative UTF-16 index, clamped to the text."""
        row_units = self.unit_start[rows + 1] - self.unit_start[rows]
        row_length = self.cp_start[rows + 1] - self.cp_start[rows]
        clamped = np.clip(units, 0, row_units)
        if len(self.unit_to_cp) == 0:
            return np.zeros_like(clamped)
        where = np.minimum(self.unit_start[rows] + clamped, len(self.unit_to_cp) - 1)
        inside = self.unit_to_cp[where] - self.cp_start[rows]
        return np.where(clamped == row_units, row_length, inside)

    def spans(self, rows: np.ndarray, begins: np.ndarray, ends: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
        """(begin, end) in code points, end exclusive, trimmed, for UTF-16 (begin, end
        inclusive) spans; rows[i] is the batch row of span i.

        Clamped to the text: Spark NLP computes piece offsets on lowercased/normalised token
        text, which can be longer than the original (e.g. "İ".lower() is two chars).
        """
        rows = np.asarray(rows, dtype=np.int64)
        begins = np.asarray(begins, dtype=np.int64)
        ends = np.asarray(ends, dtype=np.int64)
        row_length = self.cp_start[rows + 1] - self.cp_start[rows]
        cp_begin = self._code_point(rows, begins)
        cp_end = np.where(ends >= begins, self._code_point(rows, ends) + 1, cp_begin)
        cp_end = np.minimum(np.maximum(cp_end, cp_begin), row_length)
        start = self.cp_start[rows]
        first_solid = self.next_solid[start + cp_begin]
        whitespace_only = first_solid >= start + cp_end
        trimmed_begin = np.where(whitespace_only, cp_begin, first_solid - start)
        trimmed_end = np.where(whitespace_only, cp_end,
                               self.solid_end_before[start + cp_end] - start)
        return trimmed_begin, trimmed_end
