"""The named character classes (parity_core/families/unicode.py) against the JVM's, over every
code point, and the span rule's two sides pinned where they differ (BEHAVIOUR UNCHANGED)."""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd
import pytest

from parity_core.families.unicode import (
    WHITE_SPACE,
    is_format_character,
    is_invisible,
    is_python_space,
    is_separator,
    nonspacing_marks,
    trim_leading_space,
)
from spark_pipelines.sparknlp.spans import BatchTexts

SURROGATES = range(0xD800, 0xE000)  # no UTF-8 string holds one: swept apart, in Python only
PLAIN = [cp for cp in range(0x110000) if cp not in SURROGATES]


def test_python_space_is_white_space_plus_the_information_separators():
    python_space = {cp for cp in range(0x110000) if is_python_space(chr(cp))}
    assert python_space == WHITE_SPACE | set(range(0x1C, 0x20))
    assert python_space == {cp for cp in range(0x110000) if re.fullmatch(r"\s", chr(cp))}


def test_no_surrogate_is_in_any_class():
    for cp in SURROGATES:
        assert not (cp in WHITE_SPACE or is_separator(cp) or is_invisible(chr(cp)))


def test_separators_are_what_neither_tab_nor_the_plain_space_is():
    assert is_separator(0xA0) and is_separator(0x3000) and is_separator(0x2028)
    assert not is_separator(0x20) and not is_separator(0x09) and not is_separator(0x0A)


def test_format_characters_keep_tab_and_line_breaks_out_and_private_use_in():
    assert is_format_character("\u200b") and is_format_character("\u00ad")
    assert is_format_character("\ue000") and is_format_character("\x07")
    assert not any(is_format_character(c) for c in "\t\n\r a\u0301")
    assert not is_invisible("\ue000") and is_invisible("\u0301")  # the two sets differ on purpose
    assert nonspacing_marks("café") == [0x301]


def _spark_spans(text: str, begin: int, end_inclusive: int) -> tuple[int, int]:
    begin_out, end_out = BatchTexts([text]).spans(np.array([0]), np.array([begin]),
                                                  np.array([end_inclusive]))
    return int(begin_out[0]), int(end_out[0])


@pytest.mark.parametrize(("text", "span", "spark", "hugging_face"), [
    # (1) the set: NBSP is left out by Hugging Face's rule only
    ("\xa0word", (0, 5), (0, 5), (1, 5)),
    ("a \u3000b", (2, 4), (2, 4), (3, 4)),
    # (2) the ends: Spark NLP's rule also trims the end
    (" word ", (0, 6), (1, 5), (1, 6)),
    # (3) a whitespace-only span: Spark NLP keeps it whole, Hugging Face empties it
    ("a  b", (1, 3), (1, 3), (3, 3)),
    ("\xa0\xa0", (0, 2), (0, 2), (2, 2)),
    # where both agree: a leading ASCII space
    (" word", (0, 5), (1, 5), (1, 5)),
])
def test_the_span_rule_differs_between_the_producers_as_documented(text, span, spark,
                                                                    hugging_face):
    """Pins each of the three differences unicode.py states: unifying either side would change
    a record (DeBERTa's NBSP-prefixed `▁` pieces, Spark NLP's `edge-nbsp-only` row)."""
    begin, end = span
    assert _spark_spans(text, begin, end - 1) == spark
    assert trim_leading_space(text, begin, end) == hugging_face


def test_hugging_face_words_use_the_rule_from_its_one_home():
    """A DeBERTa-like `▁` piece over the NBSP before its word: the word starts at the word."""
    from hf_reference.tokenization import _words_from_pieces

    words = _words_from_pieces("a \xa0b", [0, 1], [(0, 1), (2, 4)])
    assert [(w["text"], w["begin"], w["end"]) for w in words] == [("a", 0, 1), ("b", 3, 4)]


# --- the JVM's copies, over every code point ------------------------------------------------

