"""The bad-input catalogue as corpora on disk, so tests can push each case through the real flow.

- The text catalogue (`write_text_catalogue`): one JSON lines corpus, one row per TextCase
  (null, empty, whitespace, NBSP, ZWJ, soft hyphen, astral, CJK, RTL, control characters, 10,000+
  characters...) plus a row only JSON can carry: a `\\ud800` escape (a lone surrogate). JSON
  escapes keep NUL and the other control
  characters exact, so what a job reads is what the case says (JSON_READ_AS says where not).
- File cases (`FILE_CASES`): what only a whole file can carry: bytes that are not UTF-8, a text
  column of numbers, a JSON number among JSON strings, a missing text or id column, null or
  duplicate ids; one builder each.

Builders write with json/pyarrow or raw bytes, never with Spark, so the corpus under test does
not depend on the code under test.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

LONG_TEXT = " ".join(["A truly wonderful, patient and generous film."] * 230)  # 10,579 chars
LONG_WORD = "x" * 10_001  # one 10,001-character word: over both WordPiece word limits


@dataclass(frozen=True)
class TextCase:
    """One row of the text catalogue: id, text, and what makes it hard."""

    id: str
    text: str | None
    why: str


TEXT_CASES: tuple[TextCase, ...] = (
    TextCase("plain", "A genuinely moving and beautifully acted film.", "control row"),
    TextCase("null", None, "null text"),
    TextCase("empty", "", "empty string"),
    TextCase("whitespace", " \t\n  ", "ASCII whitespace only"),
    TextCase("nbsp", "\u00a0\u00a0\u00a0", "no-break spaces only (not ASCII whitespace)"),
    TextCase("nbsp-inside", "great\u00a0film", "a no-break space between two words"),
    TextCase("ideographic-space", "the acting was\u3000awful",
             "U+3000 IDEOGRAPHIC SPACE between two words"),
    TextCase("line-separator", "a truly\u2028dreadful film",
             "U+2028 LINE SEPARATOR between two words"),
    TextCase("bom", "\ufeff", "a byte-order mark (format character) only"),
    TextCase("zwj", "Family night 👨\u200d👩\u200d👧 was fun", "zero-width joiner emoji sequence"),
    TextCase("zwj-word", "good\u200dmovie", "zero-width joiner inside a word"),
    TextCase("soft-hyphen", "an extra\u00adordinary film", "soft hyphen inside a word"),
    TextCase("emoji", "Loved it 😀😀 best film 🎬 of the year", "astral emoji (2 UTF-16 units)"),
    TextCase("astral-math", "\U0001d49c truly \U0001d49c wonderful film",
             "U+1D49C MATHEMATICAL SCRIPT CAPITAL A"),
    TextCase("cjk", "这部电影非常好看，演员很棒。", "Chinese, no spaces"),
    TextCase("arabic", "هذا الفيلم رائع جدا", "Arabic, right to left"),
    TextCase("hebrew", "הסרט הזה נהדר", "Hebrew, right to left"),
    TextCase("rtl-mixed", "great film \u202bהסרט הזה\u202c really", "RTL embedding controls"),
    TextCase("control", "bad\x00film\x07 with \x1b[31mcodes\x7f and\x0bmore",
             "NUL, BEL, ESC, DEL, VT"),
    TextCase("long", LONG_TEXT, "10,000+ characters, far over max_length pieces"),
    TextCase("long-word", LONG_WORD, "a single 10,001-character word"),
)

# Rows only a JSON file can carry, as raw lines, and the text Spark's JSON reader makes of them:
# Jackson decodes \ud800 to a lone surrogate and Spark stores strings as UTF-8 through Java's
# encoder, which writes "?" for it. (A number among strings is refused: write_jsonl_number_text.)
JSON_ONLY_LINES = {
    "json-surrogate": '{"id": "json-surrogate", "text": "bad \\ud800 film"}',
}
JSON_READ_AS = {"json-surrogate": "bad ? film"}


def catalogue_texts() -> dict[str, str | None]:
    """id -> the text the jobs see, for every row of the text catalogue."""
    return {**{case.id: case.text for case in TEXT_CASES}, **JSON_READ_AS}


def write_text_catalogue(path: Path) -> Path:
    """TEXT_CASES and JSON_ONLY_LINES as JSON lines (UTF-8, control characters escaped)."""
    lines = [json.dumps({"id": case.id, "text": case.text}, ensure_ascii=False)
             for case in TEXT_CASES]
    path.write_text("\n".join([*lines, *JSON_ONLY_LINES.values()]) + "\n", encoding="utf-8")
    return path


# --- file cases -----------------------------------------------------------------------------

INVALID_UTF8 = b"\xff\xfe"  # never valid in UTF-8
CESU_SURROGATE = b"\xed\xa0\x80"  # U+D800 encoded as if it were a code point (not UTF-8)


def write_csv_bad_bytes(path: Path) -> Path:
    """CSV without an id column (ids are derived): invalid UTF-8 bytes, an encoded lone surrogate,
    and one text at two positions, so only the position tells their ids apart."""
    path.write_bytes(b"text\n"
                     b'"good ' + INVALID_UTF8 + b' film"\n'
                     b'"bad ' + CESU_SURROGATE + b' film"\n'
                     b'"a fine film"\n'
                     b'"a fine film"\n')
    return path



def write_jsonl_invalid_utf8(path: Path) -> Path:
    """JSON lines where one line holds raw bytes that are not UTF-8."""
    path.write_bytes(b'{"id": "ok-1", "text": "a fine film"}\n'
                     b'{"id": "json-invalid", "text": "good ' + INVALID_UTF8 + b' film"}\n'
                     b'{"id": "ok-2", "text": "another film"}\n')
    return path


def write_jsonl_number_text(path: Path) -> Path:
    """JSON lines whose third text is a number: Spark's reader would make it the string "12345"."""
    rows = [{"id": "s1", "text": "a fine film"}, {"id": "s2", "text": None},
            {"id": "json-number", "text": 12345}]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def write_numbers_parquet(path: Path) -> Path:
    """A text column of int64: every row is a number (or null), none a string."""
    pq.write_table(pa.table({"id": ["n1", "n2", "n3"],
                             "text": pa.array([1, 22, None], pa.int64())}), path)
    return path


