"""Entity scores in seqeval's conventions: exact span and type, per type and micro."""

from __future__ import annotations

import pytest

from parity_core.tasks.token_classification import (
    entity_scores,
    entity_type,
    is_token_classification,
)


def test_exact_span_and_type_only_count() -> None:
    reference = [[(0, 5, "PER"), (10, 14, "LOC")], [(0, 3, "ORG")]]
    predicted = [[(0, 5, "PER"), (10, 13, "LOC")], [(0, 3, "PER")]]
    scores = entity_scores(reference, predicted)
    assert scores["PER"].as_dict() == {"predicted": 2, "reference": 1, "matched": 1,
                                       "precision": 0.5, "recall": 1.0, "f1": 0.6667}
    assert scores["LOC"].matched == 0 and scores["LOC"].f1 == 0.0  # boundary off by one
    assert scores["ORG"].precision is None and scores["ORG"].recall == 0.0
    assert (scores["micro"].predicted, scores["micro"].reference, scores["micro"].matched) \
        == (3, 3, 1)


def test_nothing_on_either_side_is_not_measured() -> None:
    assert entity_scores([[]], [[]])["micro"].f1 is None


def test_rows_must_pair() -> None:
    with pytest.raises(ValueError):
        entity_scores([[]], [[], []])


def test_task_follows_architecture() -> None:
    assert is_token_classification("XLMRobertaForTokenClassification")
    assert not is_token_classification("BertForSequenceClassification")
    assert not is_token_classification(None)
    assert entity_type("I-ORG") == "ORG" and entity_type("O") is None