def _java_matches(spark, regex: str) -> set[int]:
    """Every code point (surrogates aside) that java.util.regex's `regex` matches alone, in one
    Spark job (Spark's rlike is Pattern.find; the code point is built in SQL as UTF-32)."""
    from pyspark.sql import functions as F

    frame = spark.range(0, 0x110000).where("id < 55296 or id > 57343").withColumn(
        # after an "A": Java's UTF-32 decoder drops a leading U+FEFF as a byte order mark
        "c", F.expr("substring(decode(unhex(concat('00000041', lpad(hex(id), 8, '0'))), "
                    "'UTF-32BE'), 2)"))
    return {row.id for row in frame.where(F.col("c").rlike(f"^(?:{regex})$")).select("id")
            .collect()}


def _java_static(spark, class_names: tuple[str, ...], method: str):
    """A package-private static int -> boolean method of the project's jar, by reflection
    (py4j calls public methods only); the first class of class_names that declares it."""
    from spark_pipelines.jvm.functions import jvm_class

    gateway, jvm = spark.sparkContext._gateway, spark.sparkContext._jvm
    types = gateway.new_array(jvm.java.lang.Class, 1)
    types[0] = jvm.java.lang.Integer.TYPE
    found = None
    for name in class_names:
        handle = jvm_class(spark, name)
        assert not isinstance(handle, str), handle
        try:
            found = handle._java_lang_class.getDeclaredMethod(method, types)
            break
        except Exception:  # not (or no longer) declared there
            continue
    assert found is not None, f"no {method} in {class_names}"
    found.setAccessible(True)
    args = gateway.new_array(jvm.java.lang.Object, 1)

    def call(cp: int) -> bool:
        args[0] = jvm.java.lang.Integer.valueOf(cp)
        return bool(found.invoke(None, args))

    return call


def test_java_unicode_white_space_is_white_space(spark):
    """`(?U)\\s`, the fix patterns' whitespace, is exactly WHITE_SPACE on every code point."""
    assert _java_matches(spark, r"(?U)\s") == WHITE_SPACE


def test_java_separator_is_is_separator_on_every_code_point(spark):
    """Attribute.isSeparator is `cp != ' '` and Character.getType in Zs/Zl/Zp. java.util.regex's
    `\\p{Zs}` reads the same Character.getType, so one Spark job sweeps the JVM's rule over every
    code point; the method itself (2 ms a reflective call) is then called on every code point
    either side calls a separator, on the ASCII range and on the White_Space characters."""
    python = {cp for cp in PLAIN if is_separator(cp)}
    java = _java_matches(spark, r"[\p{Zs}\p{Zl}\p{Zp}&&[^ ]]")
    assert java == python
    method = _java_static(spark, ("hfparity.explain.Chars", "hfparity.explain.Attribute"),
                          "isSeparator")
    for cp in sorted(python | set(range(0x80)) | WHITE_SPACE):
        assert method(cp) == is_separator(cp), hex(cp)


def test_java_invisible_differs_from_python_only_where_the_jvm_has_no_character(
        spark, default_corpus_path):
    """Chars.isInvisible (Mn, Cf, Cc by the JVM's Unicode 13) against is_invisible (Python's
    Unicode 14): they differ on the marks and format characters Unicode 14 added (unassigned in
    the JVM) and on U+1734, whose category Unicode 14 changed; attribution (Java) and the fix
    (Python) each keep their own, and the default corpus holds none of them."""
    python = {cp for cp in PLAIN if is_invisible(chr(cp))}
    java = _java_matches(spark, r"[\p{Mn}\p{Cf}\p{Cc}]")
    unassigned_in_java = _java_matches(spark, r"\p{Cn}")
    assert java - python == {0x1734}  # HANUNOO SIGN PAMUDPOD: Mn in Unicode 13, Mc from 14
    assert python - java <= unassigned_in_java
    assert {unicodedata.category(chr(cp)) for cp in python - java} == {"Mn", "Cf"}
    corpus = pd.read_parquet(default_corpus_path, columns=["text"])
    used = {ord(c) for text in corpus["text"].dropna() for c in text}
    assert not used & (java ^ python)  # so the difference reaches no record of the demo
    method = _java_static(spark, ("hfparity.explain.Chars",), "isInvisible")
    for cp in sorted(set(range(0x80)) | {0xAD, 0x200B, 0x200D, 0x301, 0xFEFF, 0xA0}):
        assert method(cp) == is_invisible(chr(cp)), hex(cp)
