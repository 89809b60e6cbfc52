"""Input-first scoring end to end on real Spark, Spark NLP and the default model.

The corpus (~230 rows): the default slice (tests/support/default_slice.py: snippets and edge rows,
among them an empty, a whitespace-only and a null text), further snippets of the default corpus,
and copies of some of the slice's texts under new ids.
Every row is scored once (both producers on the whole corpus, the join) and input-first (the
input pass, both producers on the rows it chose, the join with the selection), on the session
Spark: one model.onnx, so the Spark NLP runs stay in-process. The sample is sized for a 10%
bound so that some identical-input rows are left unscored on this small corpus.

Numerics that differ everywhere: the Hugging Face side in bf16 (another precision) scores the
chosen rows; the sample must find it, the gate fail, `hfparity check` decide to widen, and the
widened join (every row scored) keep each row's own result.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from parity_core.sampling import sample_size, upper_bound
from parity_core.settings import derive_settings
from spark_pipelines.report import schema

DUPLICATED = 20
MORE = 150  # further snippets of the default corpus: enough identical-input rows to sample
# 29 rows for a 10% bound (sample_size(0.1, 0.95)) and leave some unscored. bf16 moves 1 row in
# 3 of the default model's probabilities past 1e-3 (measured on 40 texts), so a sample of 29
# misses it with probability ~0.675**29 < 1e-4.


@pytest.fixture(scope="module")
def flow(spark, project_config, settings, default_slice_path, default_corpus_path,
         tmp_path_factory) -> dict:
    from spark_pipelines.compare.job import run_compare
    from spark_pipelines.hf.job import run_hf_reference
    from spark_pipelines.selection.job import run_input_pass
    from spark_pipelines.sparknlp.job import run_sparknlp

    work = tmp_path_factory.mktemp("input-first")
    frame = pd.read_parquet(default_slice_path)
    more = pd.read_parquet(default_corpus_path, columns=["id", "text"])
    more = more[~more["id"].isin(frame["id"]) & ~more["id"].str.startswith("edge-")].head(MORE)
    copies = frame[frame["text"].str.len() > 0].head(DUPLICATED).assign(
        id=lambda f: "copy-" + f["id"])
    corpus = work / "corpus.parquet"
    pd.concat([frame, more, copies]).to_parquet(corpus, index=False)
    config = replace(project_config, compare=replace(project_config.compare,
                                                     unscored_bound=0.1))
    out = {name: str(work / name) for name in (
        "hf", "sn", "all", "sel", "hf_if", "sn_if", "if", "hf16", "bf16", "hf16_all", "wide")}
    run_hf_reference(spark, config, settings, str(corpus), out["hf"])
    run_sparknlp(spark, config, settings, str(corpus), out["sn"])
    run_compare(spark, config, settings, out["hf"], out["sn"], str(corpus), out["all"],
                counterfactual="off")
    selection = run_input_pass(spark, config, settings, str(corpus), out["sel"])
    chosen = f"{out['sel']}/corpus"
    run_hf_reference(spark, config, settings, chosen, out["hf_if"])
    run_sparknlp(spark, config, settings, chosen, out["sn_if"])
    result = run_compare(spark, config, settings, out["hf_if"], out["sn_if"], chosen, out["if"],
                         counterfactual="off", selection_dir=out["sel"])
    bf16 = replace(config, inference=replace(config.inference, precision="bf16"))
    bf16_settings = derive_settings(bf16)
    run_hf_reference(spark, bf16, bf16_settings, chosen, out["hf16"])
    numerics = run_compare(spark, config, settings, out["hf16"], out["sn_if"], chosen,
                           out["bf16"], counterfactual="off", selection_dir=out["sel"])
    run_hf_reference(spark, bf16, bf16_settings, str(corpus), out["hf16_all"])
    widened = run_compare(spark, config, settings, out["hf16_all"], out["sn"], str(corpus),
                          out["wide"], counterfactual="off", selection_dir=out["sel"],
                          widened=True)
    rows = {name: pd.read_parquet(f"{out[name]}/rows") for name in ("all", "if", "wide")}
    return {"corpus": pd.read_parquet(corpus), "selection": selection, "result": result,
            "numerics": numerics, "widened": widened, "rows": rows, "out": out,
            "chosen": pd.read_parquet(f"{out['sel']}/rows")}


def _flips(rows: pd.DataFrame) -> set[str]:
    return set(rows.loc[rows["status"] == schema.LABEL_DIFFERS, "id"])


def test_every_row_has_a_status_and_differing_inputs_are_scored(flow):
    rows, chosen = flow["rows"]["if"], flow["chosen"]
    assert sorted(rows["id"]) == sorted(flow["corpus"]["id"])
    assert rows["status"].notna().all() and rows["scoring"].notna().all()
    by_id = rows.set_index("id")
    differing = chosen.loc[chosen["reason"] == schema.INPUT_DIFFERS, "id"]
    assert len(differing) > 0
    assert (by_id.loc[differing, "status"] != schema.INPUT_IDENTICAL_NOT_SCORED).all()
    for edge in ("edge-empty", "edge-whitespace", "edge-null"):
        assert by_id.loc[edge, "scoring"] in schema.ALWAYS_SCORED, edge
    # identical texts scored once: the producers saw one row per distinct text
    assert flow["selection"].texts_scored == chosen.loc[chosen["scored_as"].notna(), "text"] \
        .fillna("\0" + chosen["id"]).nunique()
    copy = by_id.loc[by_id.index.str.startswith("copy-")]
    assert (copy["scoring"] != schema.NOT_SCORED).sum() > 0


def test_flips_equal_those_of_scoring_every_row(flow):
    all_flips, if_flips = _flips(flow["rows"]["all"]), _flips(flow["rows"]["if"])
    assert all_flips and all_flips == if_flips
    # and every scored row reads as the every-row report reads it
    scored = flow["rows"]["if"].query("status != @schema.INPUT_IDENTICAL_NOT_SCORED")
    every = flow["rows"]["all"].set_index("id").loc[scored["id"], "status"]
    assert list(every) == list(scored["status"])


def test_unscored_rows_carry_their_status_and_the_bound_is_stated(flow):
    rows, summary = flow["rows"]["if"], flow["result"].summary
    unscored = rows[rows["scoring"] == schema.NOT_SCORED]
    assert len(unscored) > 0
    assert (unscored["status"] == schema.INPUT_IDENTICAL_NOT_SCORED).all()
    assert unscored[["left_label", "right_label", "max_abs_delta", "changes"]].isna().all().all()
    scoring = summary.scoring
    assert scoring.sample_size == min(sample_size(0.1, 0.95), scoring.identical_input)
    assert scoring.sample_differing == 0 and scoring.not_scored == len(unscored)
    assert scoring.bound == pytest.approx(upper_bound(0, scoring.sample_size, 0.95))
    line = flow["result"].line
    assert "95% confidence fewer than" in line
    assert summary.measured_rows == summary.corpus_rows - len(unscored)
    assert f"of {summary.measured_rows:,} scored rows change label" in line  # never all rows
    written = json.loads(Path(flow["out"]["if"], "summary.json").read_text())
    assert written["scoring"]["not_scored"] == len(unscored)
    assert "input-first" in Path(flow["out"]["if"], "index.html").read_text()
    assert summary.measured_rows == len(rows) - len(unscored)


def test_numerics_that_differ_everywhere_widen_the_run(flow):
    from jobs.hfparity_steps.model_check import _sample_differs

    numerics = flow["numerics"].summary
    assert numerics.scoring.sample_differing > 0 and not numerics.passed
    assert "unscored rows unbounded" in numerics.reason
    assert "identical-input rows whose output differs" in _sample_differs(
        Path(flow["out"]["bf16"]))
    wide = flow["rows"]["wide"]
    assert (wide["status"] != schema.INPUT_IDENTICAL_NOT_SCORED).all()
    assert flow["widened"].summary.scoring.widened
    assert "widened" in flow["widened"].line
