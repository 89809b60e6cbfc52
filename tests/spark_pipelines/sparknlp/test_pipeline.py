"""The Spark NLP side on real local Spark, the real jars and the real saved model."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import pytest

from parity_core.files import FINGERPRINT_FILE
from parity_core.records import RECORD_COLUMNS

ROWS = [
    ("emoji", "I loved this movie 😀 so much! 🎉🎉x"),
    ("empty", ""),
    ("space", "   \t "),
    ("null", None),
    ("nbsp", "\u00a0\u00a0"),
    ("long", " ".join(["wonderful", "terrible", "unbelievably"] * 20)),
    ("rules", "Don't e-mail 3.14 Café 中文字"),
]


@pytest.fixture(scope="module")
def settings32(project_config, settings):
    """The default checkpoint with max_length 32, so truncation is cheap to reach."""
    return replace(settings, max_length=32)


@pytest.fixture(scope="module")
def sparknlp_run(spark, project_config, settings32):
    from spark_pipelines.sparknlp.pipeline import build_pipeline

    return build_pipeline(spark, project_config, settings32)


@pytest.fixture(scope="module")
def records(spark, sparknlp_run, settings32):
    from spark_pipelines.sparknlp.pipeline import annotate

    corpus = spark.createDataFrame(ROWS, "id string, text string")
    rows = annotate(corpus, sparknlp_run, settings32).collect()
    return {row["id"]: row.asDict(recursive=True) for row in rows}


def test_case_insensitive_checkpoint_sets_case_sensitive_false(sparknlp_run, settings32):
    assert settings32.do_lower_case is True
    stage = sparknlp_run.pipeline.stages[-1]
    assert stage.getCaseSensitive() is False
    assert stage.getOrDefault("maxSentenceLength") == 32
    assert stage.getBatchSize() == settings32.sparknlp_batch_size


def test_the_classifier_carries_the_one_matched_settings_value(sparknlp_run, settings32, records):
    from spark_pipelines.sparknlp.classifier_settings import read_classifier_settings

    matched = settings32.sparknlp_classifier
    # Read from the JVM classifier, which holds the Python params once it has scored (records).
    assert read_classifier_settings(sparknlp_run.pipeline.stages[-1]) == matched
    assert sparknlp_run.classifier_settings == matched
    # the pieces function is called with the classifier's own caseSensitive and length
    assert (sparknlp_run.case_sensitive, sparknlp_run.max_sentence_length) == (False, 32)


def test_one_record_per_row_with_schema_columns(records):
    assert sorted(records) == sorted(r[0] for r in ROWS)
    assert tuple(next(iter(records.values()))) == RECORD_COLUMNS


def test_max_length_32_truncates_to_30_pieces_plus_specials(records):
    rec = records["long"]
    assert rec["status"] == "ok"
    assert len(rec["pieces"]) == 32 and rec["truncated"] is True and rec["piece_count"] > 32
    assert rec["pieces"][0]["piece"] == "[CLS]" and rec["pieces"][-1]["piece"] == "[SEP]"
    assert rec["pieces"][0]["begin"] is None and rec["pieces"][-1]["end"] is None


def test_emoji_offsets_are_code_points_end_exclusive(records):
    text = dict(ROWS)["emoji"]
    rec = records["emoji"]
    assert rec["text_length"] == len(text)
    for word in rec["words"]:
        assert text[word["begin"]:word["end"]] == word["text"]
    assert [w["text"] for w in rec["words"]][-1] == "🎉🎉x"
    for piece in rec["pieces"][1:-1]:
        assert 0 <= piece["begin"] < piece["end"] <= len(text)


def test_pieces_show_spark_nlp_first_part_rule(records):
    pieces = [p["piece"] for p in records["rules"]["pieces"][1:-1]]
    # tokenizeWithAlignment keeps the first basic-tokenizer word of each Spark NLP token.
    assert pieces[:4] == ["don", "e", "3", "cafe"] and "中" in pieces and "文" not in pieces


def test_probabilities_sum_to_one_in_label_order(records, settings32):
    for rec in records.values():
        if rec["status"] == "ok":
            assert len(rec["probabilities"]) == len(settings32.labels)
            assert math.isclose(sum(rec["probabilities"]), 1.0, abs_tol=1e-5)
            assert rec["label"] == settings32.labels[rec["label_id"]]
            assert rec["logits"] is None


def test_statuses_for_empty_whitespace_null(records):
    assert records["empty"]["status"] == "no_prediction"
    assert records["space"]["status"] == "no_prediction"
    assert records["empty"]["text_sha256"] is not None and records["empty"]["words"] == []
    assert records["null"]["status"] == "invalid_text" and records["null"]["text_sha256"] is None
    # Spark NLP's Tokenizer does not split on NBSP: it scores an [UNK] (verified on 5.5.3).
    assert records["nbsp"]["status"] == "ok"
    assert [p["piece"] for p in records["nbsp"]["pieces"]] == ["[CLS]", "[UNK]", "[SEP]"]


def test_warnings_name_what_spark_nlp_cannot_match(sparknlp_run):
    text = " ".join(sparknlp_run.warnings)
    assert "max_input_chars_per_word: Hugging Face 100, Spark NLP's WordpieceEncoder 200" in text
    assert "result.head" in text


def test_write_read_records_carry_fingerprint_in_both_places(spark, sparknlp_run, settings32,
                                                             tmp_path):
    from spark_pipelines.io.records import RecordsError, read_records, write_records
    from spark_pipelines.sparknlp.pipeline import annotate, sparknlp_fingerprint

    corpus = spark.createDataFrame(ROWS, "id string, text string")
    fingerprint = sparknlp_fingerprint(spark, sparknlp_run, settings32, "inline")
    out = str(tmp_path / "records")
    write_records(annotate(corpus, sparknlp_run, settings32), out, fingerprint)
    df, read_back = read_records(spark, out)
    assert df.count() == len(ROWS)
    assert read_back == fingerprint
    assert json.loads(df.schema["id"].metadata["hfparity.fingerprint"]) == fingerprint
    assert json.loads((tmp_path / "records" / FINGERPRINT_FILE).read_text()) == fingerprint
    assert fingerprint["framework"] == "sparknlp"
    assert fingerprint["settings"]["max_length"] == 32
    assert fingerprint["checkpoint_sha256"] and fingerprint["vocab_sha256"]
    assert fingerprint["sparknlp"]["coordinate"].startswith("com.johnsnowlabs.nlp:spark-nlp_2.12")
    with pytest.raises(RecordsError, match="already exists"):
        write_records(df, out, fingerprint)
    write_records(df.limit(2), out, fingerprint, overwrite=True)
    assert read_records(spark, out)[0].count() == 2


def test_onnx_threads_per_task_keep_tasks_times_threads_within_cores(spark, settings32):
    """Every concurrent task runs the ONNX model: threads per task x tasks <= cores (issue 20)."""
    from spark_pipelines.sparknlp.pipeline import onnx_threads_per_task

    task_cpus = int(spark.conf.get("spark.task.cpus", "1"))
    threads = onnx_threads_per_task(spark, replace(settings32, threads=None))
    cores = spark.sparkContext.defaultParallelism  # local[2]: 2 cores, 2 // task_cpus tasks
    assert threads == task_cpus
    assert (cores // task_cpus) * threads <= cores
    assert onnx_threads_per_task(spark, replace(settings32, threads=3)) == 3