def write_no_text_column(path: Path) -> Path:
    path.write_text("\n".join(json.dumps({"id": str(i), "body": f"film {i}"}) for i in range(3))
                    + "\n", encoding="utf-8")
    return path


def write_duplicate_ids(path: Path) -> Path:
    """ids b and d twice each (b first in the file), a once: the refusal must name b and d."""
    rows = [("b", "one"), ("a", "two"), ("b", "three"), ("d", "four"), ("d", "five")]
    path.write_text("\n".join(json.dumps({"id": i, "text": t}) for i, t in rows) + "\n",
                    encoding="utf-8")
    return path


def write_null_ids(path: Path) -> Path:
    pq.write_table(pa.table({"id": ["k1", None, "k3", None], "text": ["a", "b", "c", "d"]}), path)
    return path


FILE_CASES: dict[str, tuple[str, Callable[[Path], Path]]] = {
    "csv-bad-bytes-no-id": ("bad.csv", write_csv_bad_bytes),
    "jsonl-invalid-utf8": ("bad.jsonl", write_jsonl_invalid_utf8),
    "numbers": ("numbers.parquet", write_numbers_parquet),
    "jsonl-number-text": ("mixed.jsonl", write_jsonl_number_text),
    "no-text-column": ("notext.jsonl", write_no_text_column),
    "duplicate-ids": ("dups.jsonl", write_duplicate_ids),
    "null-ids": ("nullids.parquet", write_null_ids),
}


def write_file_case(name: str, folder: Path) -> Path:
    """Write file case `name` into folder; returns its path."""
    file_name, builder = FILE_CASES[name]
    folder.mkdir(parents=True, exist_ok=True)
    return builder(folder / file_name)
