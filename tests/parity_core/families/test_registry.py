"""The family registry: one module a family, every fact reachable from `family(name)`, and the
copies that must agree with it (checkpoint.FAMILIES, the family rules, the fix's reasons, the
Java pieces functions) agreeing."""

from __future__ import annotations

import dataclasses

import pytest

from parity_core import checkpoint
from parity_core.families import FAMILIES, FAMILY_CAUSES, RULES, family
from parity_core.families.base import ATTENTION_MASK_RULE, MASK_WARNING, START_MASKED


def test_checkpoint_families_are_the_registry():
    assert checkpoint.FAMILIES is FAMILIES
    assert checkpoint.Family is type(family("bert"))
    assert set(FAMILIES) == {"bert", "distilbert", "roberta", "xlm-roberta", "deberta-v2",
                             "albert"}
    for name, value in FAMILIES.items():
        assert family(name) is value and value.name == name


def test_a_family_pickles_whole():
    """Families travel with the run objects (a Spark closure pickles what it captures)."""
    import pickle

    for value in FAMILIES.values():
        assert pickle.loads(pickle.dumps(value)) == value


def test_an_unknown_family_names_the_known_ones():
    with pytest.raises(KeyError, match="known: bert, distilbert"):
        family("gpt2")


def test_every_family_rule_is_named_once_and_listed():
    names = [rule.name for f in FAMILIES.values() for rule in f.rules]
    assert set(names) == set(FAMILY_CAUSES) == set(RULES)
    for rule in RULES.values():  # a rule shared by families is one object, not two texts
        assert all(r is rule for f in FAMILIES.values() for r in f.rules if r.name == rule.name)
    assert [r.name for r in family("roberta").rules] == ["space_marker_dropped", START_MASKED]


def test_the_start_mask_facts_agree():
    masked = {name for name, f in FAMILIES.items() if f.start_token_masked}
    with_rule = {name for name, f in FAMILIES.items()
                 if any(r.name == START_MASKED for r in f.rules)}
    assert masked == with_rule == {"roberta", "xlm-roberta"}
    assert f"`{ATTENTION_MASK_RULE}`" in RULES[START_MASKED].evidence
    for name in masked:  # each masked family's warnings say so, in the mask's own words
        assert any(w.startswith(MASK_WARNING) for w in family(name).warnings)


def test_only_deberta_shifts_ids_beyond_hugging_face():
    assert {n: f.piece_id_offset for n, f in FAMILIES.items() if f.piece_id_offset} == {
        "deberta-v2": 1}


def test_family_rules_and_fix_reasons_read_the_families():
    pytest.importorskip("pyspark")
    from spark_pipelines.explain import family_rules
    from spark_pipelines.fix.remaining import REASONS

    assert family_rules.FAMILY_CAUSES == FAMILY_CAUSES
    assert family_rules.RULES_BY_FAMILY["xlm-roberta"] == ("unknown_as_pad", START_MASKED)
    for name, rule in RULES.items():
        assert family_rules.EVIDENCE[name] == rule.evidence
        assert REASONS[name].startswith(rule.evidence)


def test_run_warnings_follow_the_settings(settings):
    bert = family("bert")
    plain = bert.run_warnings(settings, settings.max_input_chars_per_word)
    assert not any(w.startswith("max_input_chars_per_word") for w in plain)
    shorter = bert.run_warnings(settings, settings.max_input_chars_per_word + 1)
    assert any(w.startswith("max_input_chars_per_word") for w in shorter)
    cased = dataclasses.replace(settings, strip_accents=False)
    assert family("albert").run_warnings(cased) == list(family("albert").warnings)
    assert len(family("albert").run_warnings(dataclasses.replace(settings, strip_accents=True))
               ) == len(family("albert").warnings) + 1


def _java_static(spark, class_name: str, method: str, *types):
    from spark_pipelines.jvm.functions import jvm_class

    gateway, jvm = spark.sparkContext._gateway, spark.sparkContext._jvm
    handle = jvm_class(spark, class_name)
    assert not isinstance(handle, str), handle
    array = gateway.new_array(jvm.java.lang.Class, len(types))
    for i, kind in enumerate(types):
        array[i] = kind
    found = handle._java_lang_class.getDeclaredMethod(method, array)
    found.setAccessible(True)
    return found


def test_the_java_pieces_functions_agree_with_the_facts(spark):
    """The Java copies the pieces UDFs run (not generated: checked here) say what the family
    modules say: the `id != 0` mask, XLM-R's +1."""
    from parity_core.families.xlm_roberta import SPARKNLP_ID_OFFSET

    gateway, jvm = spark.sparkContext._gateway, spark.sparkContext._jvm
    mask = _java_static(spark, "hfparity.ModelInput", "attentionMask",
                        jvm.java.util.List._java_lang_class)
    ids = jvm.java.util.ArrayList()
    for value in (0, 5, 0, 3):
        ids.add(jvm.java.lang.Integer.valueOf(value))
    args = gateway.new_array(jvm.java.lang.Object, 1)
    args[0] = ids
    assert list(mask.invoke(None, args)) == [int(i != 0) for i in (0, 5, 0, 3)]
    wrapper = jvm.com.johnsnowlabs.ml.tensorflow.sentencepiece.SentencePieceWrapper
    rules = _java_static(spark, "hfparity.SparkNlpSentencePieces", "rules",
                         jvm.java.lang.String._java_lang_class, wrapper._java_lang_class)
    args = gateway.new_array(jvm.java.lang.Object, 2)
    args[0] = family("xlm-roberta").sparknlp_classification  # needs no SentencePiece model
    assert list(rules.invoke(None, args))[2] == SPARKNLP_ID_OFFSET


def test_the_fix_reason_finds_exactly_the_whitespace_chunks_gpt2_makes(default_corpus_path):
    """roberta.WHITESPACE_CHUNK (Python re, the fix's `whitespace_chunk` reason) and the GPT-2
    pre-tokenizer agree on which texts hold a whitespace-only chunk, corpus and edge cases."""
    import pandas as pd
    from tokenizers import pre_tokenizers

    from parity_core.families.roberta import WHITESPACE_CHUNK
    from tests.parity_core.families.test_patterns import _byte_decoder

    texts = [*pd.read_parquet(default_corpus_path, columns=["text"])["text"].dropna(),
             "a  b", "a\tb", "a\nb", "end ", "a\xa0b", " lead", "a \xa0b", "a\u3000 b"]
    byte_level = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    decoder = _byte_decoder()
    for text in texts:
        chunks = [bytes(decoder[c] for c in chunk).decode("utf-8")
                  for chunk, _ in byte_level.pre_tokenize_str(text)]
        gpt2 = any(not chunk.strip() for chunk in chunks)
        assert bool(WHITESPACE_CHUNK.search(text)) == gpt2, (text, chunks)
