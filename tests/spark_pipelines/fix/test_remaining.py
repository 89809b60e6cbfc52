"""The fix's rules that need no Spark: why a difference survives every setting, which changes a
report calls for, and the HTML/JSON of a How to fix read back."""

from __future__ import annotations

import pytest

from parity_core.families.pattern import (
    WHITESPACE_PATTERN,
    basic_tokenizer_pattern,
    byte_level_bpe_pattern,
)
from spark_pipelines.fix.candidates import BaseFacts, derive_candidates
from spark_pipelines.fix.remaining import Limits, reason

UNCASED = Limits(strip_accents=True, max_input_chars_per_word=100, tokenize_chinese_chars=True)
CASED = Limits(strip_accents=False, max_input_chars_per_word=100, tokenize_chinese_chars=True)


@pytest.mark.parametrize(("text", "limits", "expected"), [
    ("", UNCASED, "no_text"),
    ("\xa0\xa0", UNCASED, "no_text"),
    (None, UNCASED, "no_text"),
    ("An extra\xadordinary per\xadformance", UNCASED, "format_characters"),
    ("Dull\u200bbut\u200bwatchable", UNCASED, "format_characters"),
    ("bell\x07 chars", UNCASED, "format_characters"),
    ("Tab\tseparated\rcarriage", UNCASED, "unexplained"),
    ("a naïve café", UNCASED, "unexplained"),  # U+0308/U+0301: both sides strip them
    ("a naïve café", CASED, "accents_cased"),
    ("क्षमा", UNCASED, "combining_marks"),  # U+094D virama: Mn outside U+0300-U+036F
    ("x" * 150, UNCASED, "long_word"),
    ("x" * 250, UNCASED, "unexplained"),  # [UNK] on both sides
])
def test_reason(text, limits, expected):
    assert reason(text, limits) == expected


BPE = Limits(strip_accents=False, max_input_chars_per_word=100, tokenize_chinese_chars=True,
             tokenizer_model="BPE")
UNIGRAM = Limits(strip_accents=False, max_input_chars_per_word=100, tokenize_chinese_chars=True,
                 tokenizer_model="Unigram")


@pytest.mark.parametrize(("text", "limits", "pieces_equal", "family_cause", "expected",
                          "sub_cause"), [
    ("two  spaces", BPE, False, None, "whitespace_chunk", None),
    ("a line\nbreak", BPE, False, "start_token_masked", "whitespace_chunk", None),
    ("trailing ", BPE, False, None, "whitespace_chunk", None),
    (" leading and single spaces", BPE, False, None, "unexplained", None),
    ("same pieces", BPE, True, "start_token_masked", "start_token_masked", None),
    ("same pieces", UNIGRAM, True, "start_token_masked", "start_token_masked", None),
    ("other pieces", UNIGRAM, False, "unknown_as_pad", "unknown_as_pad", None),
    ("other pieces", UNIGRAM, False, None, "unexplained", None),
    ("a lone marker", UNIGRAM, False, "start_token_masked", "marker_piece_dropped",
     "space_marker"),
    ("an extra\xadordinary film", BPE, False, None, "unexplained", None),  # a WordPiece rule only
    ("same pieces", UNCASED, True, "start_token_masked", "start_token_masked", None),
    ("", BPE, True, "start_token_masked", "no_text", None),
])
def test_reason_beyond_wordpiece(text, limits, pieces_equal, family_cause, expected, sub_cause):
    assert reason(text, limits, pieces_equal, family_cause, sub_cause) == expected


@pytest.mark.parametrize(("family", "pattern"), [
    ("roberta", byte_level_bpe_pattern()), ("xlm-roberta", WHITESPACE_PATTERN),
    ("deberta-v2", WHITESPACE_PATTERN), ("albert", WHITESPACE_PATTERN),
    ("distilbert", basic_tokenizer_pattern()),
])
def test_the_tokenizer_change_follows_the_family(settings, family, pattern):
    matched = BaseFacts("TokenizerModel", None, settings.sparknlp_case_sensitive,
                        settings.max_length, tuple(settings.labels), True)
    (tokenizer,) = derive_candidates(matched, _settings(settings, family=family), 10, {})
    assert tokenizer.after == f"RegexTokenizer pattern {pattern!r}"
    done = BaseFacts("RegexTokenizer", pattern, settings.sparknlp_case_sensitive,
                     settings.max_length, tuple(settings.labels), True)
    assert derive_candidates(done, _settings(settings, family=family), 10, {}) == []


def _settings(settings, **changes):
    import dataclasses

    return dataclasses.replace(settings, **changes)


def test_candidates_follow_the_checkpoint_not_a_model(settings):
    matched = BaseFacts("TokenizerModel", None, settings.sparknlp_case_sensitive,
                        settings.max_length, tuple(settings.labels), True)
    assert [c.name for c in derive_candidates(matched, settings, 10, {})] == ["tokenizer"]
    assert derive_candidates(matched, settings, 0, {}) == []
    fixed = BaseFacts("RegexTokenizer", basic_tokenizer_pattern(), settings.sparknlp_case_sensitive,
                      settings.max_length, tuple(settings.labels), True)
    assert derive_candidates(fixed, settings, 10, {}) == []
    broken = BaseFacts("TokenizerModel", None, not settings.sparknlp_case_sensitive, 512,
                       tuple(reversed(settings.labels)), True)
    found = derive_candidates(broken, settings, 10, {"caseSensitive": 7})
    assert [c.name for c in found] == ["tokenizer", "caseSensitive", "maxSentenceLength",
                                       "classifier"]
    assert found[1].called_by == 7 and found[2].after == str(settings.max_length)
    no_cjk = _settings(settings, tokenize_chinese_chars=False)
    (tokenizer,) = derive_candidates(matched, no_cjk, 10, {})
    assert "4E00" not in tokenizer.after and "4E00" in basic_tokenizer_pattern()


def test_fix_refuses_a_folder_that_is_not_a_report(tmp_path, capsys):
    from jobs.hfparity import main

    assert main(["fix", "--report", str(tmp_path)]) == 2
    assert f"--report {tmp_path}: no summary.json" in capsys.readouterr().err


def test_fix_refuses_a_report_without_its_records(tmp_path, capsys):
    from jobs.hfparity import main

    report = tmp_path / "report"
    (report / "rows").mkdir(parents=True)
    (report / "summary.json").write_text("{}", encoding="utf-8")
    assert main(["fix", "--report", str(report)]) == 2
    assert f"--left {tmp_path / 'hf'}: not a records folder" in capsys.readouterr().err
