"""Families beyond BERT (issue 19): RoBERTa (byte-level BPE) and the SentencePiece families
(XLM-R, DeBERTa-v2, ALBERT), on set-up's small test models.

Fast tests read the checkpoints only (inspection, refusals, the BPE trainer's determinism). The
slow test runs `hfparity check` per family on a small slice with real Spark NLP (each family in
Spark processes of its own: Spark NLP keeps one model.onnx per SparkContext) and checks what
the records say each side fed its model, and that the counterfactual on Spark NLP's exact model
input reproduces Spark NLP's probabilities.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from hf_reference.build_test_models import RECIPES
from parity_core.checkpoint import FAMILIES, inspect_checkpoint
from parity_core.config import cache_dir
from parity_core.errors import ConfigError

REPO = Path(__file__).resolve().parent.parent
OTHER_FAMILIES = sorted(name for name, r in RECIPES.items() if r.family not in
                        ("bert", "distilbert"))
SLICE_ROWS = 40


def checkpoint(name: str) -> Path:
    folder = cache_dir() / "models" / name / "checkpoint"
    if not (folder / "model.safetensors").is_file():
        pytest.fail(f"{folder}: test model missing: run `make setup` first")
    return folder


@pytest.mark.parametrize("name", OTHER_FAMILIES)
def test_inspection_names_the_family_its_assets_and_casing(name):
    recipe = RECIPES[name]
    info = inspect_checkpoint(checkpoint(name))
    family = FAMILIES[recipe.family]
    assert info.family == family
    assert info.do_lower_case is recipe.lowercase
    vocab = info.vocabulary()
    assert all(token in vocab for token in family.special_tokens)
    if family.spm_file is not None:
        assert info.vocabulary_bytes() == (checkpoint(name) / family.spm_file).read_bytes()
    else:  # BPE: vocab.json's order, merges in tokenizer.json's rank order
        by_id = json.loads((checkpoint(name) / "vocab.json").read_text(encoding="utf-8"))
        assert vocab[:len(by_id)] == sorted(by_id, key=by_id.get)
        merges = (checkpoint(name) / "merges.txt").read_text(encoding="utf-8").splitlines()
        assert info.merges() == [m for m in merges if not m.startswith("#version")]
    metrics = json.loads((checkpoint(name) / "training_metrics.json").read_text())
    assert metrics["held_out_accuracy"] >= metrics["majority_baseline"] + 0.05


@pytest.mark.parametrize("name", [n for n in OTHER_FAMILIES
                                  if FAMILIES[RECIPES[n].family].spm_file is not None])
def test_sentencepiece_checkpoint_without_its_model_file_is_refused(name, tmp_path):
    source = checkpoint(name)
    spm_file = FAMILIES[RECIPES[name].family].spm_file
    for item in source.iterdir():
        if item.name != spm_file and item.is_file():
            shutil.copy(item, tmp_path / item.name)
    with pytest.raises(ConfigError) as refused:
        inspect_checkpoint(tmp_path)
    assert f"{tmp_path}: {spm_file}: missing" in str(refused.value)
    assert "tokenizer.json is not accepted" in str(refused.value)


def test_byte_level_bpe_training_is_reproducible():
    from hf_reference.scratch_bpe import train_byte_level_bpe
    from hf_reference.three_label_corpus import three_label_split

    texts = three_label_split().train["text"].tolist()[:1500]
    first, second = (train_byte_level_bpe(texts, 1200, 2) for _ in range(2))
    assert first.get_vocab() == second.get_vocab()
    assert first.to_str() == second.to_str()


@pytest.mark.slow
@pytest.mark.parametrize("name", OTHER_FAMILIES)
def test_check_runs_the_family_and_the_counterfactual_reproduces(name, tmp_path):
    folder = checkpoint(name)
    corpus = pd.read_parquet(cache_dir() / "models" / "corpus_3label.parquet", use_threads=False)
    picked = corpus.head(SLICE_ROWS)
    path = tmp_path / "slice.parquet"
    picked[["id", "text"]].to_parquet(path, index=False)
    out = tmp_path / "check"
    (out / "model").mkdir(parents=True)
    for part in ("onnx", "sparknlp_model"):  # set-up's import: `check` finds it current
        (out / "model" / part).symlink_to(cache_dir() / "models" / name / part)
    done = subprocess.run(
        [sys.executable, "-m", "jobs.hfparity", "check", "--checkpoint", str(folder),
         "--corpus", str(path), "--output", str(out)],
        cwd=REPO, env=dict(os.environ), capture_output=True, text=True, timeout=1800,
        check=False)
    assert done.returncode in (0, 1), done.stderr[-4000:]
    assert "import: cached" in done.stdout
    family = FAMILIES[RECIPES[name].family]
    summary = json.loads((out / "report" / "summary.json").read_text(encoding="utf-8"))
    right = summary["fingerprints"]["right"]
    assert right["sparknlp"]["family"] == family.name
    assert right["sparknlp"]["annotator"].endswith(family.sparknlp_annotator)
    rows = pd.read_parquet(out / "report" / "rows", use_threads=False)
    assert sorted(rows.id) == sorted(picked.id) and rows.status.notna().all()

    hf = pd.read_parquet(out / "hf", use_threads=False).set_index("id")
    spark_nlp = pd.read_parquet(out / "sparknlp", use_threads=False).set_index("id")
    scored = spark_nlp[spark_nlp.status == "ok"]
    assert len(scored) >= SLICE_ROWS - 2
    for record_id, record in scored.iterrows():
        ids, mask = list(record.input_ids), list(record.attention_mask)
        assert ids == [p["id"] for p in record.pieces], record_id
        assert mask == [0 if i == 0 else 1 for i in ids], record_id  # Spark NLP: id != 0
        assert (record.token_type_ids is not None) == ("token_type_ids" in family.onnx_inputs)
        assert list(hf.loc[record_id, "attention_mask"]) == [1] * len(hf.loc[record_id,
                                                                             "input_ids"])
    rerun = rows[rows.cf_verdict.notna()]
    assert len(rerun) > 0
    reproduced = (rerun.cf_verdict == "reproduced").mean()
    assert reproduced >= 0.99, rerun.groupby(["cause", "cf_verdict"]).size()
    differing = rows[rows.status != "same"]
    assert differing.cause.notna().all()
