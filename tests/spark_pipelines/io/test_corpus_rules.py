"""The corpus rules checked in Python before Spark (spark_pipelines/io/corpus_rules.py).

Corpora are written as raw bytes or with json/pyarrow, never with the code under test.
"""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from parity_core.errors import BadInput
from spark_pipelines.io.corpus_rules import CHECK_HINTS, check_local_text, validate_local


def test_a_csv_that_is_not_utf8_is_refused_at_its_byte_and_line(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"id,text\nr1,a fine film\nr2,caf\xe9 society\n")
    with pytest.raises(BadInput) as refused:
        validate_local(str(path), hints=CHECK_HINTS)
    assert str(refused.value).startswith(
        f"corpus {path}: not utf-8 at byte 29 (line 3: b'\\xe9' in b'r2,caf\\xe9 society\\n')")
    assert "pass --encoding" in str(refused.value)
    with pytest.raises(BadInput, match=r"set corpus\.encoding"):  # the jobs' reader: conf hint
        check_local_text(str(path), "text")


def test_the_named_encoding_reads_the_same_file(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"id,text\nr1,a fine film\nr2,caf\xe9 society\n")
    shape = validate_local(str(path), encoding="latin-1")
    assert (shape.rows, shape.columns, shape.has_ids) == (2, ("id", "text"), True)
    with pytest.raises(BadInput, match="encoding 'klingon': unknown"):
        validate_local(str(path), encoding="klingon")


@pytest.mark.parametrize("value, kind", [(12345, "number"), (["a", "list"], "array"),
                                         ({"a": 1}, "object"), (True, "boolean")])
def test_a_json_text_that_is_not_a_string_is_refused_naming_line_and_type(tmp_path, value,
                                                                          kind):
    path = tmp_path / "c.jsonl"
    lines = [{"id": "a", "text": "fine"}, {"id": "b", "text": None}, {"id": "c", "text": value}]
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    with pytest.raises(BadInput, match=rf"c\.jsonl: line 3: 'text' is a JSON {kind} "):
        validate_local(str(path))


def test_a_json_text_column_of_one_other_kind_passes_to_be_flagged_per_row(tmp_path):
    """Every text a number: Spark keeps the column's type and each row becomes invalid_text."""
    path = tmp_path / "n.jsonl"
    path.write_text('{"id": "1", "text": 5}\n{"id": "2", "text": null}\n', encoding="utf-8")
    assert validate_local(str(path)).rows == 2


def test_a_missing_text_column_names_the_columns_and_the_option(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("id,body\n1,x\n", encoding="utf-8")
    with pytest.raises(BadInput) as refused:
        validate_local(str(path), hints=CHECK_HINTS)
    assert str(refused.value) == (f"corpus {path}: no text column 'text' (columns: body, id); "
                                  "pass --text-column")
    assert validate_local(str(path), text_column="body").rows == 1


def test_ids_must_be_present_and_unique(tmp_path):
    nulls = tmp_path / "n.parquet"
    pq.write_table(pa.table({"id": ["k1", None, "k3"], "text": ["a", "b", "c"]}), nulls)
    with pytest.raises(BadInput, match=r"n\.parquet: column 'id' has 1 null ids"):
        validate_local(str(nulls))
    dups = tmp_path / "d.jsonl"
    dups.write_text("".join(json.dumps({"key": k, "text": "t"}) + "\n" for k in "babdd"),
                    encoding="utf-8")
    with pytest.raises(BadInput, match=r"column 'key' has duplicate ids, first: 'b' x2, 'd' x2"):
        validate_local(str(dups), id_column="key")
    assert validate_local(str(dups)).has_ids is False  # no 'id' column: ids are derived
