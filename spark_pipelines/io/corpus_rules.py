"""The corpus rules in one place, and their check on a local corpus before any Spark starts.

What a corpus must be (spark_pipelines/io/corpus.py applies the same rules in Spark, with the
messages built here):

- the text column exists (the id column may be absent: ids are then derived);
- ids, when there is an id column, are non-null and unique;
- CSV and JSON lines decode with corpus.encoding (default UTF-8) without a single replaced
  byte: a byte that is not in the encoding is refused, naming its byte offset and line, because
  Spark's readers would silently put U+FFFD in its place and both sides would score a text
  nobody wrote. A file in another encoding is read with corpus.encoding (`--encoding`);
- every non-blank JSON line is one object, and its texts are of one JSON kind (null aside): a
  number, list, object or boolean among strings is refused, naming the line and its JSON type,
  because Spark's reader turns it into its JSON text ("12345", '["a", "b"]') and would score
  that. A text column of one other kind (every text a number, say; or a parquet column of
  another type) is a property of the whole column: its rows are kept as invalid_text.

Refused rather than flagged per row: a wrong encoding or a JSON type mix-up is a property of how
the file was written, it seldom touches one row only, and the fix is in the file or the option,
not in the report.

No pyspark here: `hfparity check` runs `validate_local` before it imports the model or starts
Spark; the Spark reader runs `check_local_text` (the two rules Spark cannot see) on local files.
A remote corpus (hdfs://, s3a://) is read by Spark only: the column and id rules apply, the
encoding and JSON-type rules do not (Spark cannot tell a replaced byte from U+FFFD).
"""

from __future__ import annotations

import codecs
import csv
import json
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from parity_core.errors import BadInput
from parity_core.files import is_remote

FORMATS = {".parquet": "parquet", ".csv": "csv", ".jsonl": "json", ".json": "json"}
SHOW_IDS = 5
# How to set each corpus option: in a conf (the jobs) or on the command line (hfparity check).
CONF_HINTS = {"text_column": "set corpus.text_column", "id_column": "set corpus.id_column",
              "encoding": "set corpus.encoding"}
CHECK_HINTS = {"text_column": "pass --text-column", "id_column": "pass --id-column",
               "encoding": "pass --encoding"}
JSON_TYPES = {bool: "boolean", int: "number", float: "number", list: "array", dict: "object"}


@dataclass(frozen=True)
class CorpusShape:
    """What the pre-Spark check found: rows, columns, whether ids come from the file."""

    rows: int
    columns: tuple[str, ...]
    has_ids: bool


# --- messages: one wording for the Spark reader and the pre-Spark check -----------------------

def missing_text_column(path: str, column: str, columns: Iterable[str],
                        hints: Mapping[str, str] = CONF_HINTS) -> BadInput:
    shown = ", ".join(sorted(columns)) or "none"
    return BadInput(f"corpus {path}: no text column {column!r} (columns: {shown}); "
                    f"{hints['text_column']}")


def null_ids(path: str, column: str, count: int) -> BadInput:
    return BadInput(f"corpus {path}: column {column!r} has {count} null ids; every row needs an "
                    "id (or drop the column to derive ids)")


def duplicate_ids(path: str, column: str, first: Iterable[tuple[str, int]]) -> BadInput:
    shown = ", ".join(f"{value!r} x{count}" for value, count in first)
    return BadInput(f"corpus {path}: column {column!r} has duplicate ids, first: {shown}")


# --- the pre-Spark check ------------------------------------------------------------------------

def corpus_format(path: str) -> str:
    """parquet/csv/json from the file extension, or from the files inside a folder."""
    local = Path(path.removeprefix("file://"))
    suffix = local.suffix.lower()
    if suffix in FORMATS:
        return FORMATS[suffix]
    if not is_remote(path) and local.is_dir():
        found = {
            FORMATS[p.suffix.lower()]
            for p in local.rglob("*")
            if p.is_file() and p.suffix.lower() in FORMATS and not p.name.startswith(("_", "."))
        }
        if len(found) == 1:
            return found.pop()
        if len(found) > 1:
            raise BadInput(f"corpus {path}: mixes formats {sorted(found)}; keep one per folder")
        raise BadInput(f"corpus {path}: no .parquet, .csv or .jsonl files inside")
    if is_remote(path):
        return "parquet"
    raise BadInput(f"corpus {path}: unknown format; use .parquet, .csv or .jsonl (JSON lines)")


def corpus_files(path: str) -> list[Path]:
    """The data files of a local corpus: the file itself, or a folder's files (Spark's rule:
    names starting with _ or . are not data)."""
    local = Path(path.removeprefix("file://"))
    if local.is_file():
        return [local]
    return sorted(p for p in local.rglob("*") if p.is_file() and
                  p.suffix.lower() in FORMATS and not p.name.startswith(("_", ".")))


def _check_codec(encoding: str, hints: Mapping[str, str]) -> codecs.CodecInfo:
    try:
        codec = codecs.lookup(encoding)
    except LookupError:
        raise BadInput(f"encoding {encoding!r}: unknown; use a Python/Java name such as utf-8, "
                       f"latin-1 or cp1252 ({hints['encoding']})") from None
    if "\n".encode(codec.name) != b"\n":
        raise BadInput(f"encoding {encoding!r}: only encodings that write a newline as one byte "
                       "are read (utf-8, latin-1, cp1252, ...); convert the file to UTF-8")
    return codec


def codec_name(encoding: str, hints: Mapping[str, str] = CONF_HINTS) -> str:
    """The encoding's canonical name, one Python and Java both read (latin-1 -> iso8859-1,
    cp1252, utf-8): Spark is given this, so both check and read the same encoding."""
    return _check_codec(encoding, hints).name


