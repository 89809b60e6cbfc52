"""The NER join's statuses and causes on rows built as the producers write them.

Spark NLP's pieces list holds the start token first (index = model-input position); a word with
no kept piece is past truncation. These rows pin the causes the report names; the real-model
run (tests/jobs/test_ner_check.py) pins that the producers write such rows.
"""

from __future__ import annotations

from spark_pipelines.compare.ner_join import HfRow, SparkRow, entity_rows, summarise, word_rows

LABELS = ("O", "B-PER", "I-PER", "B-LOC", "I-LOC")
TEXT = "O'Brien lives in Paris now"
WORDS = [(0, 7), (8, 13), (14, 16), (17, 22), (23, 26)]


def probs(label: str) -> list[float]:
    return [0.96 if x == label else 0.01 for x in LABELS]


def as_map(label: str) -> dict[str, float]:
    return dict(zip(LABELS, probs(label)))


def spark_row(labels: list[str | None], entities: list[tuple]) -> SparkRow:
    pieces = [("[CLS]", 1, -1, -1), ("O", 5, 0, 1), ("lives", 6, 8, 13), ("in", 7, 14, 16),
              ("Paris", 8, 17, 22), ("[SEP]", 2, -1, -1)]  # "now" past the limit
    return SparkRow("r1", TEXT, WORDS, labels, [as_map(x) if x else None for x in labels],
                    entities, pieces, [1, 5, 6, 7, 8, 2])


def hf_row(labels: list[str], entities: list[tuple]) -> HfRow:
    return HfRow(labels, [probs(x) for x in labels],
                 [["O", "'", "Brien"], ["lives"], ["in"], ["Paris"], ["now"]],
                 [1, 5, 9, 10, 6, 7, 8, 11, 2], entities)


def test_words_get_a_status_and_the_first_cause_that_holds() -> None:
    spark = spark_row(["B-PER", "I-PER", "O", "B-LOC", None], [])
    hf = hf_row(["B-PER", "O", "O", "B-LOC", "O"], [])
    cf = [probs("B-PER"), probs("I-PER"), probs("O"), probs("B-LOC"), None]
    rows = word_rows(spark, hf, cf, LABELS, max_length=6)
    assert [r["status"] for r in rows] == ["agree", "label_differs", "agree", "agree",
                                           "no_sparknlp_label"]
    assert rows[1]["cause"] == "model_input"  # same pieces, the row's input differs elsewhere
    assert rows[4]["cause"] == "truncation"
    assert all(r["counterfactual_reproduces"] for r in rows)
    first = word_rows(spark, hf_row(["B-PER", "I-PER", "O", "B-LOC", "O"], []),
                      cf, LABELS, 6)
    assert first[0]["status"] == "agree"
    wrong = word_rows(spark, hf_row(["O", "I-PER", "O", "B-LOC", "O"], []), cf, LABELS, 6)
    assert wrong[0]["cause"] == "first_chunk"  # Spark NLP's O is a prefix of O ' Brien


def test_a_labelled_word_without_kept_pieces_is_the_truncation_pairing() -> None:
    spark = spark_row(["B-PER", "I-PER", "O", "B-LOC", "O"], [])
    hf = hf_row(["B-PER", "I-PER", "O", "B-LOC", "B-LOC"], [])
    rows = word_rows(spark, hf, [None] * 5, LABELS, max_length=6)
    assert rows[4]["cause"] == "truncation_pairing"
    assert not rows[4]["counterfactual_reproduces"]  # nothing to read: not proven


def test_entities_match_by_span_and_type_and_name_the_grouping_rule() -> None:
    labels = ["B-PER", "I-LOC", "O", "B-LOC", "O"]
    spark = spark_row(labels, [(0, 13, "PER", 0.9), (17, 22, "LOC", 0.9)])
    hf = hf_row(labels, [(0, 7, "PER", 0.9), (8, 13, "LOC", 0.9), (17, 22, "LOC", 0.9)])
    words = word_rows(spark, hf, [probs(x) for x in labels], LABELS, 6)
    entities = entity_rows(spark, hf, words)
    assert [(e["status"], e["cause"]) for e in entities] == [
        ("boundary_differs", "grouping_rule"), ("match", None), ("hf_only", "grouping_rule")]
    summary = summarise(words, entities, [spark], [hf])
    assert summary["entity_scores_sparknlp_vs_hf"]["LOC"]["recall"] == 0.5
    assert summary["entity_scores_sparknlp_vs_hf"]["PER"]["f1"] == 0.0
    assert summary["word_label_agreement"] == 1.0 and summary["differing_words"] == 0


def test_same_ids_with_the_start_token_masked_is_not_numerics() -> None:
    spark = spark_row(["B-PER", "I-PER", "O", "B-LOC", "O"], [])
    hf = hf_row(["B-PER", "I-PER", "O", "B-LOC", "O"], [])
    spark = SparkRow(**{**spark.__dict__, "input_ids": hf.input_ids,
                        "attention_mask": [0] + [1] * (len(hf.input_ids) - 1)})
    hf.probs[1][0] += 0.01  # the scores differ, the labels do not
    rows = word_rows(spark, hf, [None] * 5, LABELS, max_length=6)
    assert (rows[1]["status"], rows[1]["cause"]) == ("scores_differ", "start_token_masked")
