"""The four NER family test models set-up builds (ner_family_models.py): what keys them, what
they are derived from, and (read from the cache `make assets` filled) what each manifest
records. No training here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hf_reference.setup_models import ner_family_models as family_models
from hf_reference.setup_models import ner_models
from parity_core.config import cache_dir
from parity_core.families import family
from parity_core.tasks.token_classification import ARCHITECTURES


def test_the_six_families_each_have_one_ner_test_model() -> None:
    sources = {**ner_models.MODELS, **family_models.MODELS}
    assert not set(ner_models.MODELS) & set(family_models.MODELS)
    built = {}
    for name, (source, architecture) in sources.items():
        manifest = json.loads((cache_dir() / "models" / source / "manifest.json").read_text())
        config = json.loads((cache_dir() / "models" / source / "checkpoint" / "config.json")
                            .read_text())
        built[config["model_type"]] = architecture
        assert manifest, name
    assert built == {name: hf for name, (hf, _) in ARCHITECTURES.items()}


def _fake_source(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(text)
    return folder


def test_the_key_follows_the_source_manifest_and_the_recipe(tmp_path, monkeypatch) -> None:
    one = _fake_source(tmp_path / "a", '{"sha": 1}')
    other = _fake_source(tmp_path / "b", '{"sha": 2}')
    key = family_models.derivation_key(one)
    assert key == family_models.derivation_key(one) and len(key) == 16
    assert key != family_models.derivation_key(other)
    monkeypatch.setitem(family_models.RECIPE, "epochs", family_models.RECIPE["epochs"] + 1)
    assert family_models.derivation_key(one) != key


def test_only_missing_sentencepiece_files_are_copied(tmp_path) -> None:
    source, out = tmp_path / "source", tmp_path / "out"
    source.mkdir()
    out.mkdir()
    (source / "spm.model").write_bytes(b"spm")
    (source / "spiece.model").write_bytes(b"new")
    (out / "spiece.model").write_bytes(b"saved")
    assert family_models.copy_spm_file(source, out) == ["spm.model"]
    assert (out / "spm.model").read_bytes() == b"spm"
    assert (out / "spiece.model").read_bytes() == b"saved"


@pytest.mark.parametrize("name", sorted(family_models.MODELS))
def test_each_built_model_records_its_f1_and_ships_its_assets(name) -> None:
    """Each manifest holds the model's held-out entity scores beside the gazetteer's (the same
    baseline for every model), and the model learned more than the lookup."""
    root = cache_dir() / "models" / name
    manifest = json.loads((root / "manifest.json").read_text())
    evaluation = manifest["evaluation"]
    assert evaluation["heldout_rows"] == 240 and evaluation["aggregation"] == "first"
    baseline = json.loads((cache_dir() / "models" / "ner_cased_bert" / "manifest.json")
                          .read_text())["evaluation"]["gazetteer_baseline"]
    assert evaluation["gazetteer_baseline"] == baseline
    assert all(evaluation["model"][kind]["predicted"] > 0 for kind in ("PER", "ORG", "LOC"))
    assert evaluation["model"]["micro"]["f1"] > evaluation["gazetteer_baseline"]["micro"]["f1"]
    assert manifest["recipe"] == family_models.RECIPE
    config = json.loads((root / "checkpoint" / "config.json").read_text())
    assert config["architectures"] == [family_models.MODELS[name][1]]
    assert [config["id2label"][str(i)] for i in range(7)] == manifest["labels"]
    spm_file = family(config["model_type"]).spm_file
    assert spm_file is None or (root / "checkpoint" / spm_file).is_file()