def decoded_lines(file: Path, encoding: str, hints: Mapping[str, str]) -> Iterator[str]:
    """The file's lines decoded strictly; the first byte not in `encoding` is refused with its
    byte offset, line and the bytes around it."""
    codec = _check_codec(encoding, hints)
    offset = 0
    with file.open("rb") as raw:
        for number, line in enumerate(raw, start=1):
            try:
                yield line.decode(codec.name)
            except UnicodeDecodeError as exc:
                bad = line[exc.start:exc.end]
                around = line[max(0, exc.start - 12):exc.end + 12]
                raise BadInput(
                    f"corpus {file}: not {encoding} at byte {offset + exc.start} (line {number}: "
                    f"{bad!r} in {around!r}); nothing is replaced silently: if the file is in "
                    f"another encoding, {hints['encoding']} (e.g. latin-1, cp1252)") from None
            offset += len(line)


def _json_kind(value: object) -> str:
    return "string" if isinstance(value, str) else JSON_TYPES[type(value)]


def _json_rows(file: Path, text_column: str, encoding: str,
               hints: Mapping[str, str]) -> Iterator[dict]:
    """Each non-blank line as an object; texts of more than one JSON kind are refused (Spark
    would make the odd ones their JSON text), naming the first line of another kind."""
    first: dict[str, tuple[int, object]] = {}  # JSON kind -> (first line, value)
    for number, line in enumerate(decoded_lines(file, encoding, hints), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BadInput(f"corpus {file}: line {number} is not valid JSON ({exc.msg} at "
                           f"column {exc.colno}): {line.strip()[:80]!r}") from None
        if not isinstance(row, dict):
            raise BadInput(f"corpus {file}: line {number} is a JSON {JSON_TYPES[type(row)]}, "
                           "not an object; JSON lines hold one object per line")
        text = row.get(text_column)
        if text is not None:
            first.setdefault(_json_kind(text), (number, text))
        yield row
    if len(first) > 1:
        odd = min((at, kind, value) for kind, (at, value) in first.items() if kind != "string")
        others = ", ".join(f"{kind} (line {at})" for kind, (at, _) in sorted(first.items())
                           if kind != odd[1])
        raise BadInput(f"corpus {file}: line {odd[0]}: {text_column!r} is a JSON {odd[1]} "
                       f"({json.dumps(odd[2])[:40]}) where other lines hold {others}; it would "
                       "be scored as its JSON text: quote it, or write null")


def _csv_rows(file: Path, encoding: str, hints: Mapping[str, str]) -> Iterator[dict]:
    """Rows as Spark's CSV reader (header, quoted fields may span lines) reads them."""
    yield from csv.DictReader(decoded_lines(file, encoding, hints))


def check_local_text(path: str, text_column: str, encoding: str = "utf-8",
                     hints: Mapping[str, str] = CONF_HINTS) -> None:
    """The rules Spark cannot see (encoding, JSON text types) on a local corpus; remote paths
    and parquet pass (parquet strings are UTF-8 by the format)."""
    if is_remote(path):
        return
    for file in corpus_files(path):
        fmt = FORMATS[file.suffix.lower()]
        if fmt == "json":
            for _ in _json_rows(file, text_column, encoding, hints):
                pass
        elif fmt == "csv":
            for _ in decoded_lines(file, encoding, hints):
                pass


def _id_value(value: object) -> str | None:
    """An id as Spark casts it to string; null and the CSV empty field are null."""
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else json.dumps(value)


def _parquet_columns_and_ids(files: list[Path], id_column: str) -> tuple[set[str], list]:
    import pyarrow.parquet as pq

    columns: set[str] = set()
    ids: list = []
    for file in files:
        names = pq.read_schema(file).names
        columns.update(names)
        if id_column in names:
            ids.extend(pq.read_table(file, columns=[id_column]).column(0).cast("string")
                       .to_pylist())
    return columns, ids


def check_ids(path: str, id_column: str, ids: list[str | None]) -> None:
    """The id rule on ids already read: no nulls, no duplicates (first SHOW_IDS named)."""
    nulls = sum(1 for value in ids if value is None)
    if nulls:
        raise null_ids(path, id_column, nulls)
    counts = Counter(ids)
    if len(counts) != len(ids):
        first = sorted((value, n) for value, n in counts.items() if n > 1)[:SHOW_IDS]
        raise duplicate_ids(path, id_column, first)


def validate_local(path: str, id_column: str = "id", text_column: str = "text",
                   encoding: str = "utf-8", hints: Mapping[str, str] = CONF_HINTS
                   ) -> CorpusShape | None:
    """Every rule above on a local corpus, in Python (seconds, no Spark); None for a remote one."""
    if is_remote(path):
        return None
    fmt = corpus_format(path)
    files = corpus_files(path)
    if fmt == "parquet":
        columns, ids = _parquet_columns_and_ids(files, id_column)
        rows = None
    else:
        read = ((lambda f: _json_rows(f, text_column, encoding, hints)) if fmt == "json"
                else (lambda f: _csv_rows(f, encoding, hints)))
        columns, ids, rows = set(), [], 0
        for file in files:
            for row in read(file):
                columns.update(row)
                ids.append(_id_value(row.get(id_column)))
                rows += 1
    if text_column not in columns:
        raise missing_text_column(path, text_column, columns, hints)
    has_ids = id_column in columns
    if has_ids:
        check_ids(path, id_column, ids)
    if rows is None:
        import pyarrow.parquet as pq

        rows = sum(pq.read_metadata(f).num_rows for f in files)
    return CorpusShape(rows, tuple(sorted(columns)), has_ids)
