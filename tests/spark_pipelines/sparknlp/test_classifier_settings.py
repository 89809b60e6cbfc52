"""The matched classifier settings have one home (EffectiveSettings.sparknlp_classifier); the
fix's candidates read the same value the job sets (no Spark needed for either)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from parity_core.audit import CASE_SENSITIVE, MAX_SENTENCE_LENGTH
from parity_core.settings import SPARKNLP_MAX_SENTENCE_LENGTH, ClassifierSettings
from spark_pipelines.fix.candidates import BaseFacts, derive_candidates
from tests.support.tiny_runs import tiny_settings


def test_matched_settings_follow_the_checkpoint_and_conf():
    settings = tiny_settings()  # do_lower_case true, max_length 128, sparknlp_batch_size 32
    assert settings.sparknlp_classifier == ClassifierSettings(
        case_sensitive=False, max_sentence_length=128, batch_size=32)
    cased = replace(settings, do_lower_case=False, max_length=64, sparknlp_batch_size=8)
    assert cased.sparknlp_classifier == ClassifierSettings(True, 64, 8)


def test_max_sentence_length_is_capped_where_spark_nlp_caps_it():
    # conf refuses max_length > 512; settings recorded elsewhere still get Spark NLP's cap.
    settings = replace(tiny_settings(), max_length=SPARKNLP_MAX_SENTENCE_LENGTH + 100)
    assert settings.sparknlp_classifier.max_sentence_length == SPARKNLP_MAX_SENTENCE_LENGTH


def test_candidates_want_exactly_the_matched_settings():
    settings = replace(tiny_settings(), max_length=96)
    matched = settings.sparknlp_classifier
    labels = tuple(settings.labels)
    same = BaseFacts("TokenizerModel", None, matched.case_sensitive,
                     matched.max_sentence_length, labels, True)
    assert derive_candidates(same, settings, 0, {}) == []
    off = replace(same, case_sensitive=not matched.case_sensitive, max_sentence_length=128)
    found = {c.name: c for c in derive_candidates(off, settings, 0, {MAX_SENTENCE_LENGTH: 3})}
    assert found[CASE_SENSITIVE].after == str(matched.case_sensitive).lower()
    assert found[MAX_SENTENCE_LENGTH].after == "96"
    assert found[MAX_SENTENCE_LENGTH].called_by == 3


def test_the_fix_changes_name_classifier_params_the_setter_knows():
    from spark_pipelines.sparknlp.classifier_settings import PARAMS, set_classifier_settings

    # fix/build passes the audit's names of the changes as the params to set
    assert {CASE_SENSITIVE, MAX_SENTENCE_LENGTH} <= set(PARAMS)
    with pytest.raises(ValueError, match=r"not a classifier setting: \['labels'\]"):
        set_classifier_settings(object(), tiny_settings().sparknlp_classifier, only=["labels"])
