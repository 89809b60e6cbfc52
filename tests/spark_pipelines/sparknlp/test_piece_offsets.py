"""Piece offsets in the Spark NLP records point at the characters each piece stands for, as
Hugging Face's do: byte-level BPE (Spark NLP counts one character per UTF-8 byte of a piece,
hfparity.ByteLevelOffsets counts the characters the bytes belong to) and SentencePiece (Spark
NLP gives later pieces of a token a begin past its end; hfparity.SentencePieceOffsets lays the
pieces over the token). Called on the session's JVM with Spark NLP's own TokenPiece class."""

from __future__ import annotations


def _offsets(spark, pieces: list[tuple[str, bool, int]], kind: str = "ByteLevelOffsets",
             token: str | None = None) -> list[tuple[int, int]]:
    jvm = spark.sparkContext._jvm
    array = spark.sparkContext._gateway.new_array(
        jvm.com.johnsnowlabs.nlp.annotators.common.TokenPiece, len(pieces))
    for i, (text, word_start, begin) in enumerate(pieces):
        # Spark NLP's drifting offsets: begin + byte-mapped length so far (only the first of a
        # token is right, and the class must use only that one).
        array[i] = jvm.com.johnsnowlabs.nlp.annotators.common.TokenPiece(
            text, token or text, 7, word_start, begin,
            begin + len(token or text) - 1 if token else begin + len(text) - 1)
    found = getattr(jvm.hfparity, kind).of(array, len(pieces))
    return [(int(b), int(e)) for b, e in found]


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


def test_sentencepiece_pieces_are_laid_over_their_token(spark):
    text = "Yes, Andrew,"
    # Spark NLP: the token "Andrew," at 5; its later pieces begin past its end (5 + 7).
    got = _offsets(spark, [("▁And", True, 5), ("rew", False, 12), (",", False, 12)],
                   "SentencePieceOffsets", token="Andrew,")
    assert [text[b:e + 1] for b, e in got] == ["And", "rew", ","]


def test_a_normalised_piece_keeps_the_rest_of_its_token(spark):
    # NFKC turned the ligature into "fi": from there the pieces share what is left of the token.
    got = _offsets(spark, [("▁a", True, 0), ("fi", False, 4), ("ne", False, 4)],
                   "SentencePieceOffsets", token="aﬁne")
    assert got == [(0, 0), (1, 3), (1, 3)]
