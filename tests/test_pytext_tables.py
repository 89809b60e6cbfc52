"""PyText.java's Unicode tables must match this Python, or Java and Python evidence diverge."""

from __future__ import annotations

import unicodedata

from spark_pipelines.java.gen_pytext_tables import (
    PYTEXT,
    generated_source,
    java_unidata_version,
)


def test_pytext_tables_match_this_python() -> None:
    current = PYTEXT.read_text(encoding="utf-8")
    assert generated_source(current) == current, (
        "PyText.java's tables are stale: run `python -m spark_pipelines.java.gen_pytext_tables`"
    )


def test_pytext_unicode_version_is_this_pythons() -> None:
    current = PYTEXT.read_text(encoding="utf-8")
    assert java_unidata_version(current) == unicodedata.unidata_version
