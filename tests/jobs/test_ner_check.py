"""The NER check on real models, real Spark and real Spark NLP jars (one subprocess each: the
cased BERT on six rows, the XLM-R on 34): the leads it relies on, pinned on real runs.

- Spark NLP leaves words past maxSentenceLength without a `named_entity` annotation;
- it labels a word from its first basic-tokenizer chunk (O'Brien-Smythe reaches the model as O);
- Hugging Face on Spark NLP's exact input reproduces Spark NLP's per-word probabilities;
- every word and entity carries a status; the report page marks both sides' entities;
- XLM-R: the same pieces and ids differ only by the `id != 0` mask over <s>, an unknown piece is
  fed as <pad>, and the counterfactual reproduces what those rules make of Spark NLP's words.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from tests.support.paths import REPO


@pytest.fixture(scope="module")
def ner_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("ner")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "tests.support.ner_run", str(out)], env=env,
                          capture_output=True, text=True, check=False, cwd=REPO)
    assert done.returncode == 0, done.stderr[-3000:]
    return out / "report"


def test_words_past_the_limit_have_no_spark_nlp_label(ner_report) -> None:
    words = pd.read_parquet(ner_report / "rows" / "words.parquet")
    assert words.status.notna().all() and words.status.isin(
        ["agree", "scores_differ", "label_differs", "no_sparknlp_label", "no_hf_label"]).all()
    long_row = words[words.id == words.groupby("id").size().idxmax()]
    missing = long_row[long_row.sparknlp_label.isna()]
    assert len(missing) > 10 and set(missing.cause) <= {"truncation"}
    assert long_row.hf_label.notna().all()  # HF's limit is 512


def test_first_chunk_rule_and_counterfactual(ner_report) -> None:
    words = pd.read_parquet(ner_report / "rows" / "words.parquet")
    extra = words[words.id == "zz-extra"].set_index("text")
    assert list(extra.loc["O'Brien-Smythe", "sparknlp_pieces"]) == ["O"]
    assert len(extra.loc["O'Brien-Smythe", "hf_pieces"]) > 1
    summary = json.loads((ner_report / "summary.json").read_text())
    assert summary["differing_words"] > 0
    assert summary["counterfactual_reproduced_share"] >= 0.99
    assert summary["hf_aggregation"] == "first"
    assert set(summary["entity_scores_sparknlp_vs_hf"]) >= {"micro"}


def test_entities_have_a_status_and_the_page_marks_both_sides(ner_report) -> None:
    entities = pd.read_parquet(ner_report / "rows" / "entities.parquet")
    assert entities.status.isin(["match", "type_differs", "boundary_differs",
                                 "sparknlp_only", "hf_only"]).all()
    assert entities[entities.status != "match"].cause.notna().all()
    page = (ner_report / "index.html").read_text()
    assert "Worst rows" in page and 'class="ent ent-' in page


# XLM-R exercises the most SentencePiece rules: <s> (id 0) masked on every row, an unknown piece
# fed as <pad> (rows 52 and 56 hold one), each Spark NLP token encoded on its own.
XLMR_ROWS = ("ner_xlm_roberta", "30", "heldout-00052,heldout-00056")


@pytest.fixture(scope="module")
def xlmr_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("ner_xlmr")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "tests.support.ner_run", str(out), *XLMR_ROWS],
                          env=env, capture_output=True, text=True, check=False, cwd=REPO)
    assert done.returncode == 0, done.stderr[-3000:]
    return out / "report"


def test_xlm_roberta_family_rules_on_the_words_and_the_counterfactual(xlmr_report) -> None:
    words = pd.read_parquet(xlmr_report / "rows" / "words.parquet")
    summary = json.loads((xlmr_report / "summary.json").read_text())
    assert summary["family"] == "xlm-roberta" and summary["rows"] <= 40
    differing = words[words.status != "agree"]
    # Same pieces, same ids: only the `id != 0` mask over <s> is left to differ.
    masked = differing[differing.cause == "start_token_masked"]
    assert len(masked) > 20
    assert all(list(w.sparknlp_pieces) == list(w.hf_pieces) for w in masked.itertuples())
    # The unknown piece: Spark NLP keeps its surface string, Hugging Face names it <unk>.
    unknown = differing[differing.cause == "unknown_as_pad"]
    assert set(unknown.id) <= {"heldout-00052", "heldout-00056"} and len(unknown) >= 2
    assert any("<unk>" in list(w.hf_pieces) for w in unknown.itertuples())
    assert summary["counterfactual_reproduced_share"] >= 0.99
    assert {"start_token_masked", "unknown_as_pad"} <= set(summary["no_setting_removes"])
