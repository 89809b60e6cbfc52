"""The compare job on real local Spark with real records of the default checkpoint.

Records for a 60-row slice of the default corpus (snippets plus edge cases) are made once per
session by the real Hugging Face and Spark NLP jobs (tests/conftest.py: other tests read them
too); every other run is a copy of those edited with Spark and republished with write_records,
so each test knows the one difference it made.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from parity_core.errors import BadInput
from spark_pipelines.compare.pairs import mirror
from spark_pipelines.report.formats import format_percent
from spark_pipelines.report.model import Summary
from spark_pipelines.report.schema import (
    ERROR_LEFT,
    ERROR_RIGHT,
    MISSING_LEFT,
    MISSING_RIGHT,
    ROWS_DDL,
    SAME,
    STATUSES,
    UNSCORED_BOTH,
)
from tests.support.default_slice import EDGE_IDS, SNIPPETS
from tests.support.paths import REPO

SWAPPED = {MISSING_LEFT: MISSING_RIGHT, MISSING_RIGHT: MISSING_LEFT, ERROR_LEFT: ERROR_RIGHT,
           ERROR_RIGHT: ERROR_LEFT}
CORRUPT_AT = 2  # piece index corrupted (0 is [CLS])


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("compare")


@pytest.fixture(scope="module")
def corpus_slice(default_slice_path) -> Path:
    """The first snippets and a set of edge cases of the default corpus (the session's)."""
    return default_slice_path


@pytest.fixture(scope="module")
def hf_run(default_slice_hf) -> Path:
    return default_slice_hf


@pytest.fixture(scope="module")
def sparknlp_run(default_slice_sparknlp) -> Path:
    return default_slice_sparknlp


def compare(spark, config, settings, left, right, corpus, out, **kwargs):
    from spark_pipelines.compare.job import run_compare

    kwargs.setdefault("counterfactual", "off")
    return run_compare(spark, config, settings, str(left), str(right), str(corpus), str(out),
                       **kwargs)


def report(spark, out: Path) -> dict[str, dict]:
    """Report rows by id (a 60-row test report: collecting it is fine here)."""
    return {r["id"]: r.asDict(recursive=True)
            for r in spark.read.parquet(str(out / "rows")).collect()}


def republish(spark, source: Path, target: Path, edit=None, fingerprint_edit=None) -> Path:
    """A copy of a records folder, its rows edited with Spark, published with write_records."""
    from spark_pipelines.io.records import read_records, write_records

    records, fingerprint = read_records(spark, str(source))
    if edit is not None:
        records = edit(records)
    if fingerprint_edit is not None:
        fingerprint = fingerprint_edit(dict(fingerprint))
    write_records(records, str(target), fingerprint)
    return target


def ok_ids(spark, run: Path, min_pieces: int = 0) -> list[str]:
    from pyspark.sql import functions as F

    rows = (spark.read.parquet(str(run))
            .where((F.col("status") == "ok") & (F.size("pieces") >= min_pieces))
            .select("id").orderBy("id").collect())
    return [r["id"] for r in rows]


@pytest.fixture(scope="module")
def self_report(spark, project_config, settings, hf_run, corpus_slice, work):
    """The Hugging Face run compared with itself: (result, report folder)."""
    out = work / "self"
    return compare(spark, project_config, settings, hf_run, hf_run, corpus_slice, out), out


def test_rows_conform_to_the_contract_and_a_run_against_itself_is_all_same(
        spark, project_config, settings, hf_run, corpus_slice, work, self_report):
    """All same, but for the null text: unscored on both sides is never `same`."""
    result, out = self_report
    rows_df = spark.read.parquet(str(out / "rows"))
    expected = spark.createDataFrame([], ROWS_DDL).schema
    assert [(f.name, f.dataType.simpleString()) for f in rows_df.schema.fields] == [
        (f.name, f.dataType.simpleString()) for f in expected.fields]
    rows = report(spark, out)
    assert len(rows) == SNIPPETS + len(EDGE_IDS)
    null = rows.pop("edge-null")
    assert (null["status"], null["cause"], null["sub_cause"], null["changes"]) == (
        UNSCORED_BOTH, "status", "invalid_text", [])
    assert {r["status"] for r in rows.values()} == {SAME}
    assert all(r["changes"] == [] and r["cause"] is None and r["word_alignment"] is None
               for r in rows.values())
    assert result.passed and result.line.startswith("hfparity compare: PASS")
    assert result.line.startswith(f"hfparity compare: PASS: 0 of {len(rows):,} predictions "
                                  "change label (0.00%); 0 of ")  # the null text has no label
    summary = Summary.from_json((out / "summary.json").read_text(encoding="utf-8"))
    assert summary == result.summary and summary.status_counts[SAME] == len(rows)
    assert summary.status_counts[UNSCORED_BOTH] == 1
    assert result.line == summary.line(str(out))
    marker = json.loads((out / "_HFPARITY_COMPLETE").read_text())
    assert marker["passed"] is True and marker == json.loads(summary.to_json())["gate"]
    assert (out / "index.html").stat().st_size > 0
    assert not [p for p in work.iterdir() if p.name.startswith(".self.")]  # no temp left
    with pytest.raises(BadInput, match="already exists"):
        compare(spark, project_config, settings, hf_run, hf_run, corpus_slice, out)


def test_slices_are_computed_from_the_text(spark, self_report):
    rows = report(spark, self_report[1])
    upper, accents = rows["edge-casing-upper"], rows["edge-accents"]
    assert upper["has_upper"] and not upper["has_non_ascii"]
    assert accents["has_non_ascii"] and accents["has_inner_punct"]  # "café-set"
    assert rows["edge-contractions"]["has_inner_punct"]  # don't
    assert rows["edge-empty"]["length_bucket"] == "0" and rows["edge-empty"]["text_length"] == 0
    assert rows["edge-null"]["text"] is None and rows["edge-null"]["length_bucket"] is None
    emoji = rows["edge-emoji"]
    assert emoji["text_length"] == len(emoji["text"])  # code points
    assert rows["edge-very-long"]["length_bucket"] in ("500-1999", "2000+")
    assert rows["edge-very-long"]["left_truncated"] is True


def test_one_corrupted_piece_is_pinpointed(spark, project_config, settings, hf_run,
                                           corpus_slice, work):
    from pyspark.sql import functions as F

    target = ok_ids(spark, hf_run, min_pieces=CORRUPT_AT + 3)[3]

    def corrupt(records):
        pieces = F.transform("pieces", lambda p, i: F.when(
            i == CORRUPT_AT, p.withField("piece", F.lit("qqqq")).withField("id", F.lit(29999)))
            .otherwise(p))
        return records.withColumn(
            "pieces", F.when(F.col("id") == target, pieces).otherwise(F.col("pieces")))

    right = republish(spark, hf_run, work / "hf-corrupt", corrupt)
    out = work / "corrupt"
    compare(spark, project_config, settings, hf_run, right, corpus_slice, out)
    rows = report(spark, out)
    assert rows.pop("edge-null")["status"] == UNSCORED_BOTH  # null text: never same
    differing = {i: r for i, r in rows.items() if r["status"] != SAME}
    assert list(differing) == [target]
    row = differing[target]
    assert row["status"] == "tokens_differ" and row["changes"] == ["pieces"]
    assert row["words_equal"] is True and row["pieces_equal"] is False
    div = row["first_divergence"]
    assert (div["level"], div["op"], div["left_index"], div["right_index"]) == (
        "pieces", "changed", CORRUPT_AT, CORRUPT_AT)
    assert "qqqq" in div["right_window"] and "qqqq" not in div["left_window"]
    changed = [op for op in row["piece_alignment"] if op["op"] != "equal"]
    assert len(changed) == 1 and changed[0]["right_tokens"] == ["qqqq"]
    assert (row["cause"], row["cause_position"]) == ("pieces", CORRUPT_AT)
    assert row["word_alignment"] is None


def test_one_flipped_label_is_pinpointed_and_gates_exit_1(spark, project_config, settings,
                                                          hf_run, corpus_slice, work):
    from pyspark.sql import functions as F

    target = ok_ids(spark, hf_run)[5]
    labels = list(settings.labels)

    def flip(records):
        flipped = F.when(F.col("label") == labels[0], F.lit(labels[1])).otherwise(F.lit(labels[0]))
        return (records
                .withColumn("label", F.when(F.col("id") == target, flipped)
                            .otherwise(F.col("label")))
                .withColumn("label_id", F.when(F.col("id") == target, 1 - F.col("label_id"))
                            .otherwise(F.col("label_id"))))

    right = republish(spark, hf_run, work / "hf-flip", flip)
    strict = replace(project_config,
                     compare=replace(project_config.compare, max_label_disagreement_rate=0.0))
    out = work / "flip"
    result = compare(spark, strict, settings, hf_run, right, corpus_slice, out)
    rows = report(spark, out)
    assert rows.pop("edge-null")["status"] == UNSCORED_BOTH  # null text: never same
    differing = {i: r for i, r in rows.items() if r["status"] != SAME}
    assert list(differing) == [target]
    row = differing[target]
    assert row["status"] == "label_differs" and row["changes"] == ["label"]
    assert row["left_label"] != row["right_label"] and row["max_abs_delta"] == 0.0
    assert row["cause"] == "boundary" and row["first_divergence"] is None
    assert not result.passed
    assert result.line.startswith("hfparity compare: FAIL") and "label disagreement" in result.line
    # the null text is no label disagreement for the gate: 1 of the labelled rows changes
    assert result.line.startswith(f"hfparity compare: FAIL: 1 of {len(rows):,} predictions "
                                  f"change label ({format_percent(1 / len(rows))}); 1 of ")


def test_refusals_name_the_field(spark, project_config, settings, hf_run, corpus_slice, work):
    from pyspark.sql import functions as F

    bad_model = republish(spark, hf_run, work / "hf-other-model", fingerprint_edit=lambda fp: {
        **fp, "checkpoint_sha256": "0" * 64})
    real_sha = json.loads((hf_run / "_fingerprint.json").read_text())["checkpoint_sha256"]
    with pytest.raises(BadInput, match="checkpoint_sha256") as refused:
        compare(spark, project_config, settings, hf_run, bad_model, corpus_slice, work / "r1")
    assert real_sha in str(refused.value) and "0" * 64 in str(refused.value)
    assert not (work / "r1").exists()

    wrong_type = work / "hf-bigint"
    (spark.read.parquet(str(hf_run))
     .withColumn("text_length", F.col("text_length").cast("bigint"))
     .write.parquet(str(wrong_type)))
    for name in ("_fingerprint.json", "_HFPARITY_COMPLETE"):
        (wrong_type / name).write_bytes((hf_run / name).read_bytes())
    with pytest.raises(BadInput, match="schema mismatch in column 'text_length'") as refused:
        compare(spark, project_config, settings, wrong_type, hf_run, corpus_slice, work / "r2")
    assert "bigint" in str(refused.value) and "right" in str(refused.value)

    smaller = work / "smaller.parquet"
    table = pq.read_table(corpus_slice)
    pq.write_table(table.slice(1), smaller)
    with pytest.raises(BadInput, match="corpus_digest of the left run"):
        compare(spark, project_config, settings, hf_run, hf_run, smaller, work / "r3")
    other_corpus = republish(spark, hf_run, work / "hf-other-corpus", fingerprint_edit=lambda fp: {
        **fp, "corpus_digest": {**fp["corpus_digest"], "rows": 1}})
    with pytest.raises(BadInput, match="corpus_digest of the right run"):
        compare(spark, project_config, settings, hf_run, other_corpus, corpus_slice, work / "r4")

    twice = ok_ids(spark, hf_run)[0]
    duplicated = republish(spark, hf_run, work / "hf-duplicated", lambda records: (
        records.unionByName(records.where(F.col("id") == twice))))
    with pytest.raises(BadInput, match=f"right run .* id must be unique.*'{twice}' x2"):
        compare(spark, project_config, settings, hf_run, duplicated, corpus_slice, work / "r5")


def test_exit_code_2_through_the_job_entry_point(spark, hf_run, corpus_slice, work):
    from jobs.cli import run
    from jobs.compare import main

    config = str(REPO / "conf" / "default.yaml")
    common = ["--config", config, "--corpus", str(corpus_slice), "--counterfactual", "off"]
    with pytest.raises(SystemExit) as done:
        run(lambda: main([*common, "--left", str(work / "nope"), "--right", str(hf_run),
                          "--output", str(work / "x1")]))
    assert done.value.code == 2
    other = work / "hf-other-model"  # made by test_refusals_name_the_field
    if other.exists():
        with pytest.raises(SystemExit) as done:
            run(lambda: main([*common, "--left", str(hf_run), "--right", str(other),
                              "--output", str(work / "x2")]))
        assert done.value.code == 2


def _swapped(left, right, ops, indexes, max_length) -> list[int]:
    """The Hugging Face ids with alignment ops `indexes` swapped for Spark NLP's runs (last
    first, so each op's place still holds), cut to max_length with [SEP] kept."""
    ids = list(left)
    for index in sorted(indexes, reverse=True):
        op = ops[index]
        if op["left_index"] is not None:  # replace the left run by the right run
            start, width = op["left_index"], len(op["left_tokens"])
        else:  # insert before the next left run of the alignment, else before [SEP]
            start = next((o["left_index"] for o in ops[index:] if o["left_index"] is not None),
                         len(left) - 1)
            width = 0
        ids[start:start + width] = right[op["right_index"]:op["right_index"]
                                         + len(op["right_tokens"])] \
            if op["right_index"] is not None else []
    return ids[:max_length - 1] + ids[-1:] if len(ids) > max_length else ids


def _check_flips(settings, rows, hf_run, sparknlp_run) -> None:
    """Every label flip was tried one piece difference at a time, then one Spark NLP word's
    differences together, and the flags agree with an independent re-run here (the reference
    model in this process); `ain't` (rt-01344) loses two pieces that flip the label together
    only, so one word decides it, not several."""
    from hf_reference.scorer import ReferenceScorer

    hf = {r["id"]: r for r in pq.read_table(hf_run).to_pylist()}
    snlp = {r["id"]: r for r in pq.read_table(sparknlp_run).to_pylist()}
    flips = [r for r in rows.values() if r["status"] == "label_differs"
             and r["left_status"] == r["right_status"] == "ok"]
    assert flips, "the slice holds label flips (edge-nbsp-only at least)"
    scorer = ReferenceScorer(settings, threads=1)

    def flips_with(row, indexes) -> bool:
        left = [p["id"] for p in hf[row["id"]]["pieces"]]
        right = [p["id"] for p in snlp[row["id"]]["pieces"]]
        ids = _swapped(left, right, row["piece_alignment"], indexes, settings.max_length)
        _, probabilities = scorer.score_ids([ids])
        return settings.labels[int(probabilities[0].argmax())] == row["right_label"]

    for row in flips:
        ops = row["piece_alignment"]
        diffs = [i for i, op in enumerate(ops) if op["op"] != "equal"
                 and not set(op["left_tokens"] + op["right_tokens"]) <= {"[CLS]", "[SEP]"}]
        assert row["flip_tried"] == len(diffs) > 0 and set(row["flip_alone"]) <= set(diffs)
        for index in diffs:
            assert flips_with(row, [index]) == (index in row["flip_alone"]), (row["id"], index)
        words = snlp[row["id"]]["words"]
        for word in row["flip_word_alone"]:  # a Spark NLP word, its differences inside it
            assert any((w["text"], w["begin"], w["end"]) == (word["word"], word["begin"],
                                                             word["end"]) for w in words)
            assert all(word["begin"] <= ops[i]["begin"] < word["end"] for i in word["differences"])
            assert flips_with(row, word["differences"]), (row["id"], word)
        unit = row["decisive_unit"]
        assert unit == ("piece" if row["flip_alone"] else "word" if row["flip_word_alone"]
                        else "several_words" if flips_with(row, diffs) else "not_reproduced")
        said = {"piece": f"the label flips with one piece difference alone: "
                         f"#{(row['flip_alone'] or [0])[0]} ",
                "word": "no single piece difference flips the label, one word's differences "
                        "together do: ",
                "several_words": "it takes several words",
                "not_reproduced": "the flip is not in the pieces"}[unit]
        assert said in row["cause_evidence"], row["cause_evidence"]
        if row["decisive_word"] is not None:
            assert f"decisive word {row['decisive_word']!r}" in row["cause_evidence"] \
                or f'decisive word "{row["decisive_word"]}"' in row["cause_evidence"]
    contraction = rows["rt-01344"]
    assert (contraction["flip_alone"], contraction["decisive_unit"],
            contraction["decisive_word"]) == ([], "word", "ain't"), contraction["cause_evidence"]


@pytest.mark.slow
def test_hf_vs_sparknlp_counts_add_up_and_every_difference_has_a_cause(
        spark, project_config, settings, hf_run, sparknlp_run, corpus_slice, work):
    out = work / "hf-vs-sparknlp"
    result = compare(spark, project_config, settings, hf_run, sparknlp_run, corpus_slice, out,
                     counterfactual="auto")
    assert result.counterfactual  # left is Hugging Face with its checkpoint here
    rows = report(spark, out)
    summary = Summary.from_json((out / "summary.json").read_text(encoding="utf-8"))
    assert len(rows) == SNIPPETS + len(EDGE_IDS)
    assert sum(summary.status_counts.values()) == len(rows)
    assert set(summary.status_counts) <= set(STATUSES)
    assert summary.status_counts["not_in_corpus"] == 0
    differing = [r for r in rows.values() if r["status"] != SAME]
    assert differing, "Spark NLP and Hugging Face differ at least on the edge cases"
    assert all(r["cause"] is not None for r in differing), [
        (r["id"], r["status"]) for r in differing if r["cause"] is None]
    assert rows["edge-empty"]["status"] == ERROR_RIGHT  # Spark NLP gives no label for ""
    checked = [r for r in differing if r["cf_verdict"] is not None]
    for r in checked:
        assert r["cf_probabilities"] is not None or r["cf_verdict"] == "error"
    _check_flips(settings, rows, hf_run, sparknlp_run)
    print(f"hf vs sparknlp on {len(rows)} rows: {dict(summary.status_counts)}; causes "
          f"{sorted(str((r['cause'], r['sub_cause'])) for r in differing)}; "
          f"{len(checked)} counterfactuals, consistent "
          f"{sum(1 for r in checked if r['cf_consistent'])}")


@pytest.mark.slow
def test_swapping_sides_swaps_missing_and_mirrors_alignments(
        spark, project_config, settings, hf_run, sparknlp_run, corpus_slice, work):
    from pyspark.sql import functions as F

    dropped = ok_ids(spark, hf_run)[:2]
    partial = republish(spark, hf_run, work / "hf-partial",
                        lambda records: records.where(~F.col("id").isin(*dropped)))
    compare(spark, project_config, settings, partial, sparknlp_run, corpus_slice, work / "fwd")
    compare(spark, project_config, settings, sparknlp_run, partial, corpus_slice, work / "bwd")
    forward, backward = report(spark, work / "fwd"), report(spark, work / "bwd")
    assert sorted(i for i, r in forward.items() if r["status"] == MISSING_LEFT) == sorted(dropped)
    assert sorted(i for i, r in backward.items() if r["status"] == MISSING_RIGHT) == sorted(
        dropped)
    assert forward.keys() == backward.keys()
    aligned = 0
    for row_id, f in forward.items():
        b = backward[row_id]
        assert b["status"] == SWAPPED.get(f["status"], f["status"]), row_id
        for column in ("word_alignment", "piece_alignment"):
            assert b[column] == mirror(f[column]), (row_id, column)
            aligned += f[column] is not None
        fd, bd = f["first_divergence"], b["first_divergence"]
        if fd is not None:
            assert (bd["left_index"], bd["right_index"], bd["left_window"]) == (
                fd["right_index"], fd["left_index"], fd["right_window"]), row_id
    assert aligned > 0, "the two frameworks cut at least some rows differently"

