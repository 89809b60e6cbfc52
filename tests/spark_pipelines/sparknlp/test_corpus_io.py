"""spark_pipelines.io.corpus on real Spark: formats, derived ids, refusals naming file, column."""

from __future__ import annotations

import json

import pytest

from parity_core.errors import BadInput
from spark_pipelines.io.corpus import read_corpus, text_error


def test_csv_and_jsonl_read_as_id_text(spark, tmp_path):
    csv = tmp_path / "c.csv"
    csv.write_text('id,text\n1,"hello, world"\n2,"multi\nline"\n', encoding="utf-8")
    rows = {r["id"]: r["text"] for r in read_corpus(spark, str(csv)).collect()}
    assert rows == {"1": "hello, world", "2": "multi\nline"}
    jsonl = tmp_path / "c.jsonl"
    jsonl.write_text("\n".join(json.dumps({"key": i, "body": t})
                               for i, t in enumerate(["a 😀", None])), encoding="utf-8")
    frame = read_corpus(spark, str(jsonl), "key", "body")
    assert frame.columns == ["id", "text"]
    assert sorted(map(tuple, frame.collect())) == [("0", "a 😀"), ("1", None)]


def test_missing_text_column_names_file_and_column(spark, tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text('{"id": "1", "body": "x"}\n', encoding="utf-8")
    with pytest.raises(BadInput, match=r"c\.jsonl: no text column 'text'"):
        read_corpus(spark, str(path))


def test_missing_id_column_derives_stable_ids(spark, tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text('{"text": "a"}\n{"text": "b"}\n{"text": "a"}\n', encoding="utf-8")
    first = sorted(r["id"] for r in read_corpus(spark, str(path)).collect())
    again = sorted(r["id"] for r in read_corpus(spark, str(path)).collect())
    assert first == again and len(set(first)) == 3
    assert first[0].startswith("row-0-") and first[0].endswith(first[2][-8:])  # same text


def test_null_and_duplicate_ids_refused(spark, tmp_path):
    dup = tmp_path / "dup.jsonl"
    dup.write_text('{"id": "7", "text": "a"}\n{"id": "7", "text": "b"}\n', encoding="utf-8")
    with pytest.raises(BadInput, match="duplicate ids, first: '7' x2"):
        read_corpus(spark, str(dup))
    null = tmp_path / "null.jsonl"
    null.write_text('{"id": null, "text": "a"}\n{"id": "1", "text": "b"}\n', encoding="utf-8")
    with pytest.raises(BadInput, match="1 null ids"):
        read_corpus(spark, str(null))


def test_non_string_text_is_kept_null_with_type_error(spark, tmp_path):
    path = tmp_path / "num.jsonl"
    path.write_text('{"id": "1", "text": 5}\n{"id": "2", "text": 6}\n', encoding="utf-8")
    frame = read_corpus(spark, str(path))
    assert [r["text"] for r in frame.collect()] == [None, None]
    assert "has type bigint, not string" in text_error(frame)


def test_corpus_encoding_reads_a_latin1_csv_and_jsonl_exactly(spark, tmp_path):
    """corpus.encoding reaches Spark's readers: 'café' arrives as written, not as U+FFFD."""
    csv = tmp_path / "latin1.csv"
    csv.write_bytes(b"id,text\nr1,caf\xe9 society\n")
    jsonl = tmp_path / "latin1.jsonl"
    jsonl.write_bytes(b'{"id": "j1", "text": "na\xefve"}\n{"id": "j2", "text": "plain"}\n')
    assert [tuple(r) for r in read_corpus(spark, str(csv), encoding="latin-1").collect()] == [
        ("r1", "café society")]
    assert sorted(tuple(r) for r in read_corpus(spark, str(jsonl), encoding="latin-1")
                  .collect()) == [("j1", "naïve"), ("j2", "plain")]
    with pytest.raises(BadInput, match=r"latin1\.csv: not utf-8 at byte 14 \(line 2: "):
        read_corpus(spark, str(csv))
