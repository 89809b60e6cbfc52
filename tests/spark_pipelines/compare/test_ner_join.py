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


def _spm_rows(spark_pieces: list[tuple], hf_pieces: list[list[str]], hf_ids: list[list[int]]
              ) -> tuple[SparkRow, HfRow]:
    """A two-word row ("Aimée Paris") whose Spark NLP pieces and HF pieces are given."""
    text, words = "Aimée Paris", [(0, 5), (6, 11)]
    labels = ["B-PER", "B-LOC"]
    spark = SparkRow("r2", text, words, labels, [as_map(x) for x in labels], [],
                     [("<s>", 0, -1, -1), *spark_pieces, ("</s>", 2, -1, -1)],
                     [0, *(p[1] for p in spark_pieces), 2])
    hf = HfRow(["O", "O"], [probs("O"), probs("O")], hf_pieces,
               [0, *(i for ids in hf_ids for i in ids), 2], [], hf_ids)
    return spark, hf


def test_family_id_rules_name_the_word_not_its_pieces() -> None:
    # DeBERTa: the same pieces, each fed as Hugging Face's id + 1.
    spark, hf = _spm_rows([("▁Aimée", 11, 0, 5), ("▁Paris", 21, 6, 11)],
                          [["▁Aimée"], ["▁Paris"]], [[10], [20]])
    assert [r["cause"] for r in word_rows(spark, hf, [None] * 2, LABELS, 128)] == [
        "piece_id_offset", "piece_id_offset"]
    # XLM-R: an unknown piece keeps its surface string on Spark NLP's side and is fed as 1
    # (<pad>) where Hugging Face feeds 3 (<unk>); the other word differs by that alone.
    spark, hf = _spm_rows([("▁Aim", 40, 0, 3), ("é", 1, 3, 4), ("e", 41, 4, 5),
                           ("▁Paris", 21, 6, 11)],
                          [["▁Aim", "<unk>", "e"], ["▁Paris"]], [[40, 3, 41], [21]])
    rows = word_rows(spark, hf, [None] * 2, LABELS, 128)
    assert [r["cause"] for r in rows] == ["unknown_as_pad", "unknown_as_pad"]
    # SentencePiece: Hugging Face's lone ▁ before "Aimée", which Spark NLP drops, is the only
    # difference of the row: the word after it takes that cause, not model_input.
    spark, hf = _spm_rows([("Aimée", 12, 0, 5), ("▁Paris", 21, 6, 11)],
                          [["▁", "Aimée"], ["▁Paris"]], [[9, 12], [21]])
    rows = word_rows(spark, hf, [None] * 2, LABELS, 128)
    assert [r["cause"] for r in rows] == ["marker_piece_dropped", "marker_piece_dropped"]
    # ALBERT: Spark NLP's encoder keeps the accent Hugging Face strips.
    spark, hf = _spm_rows([("▁aimée", 50, 0, 5), ("▁paris", 21, 6, 11)],
                          [["▁aimee"], ["▁paris"]], [[51], [21]])
    rows = word_rows(spark, hf, [None] * 2, LABELS, 128)
    assert [r["cause"] for r in rows] == ["accents_kept", "model_input"]
    removes = summarise(rows, [], [spark], [hf])["no_setting_removes"]
    assert set(removes) == {"accents_kept"} and removes["accents_kept"]["words"] == 1


def test_the_grouping_rule_is_named_as_no_setting_removes_it() -> None:
    labels = ["B-PER", "I-LOC", "O", "B-LOC", "O"]
    spark = spark_row(labels, [(0, 13, "PER", 0.9)])
    hf = hf_row(labels, [(0, 7, "PER", 0.9), (8, 13, "LOC", 0.9)])
    words = word_rows(spark, hf, [probs(x) for x in labels], LABELS, 6)
    removes = summarise(words, entity_rows(spark, hf, words), [spark], [hf])["no_setting_removes"]
    assert removes["grouping_rule"]["entities"] == 2
    assert "nerHasNoSchema" in removes["grouping_rule"]["why"]
