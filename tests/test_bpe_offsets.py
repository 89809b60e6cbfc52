"""Byte-level BPE piece offsets: Spark NLP counts one character per UTF-8 byte of a piece, the
records count the characters the bytes belong to (hfparity.ByteLevelOffsets, called on the
session's JVM with Spark NLP's own TokenPiece class)."""

from __future__ import annotations


def _offsets(spark, pieces: list[tuple[str, bool, int]]) -> list[tuple[int, int]]:
    jvm = spark.sparkContext._jvm
    array = spark.sparkContext._gateway.new_array(
        jvm.com.johnsnowlabs.nlp.annotators.common.TokenPiece, len(pieces))
    for i, (text, word_start, begin) in enumerate(pieces):
        # Spark NLP's drifting offsets: begin + byte-mapped length so far (only the first of a
        # token is right, and the class must use only that one).
        array[i] = jvm.com.johnsnowlabs.nlp.annotators.common.TokenPiece(
            text, text, 7, word_start, begin, begin + len(text) - 1)
    return [(int(b), int(e)) for b, e in jvm.hfparity.ByteLevelOffsets.of(array, len(pieces))]


def test_curly_quotes_and_emoji_point_at_their_characters(spark):
    text = "best part “Gangs” 🎬x"
    got = _offsets(spark, [
        ("best", True, 0), ("Ġpart", True, 4),
        ("ĠâĢľ", True, 9), ("G", False, 0), ("ang", False, 0), ("s", False, 0),
        ("âĢĿ", False, 0),  # “Gangs” is one token: its pieces follow from its begin (9)
        ("Ġð", True, 17), ("Ł", False, 0), ("İ", False, 0), ("¬", False, 0), ("x", False, 0),
    ])
    spans = [text[b:e + 1] for b, e in got]  # UTF-16 units = str indexes here but for 🎬
    assert spans[:7] == ["best", " part", " “", "G", "ang", "s", "”"]
    emoji_begin = text.index("🎬")  # one code point, two UTF-16 units
    assert got[7] == (emoji_begin - 1, emoji_begin + 1)  # the space and both units of 🎬
    assert got[8:11] == [(emoji_begin, emoji_begin + 1)] * 3  # continuation bytes: same char
    assert got[11] == (emoji_begin + 2, emoji_begin + 2)  # 'x' after the two units


def test_a_piece_that_is_not_byte_mapped_keeps_spark_nlp_offsets(spark):
    # "€" is no byte's character in GPT-2's table: not a byte-level piece, nothing to recount.
    assert _offsets(spark, [("ab", True, 3), ("€uro", False, 0)]) == [(3, 4), (0, 3)]
