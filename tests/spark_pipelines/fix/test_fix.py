"""`hfparity fix` end to end on a slice of the default corpus: real Spark NLP, the real default
model, one Spark session. The fix must find the tokenizer change by itself (the slice is scored
with the matched pipeline, whose Tokenizer keeps "don't" whole), improve the rows whose words
split differently, save a PipelineModel that loads again and scores, and list exactly the rows
that agree before and disagree after (checked here by a rule written out in plain Python).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

INNER = 30  # snippets with an apostrophe or a hyphen inside a word: the tokenizer's rows
PLAIN = 10  # snippets without
EDGE_IDS = ("edge-contractions", "edge-curly-quotes", "edge-nbsp", "edge-soft-hyphen",
            "edge-empty")


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fix")


@pytest.fixture(scope="module")
def corpus(default_corpus_path, work) -> Path:
    table = pq.read_table(default_corpus_path, columns=["id", "text"])
    snippets = table.filter(pc.invert(pc.starts_with(table["id"], "edge-")))
    inner = pc.match_substring_regex(snippets["text"], r"\w['’-]\w")
    chosen = pa.concat_tables([snippets.filter(inner).slice(0, INNER),
                               snippets.filter(pc.invert(inner)).slice(0, PLAIN),
                               table.filter(pc.is_in(table["id"],
                                                     value_set=pa.array(EDGE_IDS)))])
    path = work / "slice.parquet"
    pq.write_table(chosen, path)
    return path


@pytest.fixture(scope="module")
def fixed(spark, project_config, settings, corpus, work):
    """A report made the way `hfparity check` lays it out (hf/, sparknlp/, report/), then fixed."""
    from spark_pipelines.compare.job import run_compare
    from spark_pipelines.fix.inputs import resolve_inputs
    from spark_pipelines.fix.publish import publish_fix
    from spark_pipelines.fix.run import run_fix
    from spark_pipelines.hf.job import run_hf_reference
    from spark_pipelines.sparknlp.job import run_sparknlp

    check = work / "check"
    run_hf_reference(spark, project_config, settings, str(corpus), str(check / "hf"))
    run_sparknlp(spark, project_config, settings, str(corpus), str(check / "sparknlp"))
    run_compare(spark, project_config, settings, str(check / "hf"), str(check / "sparknlp"),
                str(corpus), str(check / "report"), counterfactual="off")
    inputs = resolve_inputs(str(check / "report"))
    out = work / "fix"
    fix, proposal = run_fix(spark, project_config, settings, inputs, str(out))
    publish_fix(inputs.report_dir, fix, out)
    return fix, proposal, check, out


def _rows(folder: Path) -> pd.DataFrame:
    return pd.read_parquet(folder / "rows").set_index("id")


def test_finds_the_tokenizer_change_and_it_improves_the_tokenizer_rows(fixed):
    fix, _, check, out = fixed
    assert [c.name for c in fix.candidates] == ["tokenizer"]  # matched casing and length
    assert "RegexTokenizer" in fix.candidates[0].after
    before = _rows(check / "report")
    after = _rows(out / "runs" / "tokenizer" / "report")
    words = before.index[before["words_equal"] == False]  # noqa: E712 the tokenizer's rows
    assert len(words) >= INNER // 2
    same_before = int((before.loc[words, "pieces_equal"] == True).sum())  # noqa: E712
    same_after = int((after.loc[words, "pieces_equal"] == True).sum())  # noqa: E712
    assert same_after > same_before + len(words) // 2

    def agree(rows):
        return (rows["left_label"] == rows["right_label"]) & rows["left_label"].notna()

    assert agree(after.loc[words]).sum() >= agree(before.loc[words]).sum()
    assert fix.after is not None and fix.after.pieces_same > fix.before.pieces_same
    assert fix.after.label_agreement >= fix.before.label_agreement


def test_regressions_are_exactly_the_rows_that_agree_before_and_not_after(fixed):
    fix, _, check, out = fixed
    before = _rows(check / "report")
    after = _rows(out / "runs" / "tokenizer" / "report")
    expected = set()
    for row_id in before.index:
        b, a = before.loc[row_id], after.loc[row_id]
        agreed = b["left_label"] is not None and b["left_label"] == b["right_label"]
        agrees = a["left_label"] is not None and a["left_label"] == a["right_label"]
        if agreed and not agrees:
            expected.add(row_id)
    assert {r.id for r in fix.regressions} == expected
    assert fix.runs[0].regressions == len(expected)
    remaining = {g.reason: g for g in fix.remaining}
    if "edge-soft-hyphen" in set(after.index[after["pieces_equal"] == False]):  # noqa: E712
        assert "edge-soft-hyphen" in remaining["format_characters"].example_ids


def test_saved_proposal_reloads_and_scores(spark, settings, fixed):
    from pyspark.ml import PipelineModel

    fix, _, _, out = fixed
    assert fix.pipeline_dir == str(out / "pipeline")
    model = PipelineModel.load(fix.pipeline_dir)
    frame = spark.createDataFrame([("a", "I don't think it's self-indulgent")],
                                  "id string, text string")
    got = model.transform(frame).select("token.result", "class.result").first()
    assert list(got[0]) == ["I", "don", "'", "t", "think", "it", "'", "s", "self", "-",
                            "indulgent"]
    assert len(got[1]) == 1 and got[1][0] in settings.labels
    assert "RegexTokenizer" in fix.code and "setPattern" in fix.code


def test_report_carries_how_to_fix_first(fixed):
    from spark_pipelines.report.model import Summary

    fix, _, _, out = fixed
    text = (out / "summary.json").read_text(encoding="utf-8")
    assert next(iter(json.loads(text))) == "how_to_fix"
    assert Summary.from_json(text).how_to_fix == fix
    page = (out / "index.html").read_text(encoding="utf-8")
    assert page.index("<h2>") == page.index("<h2>How to fix</h2>")
