"""The RegexTokenizer patterns `hfparity fix` proposes per family split text into the words the
family's Hugging Face tokenizer sees, checked with the regex engine RegexTokenizer runs (Java's
java.util.regex, through the session's JVM) against the Hugging Face tokenizers library's own
pre-tokenizer, on every text of the 3-label corpus plus hand-picked edge cases.

Whether Spark NLP then turns those tokens into Hugging Face's pieces is proven end to end by
`hfparity fix` itself (its re-run joins Spark NLP's own pieces with Hugging Face's).
"""

from __future__ import annotations

import pandas as pd
import pytest

from parity_core.config import cache_dir
from parity_core.families.roberta import byte_level_bpe_pattern
from parity_core.families.sentencepiece import WHITESPACE_PATTERN

EDGES = [
    "It's a don't-miss film, isn't it?? 100% fun.",
    "O'Neil's 'quoted' words; IT'S LOUD. we're, they'll, I'd, you've, I'm",
    "--'s and x'red and it'strue",
    "tabs\tand\nnew lines  and   runs of spaces ",
    " leading space, trailing space ",
    "naïve café 123abc abc123 ½ ² Ⅻ",
    "emoji 🎬🍿 and symbols ©®™ and CJK 電影很好",
    "nbsp\xa0between and ideographic\u3000space",
]


def _java_split(spark, pattern: str, texts: list[str]) -> list[list[str]]:
    """Every text split by java.util.regex in one Spark job (Spark's `split` is String.split,
    i.e. Pattern.split, as RegexTokenizer's Scala Regex.split is), empty pieces dropped."""
    from pyspark.sql import functions as F

    frame = spark.createDataFrame(list(enumerate(texts)), "i int, text string")
    parts = {row.i: [p for p in row.parts if p] for row in
             frame.select("i", F.split("text", pattern, -1).alias("parts")).collect()}
    return [parts[i] for i in range(len(texts))]


def _texts() -> list[str]:
    corpus = pd.read_parquet(cache_dir() / "models" / "corpus_3label.parquet",
                             columns=["text"], use_threads=False)
    return [t for t in corpus["text"].dropna()] + EDGES


def _byte_decoder() -> dict[str, int]:
    """GPT-2's byte-to-character table, inverted (the pre-tokenizer's chunks are mapped)."""
    printable = (list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
                 + list(range(ord("®"), ord("ÿ") + 1)))
    chars = printable[:]
    extra = 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            chars.append(256 + extra)
            extra += 1
    return {chr(c): b for b, c in zip(printable, chars)}


def test_byte_level_pattern_gives_the_gpt2_chunks_with_their_spaces(spark):
    from tokenizers import pre_tokenizers

    texts = _texts()
    decoder = _byte_decoder()
    byte_level = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    expected = []
    for text in texts:
        chunks = [bytes(decoder[c] for c in chunk).decode("utf-8")
                  for chunk, _ in byte_level.pre_tokenize_str(text)]
        # A whitespace-only chunk cannot reach the model through Spark NLP (its classifier drops
        # whitespace-only tokens): the pattern drops it and the fix reports those rows.
        expected.append([c for c in chunks if c.strip()])
    got = _java_split(spark, byte_level_bpe_pattern(), texts)
    wrong = [(t, e, g) for t, e, g in zip(texts, expected, got) if e != g]
    assert not wrong, f"{len(wrong)} of {len(texts)} texts split otherwise, first: {wrong[0]}"
    assert got[-8][:4] == ["It", "'s", " a", " don"]  # the space stays with its word


@pytest.mark.parametrize("text", EDGES)
def test_whitespace_pattern_keeps_each_word_whole(spark, text):
    assert _java_split(spark, WHITESPACE_PATTERN, [text])[0] == text.split()


def test_the_audit_takes_the_fix_tokenizer_as_a_note_not_a_finding(spark, settings):
    """The tokenizer `hfparity fix` proposes is recognised as such; a changed copy is not."""
    import dataclasses

    from sparknlp.annotator import RegexTokenizer

    from parity_core.families.pattern import family_pattern
    from spark_pipelines.sparknlp.audit import is_family_regex_tokenizer

    def on_the_jvm(stage):  # what saving or fitting a pipeline does with the Python params
        stage._transfer_params_to_java()
        return stage

    roberta = dataclasses.replace(settings, family="roberta")
    proposed = on_the_jvm(RegexTokenizer().setInputCols(["document"]).setOutputCol("token")
                          .setPattern(family_pattern(roberta)))
    assert is_family_regex_tokenizer(proposed, roberta)
    assert not is_family_regex_tokenizer(proposed, settings)  # a BERT checkpoint's pattern differs
    assert not is_family_regex_tokenizer(on_the_jvm(
        RegexTokenizer().setPattern(family_pattern(roberta)).setToLowercase(True)), roberta)
    assert not is_family_regex_tokenizer(on_the_jvm(
        RegexTokenizer().setPattern(family_pattern(roberta)).setTrimWhitespace(True)), roberta)
