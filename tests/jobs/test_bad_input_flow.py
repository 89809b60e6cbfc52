"""The bad-input catalogue through the whole flow on real local Spark with the real jars.

Each corpus goes through the Hugging Face job, the Spark NLP job and the join, as a user runs
them; outputs are read back with pyarrow, not with the product's readers. Every row must come
out once per side with a pinned status and once in the report; corpora that cannot be scored
faithfully are refused (BadInput naming the file, column or ids) before any model work.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from parity_core.errors import BadInput
from spark_pipelines.report.model import Summary
from tests.support.catalogue import (
    JSON_ONLY_LINES,
    TEXT_CASES,
    catalogue_texts,
    write_file_case,
    write_text_catalogue,
)
from tests.support.paths import REPO
from tests.support.submit import spark_submit

DIFFERS = "differs"  # label_differs or scores_differ: which one depends on the model's margin

# id -> (Hugging Face status, Spark NLP status, report status, report cause).
# Why: HF scores [CLS][SEP] for text with no words; Spark NLP gives no label when its Tokenizer
# finds no token (empty, ASCII whitespace), but NBSP and U+FEFF are tokens to it (its pieces are
# [UNK]) while HF drops them; HF drops format characters (ZWJ inside a word, soft hyphen, RTL
# embeddings) and control characters, Spark NLP keeps them inside the word (-> [UNK] or fewer
# pieces); Spark NLP passes only the first basic-tokenizer word of "这部电影..." (one token).
EXPECTED: dict[str, tuple[str, str, str, str | None]] = {
    "plain": ("ok", "ok", "same", None),
    "null": ("invalid_text", "invalid_text", "unscored_both", "status"),
    "empty": ("ok", "no_prediction", "error_right", "status"),
    "whitespace": ("ok", "no_prediction", "error_right", "status"),
    "nbsp": ("ok", "ok", DIFFERS, "words"),
    "nbsp-inside": ("ok", "ok", DIFFERS, "words"),
    "ideographic-space": ("ok", "ok", DIFFERS, "words"),
    "line-separator": ("ok", "ok", DIFFERS, "words"),
    "bom": ("ok", "ok", DIFFERS, "pieces"),
    "zwj": ("ok", "ok", "same", None),
    "zwj-word": ("ok", "ok", DIFFERS, "pieces"),
    "soft-hyphen": ("ok", "ok", DIFFERS, "pieces"),
    "emoji": ("ok", "ok", "same", None),
    "astral-math": ("ok", "ok", "same", None),
    "cjk": ("ok", "ok", DIFFERS, "pieces"),
    "arabic": ("ok", "ok", DIFFERS, "pieces"),
    "hebrew": ("ok", "ok", "same", None),
    "rtl-mixed": ("ok", "ok", DIFFERS, "pieces"),
    "control": ("ok", "ok", DIFFERS, "pieces"),
    "long": ("ok", "ok", "same", None),
    "long-word": ("ok", "ok", "same", None),
    "json-surrogate": ("ok", "ok", "same", None),
}


@dataclass(frozen=True)
class Flow:
    """What one corpus became: records per side and report rows, keyed by id (lists kept too)."""

    hf: list[dict[str, Any]]
    sparknlp: list[dict[str, Any]]
    report: list[dict[str, Any]]
    summary: Summary
    exit_code: int

    def by_id(self, side: str) -> dict[str, dict[str, Any]]:
        return {row["id"]: row for row in getattr(self, side)}


def _rows(folder: Path) -> list[dict[str, Any]]:
    return pq.read_table(folder).to_pylist()


def run_flow(spark, config, settings, corpus: Path, root: Path) -> Flow:
    """HF job, Spark NLP job, join: the three library calls the spark-submit jobs make."""
    from spark_pipelines.compare.job import run_compare
    from spark_pipelines.hf.job import run_hf_reference
    from spark_pipelines.sparknlp.job import run_sparknlp

    hf, snlp, report = root / "hf", root / "sparknlp", root / "report"
    run_hf_reference(spark, config, settings, str(corpus), str(hf))
    run_sparknlp(spark, config, settings, str(corpus), str(snlp))
    result = run_compare(spark, config, settings, str(hf), str(snlp), str(corpus), str(report))
    summary = Summary.from_json((report / "summary.json").read_text(encoding="utf-8"))
    return Flow(_rows(hf), _rows(snlp), _rows(report / "rows"), summary, 0 if result.passed else 1)


def _assert_nothing_lost(flow: Flow, rows_in: int) -> None:
    ids = [row["id"] for row in flow.hf]
    assert len(ids) == len(set(ids)) == rows_in
    assert sorted(r["id"] for r in flow.sparknlp) == sorted(ids)
    assert sorted(r["id"] for r in flow.report) == sorted(ids)
    assert flow.summary.corpus_rows == rows_in


def _assert_text_survived(record: dict[str, Any], text: str) -> None:
    """The producer saw exactly this text: length in code points, sha256 of the UTF-8 bytes."""
    assert record["text_length"] == len(text)
    assert record["text_sha256"] == hashlib.sha256(text.encode("utf-8")).hexdigest()
    for word in record["words"] or []:
        assert 0 <= word["begin"] <= word["end"] <= len(text), word


@pytest.fixture(scope="module")
def catalogue(spark, project_config, settings, tmp_path_factory) -> Flow:
    root = tmp_path_factory.mktemp("catalogue")
    corpus = write_text_catalogue(root / "catalogue.jsonl")
    return run_flow(spark, project_config, settings, corpus, root)


@pytest.mark.slow
def test_catalogue_rows_in_equal_records_out_equal_report_rows(catalogue):
    rows_in = len(TEXT_CASES) + len(JSON_ONLY_LINES)
    assert set(EXPECTED) == set(catalogue_texts())
    _assert_nothing_lost(catalogue, rows_in)


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_catalogue_case(catalogue, case):
    hf_status, snlp_status, report_status, cause = EXPECTED[case]
    text = catalogue_texts()[case]
    hf, snlp = catalogue.by_id("hf")[case], catalogue.by_id("sparknlp")[case]
    row = catalogue.by_id("report")[case]
    assert (hf["status"], snlp["status"]) == (hf_status, snlp_status)
    assert (row["left_status"], row["right_status"]) == (hf_status, snlp_status)
    if report_status == DIFFERS:
        assert row["status"] in ("label_differs", "scores_differ"), row
        assert row["cf_verdict"] == "reproduced", row  # HF model on Spark NLP's pieces
    else:
        assert row["status"] == report_status, row
    assert row["cause"] == cause
    assert row["text"] == text
    if text is None:
        assert hf["error"] == snlp["error"] == "text is null"
        return
    for record in (hf, snlp):
        _assert_text_survived(record, text)
    for word in hf["words"]:
        assert text[word["begin"]:word["end"]] == word["text"]
    if snlp_status == "no_prediction":
        assert "no label" in snlp["error"] and snlp["label"] is None
        assert [p["piece"] for p in hf["pieces"]] == ["[CLS]", "[SEP]"]


# Unicode separators: whitespace to Hugging Face, inside one Spark NLP Tokenizer word. NBSP is
# no whitespace to Spark NLP's basic tokenizer either (the word becomes one [UNK]); U+3000 and
# U+2028 are (Java's Character.isWhitespace), and its classifier keeps the first part only.
SEPARATOR_CASES = {
    "nbsp": ("separator_u00a0_one_unk", "U+00A0 NO-BREAK SPACE at [0,1): whitespace to left "
             "(0 words there), part of right word '\\xa0\\xa0\\xa0', which reaches the model "
             "as one [UNK]"),
    "nbsp-inside": ("separator_u00a0_one_unk", "U+00A0 NO-BREAK SPACE at [5,6): whitespace to "
                    "left (2 words 'great' 'film' there), part of right word 'great\\xa0film', "
                    "which reaches the model as one [UNK]"),
    "ideographic-space": ("separator_u3000_rest_dropped", "U+3000 IDEOGRAPHIC SPACE at [14,15): "
                          "whitespace to left (2 words 'was' 'awful' there), part of right word "
                          "'was\\u3000awful', whose pieces ('was') spell 'was' only: 'awful' "
                          "never reaches the model"),
    "line-separator": ("separator_u2028_rest_dropped", "U+2028 LINE SEPARATOR at [7,8): "
                       "whitespace to left (2 words 'truly' 'dreadful' there), part of right "
                       "word 'truly\\u2028dreadful', whose pieces ('truly') spell 'truly' only: "
                       "'dreadful' never reaches the model"),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(SEPARATOR_CASES))
def test_words_joined_by_a_separator_name_it_and_what_spark_nlp_feeds(catalogue, case):
    sub_cause, evidence = SEPARATOR_CASES[case]
    row = catalogue.by_id("report")[case]
    assert (row["cause"], row["sub_cause"]) == ("words", sub_cause)
    assert row["cause_evidence"].startswith(evidence + "; only in right words: "), row


@pytest.mark.slow
def test_long_text_is_cut_to_max_length_on_both_sides(catalogue, settings):
    for side in ("hf", "sparknlp"):
        record = catalogue.by_id(side)["long"]
        assert record["truncated"] is True and record["piece_count"] > 2000
        assert len(record["pieces"]) == settings.max_length
        assert record["pieces"][-1]["piece"] == "[SEP]"


@pytest.mark.slow
def test_numbers_in_the_text_column_are_invalid_text_on_both_sides(spark, project_config,
                                                                   settings, tmp_path):
    corpus = write_file_case("numbers", tmp_path / "in")
    flow = run_flow(spark, project_config, settings, corpus, tmp_path)
    _assert_nothing_lost(flow, 3)
    reason = f"column 'text' of {corpus} has type bigint, not string: text not scored"
    for record in flow.hf + flow.sparknlp:
        assert (record["status"], record["error"]) == ("invalid_text", reason)
        assert record["label"] is None and record["text_sha256"] is None
    assert {(row["status"], row["sub_cause"]) for row in flow.report} == {
        ("unscored_both", "invalid_text")}


REFUSALS = {
    "no-text-column": r"notext\.jsonl: no text column 'text' \(columns: body, id\)",
    "duplicate-ids": r"dups\.jsonl: column 'id' has duplicate ids, first: 'b' x2, 'd' x2",
    "null-ids": r"nullids\.parquet: column 'id' has 2 null ids",
    # Spark's readers would put U+FFFD in place of each bad byte (CSV) or keep a row of nulls
    # (JSON): refused in Python first, at the byte (spark_pipelines/io/corpus_rules.py).
    "jsonl-invalid-utf8": r"bad\.jsonl: not utf-8 at byte 75 \(line 2: b'\\xff' in ",
    "csv-bad-bytes-no-id": r"bad\.csv: not utf-8 at byte 11 \(line 2: b'\\xff' in ",
    # Spark's JSON reader would score the number as the string "12345".
    "jsonl-number-text": (r"mixed\.jsonl: line 3: 'text' is a JSON number \(12345\) where other "
                          r"lines hold string \(line 1\); it would be scored as its JSON text"),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_unscorable_corpora_are_refused_before_any_model_work(spark, project_config, settings,
                                                              tmp_path, case):
    """The models given here do not exist: a refusal that came after model work started would
    be a different error (a missing checkpoint or Spark NLP model), not BadInput."""
    from spark_pipelines.hf.job import run_hf_reference
    from spark_pipelines.sparknlp.job import run_sparknlp

    corpus = write_file_case(case, tmp_path / "in")
    nowhere = str(tmp_path / "no-model")
    hf_settings = replace(settings, checkpoint=nowhere)
    snlp_config = replace(project_config,
                          model=replace(project_config.model, sparknlp_model=nowhere))
    message = rf"corpus {tmp_path}/in/{REFUSALS[case]}"
    with pytest.raises(BadInput, match=message):
        run_hf_reference(spark, project_config, hf_settings, str(corpus), str(tmp_path / "hf"))
    with pytest.raises(BadInput, match=message):
        run_sparknlp(spark, snlp_config, settings, str(corpus), str(tmp_path / "snlp"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]  # no output, no temp folder


def test_missing_text_column_through_spark_submit_exits_2(tmp_path, jvm_scratch):
    corpus = write_file_case("no-text-column", tmp_path / "in")
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ.get('PATH', '')}",
           "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        spark_submit(jvm_scratch, "--master", "local[1]", str(REPO / "jobs" / "hf_reference.py"),
                     "--config", str(REPO / "conf" / "default.yaml"),
                     "--input", str(corpus), "--output", str(tmp_path / "out")),
        capture_output=True, text=True, env=env, timeout=300, check=False)
    assert done.returncode == 2, done.stderr[-2000:]
    # The job prints to stderr; spark-submit's PythonRunner merges the driver's stderr into its
    # own stdout, so that is where the line arrives (plain `python jobs/...` keeps it on stderr).
    assert (f"error: corpus {corpus}: no text column 'text' (columns: body, id); "
            "set corpus.text_column") in done.stdout
    assert "Traceback" not in done.stdout + done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]
