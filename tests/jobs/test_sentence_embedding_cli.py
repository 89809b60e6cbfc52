"""`hfparity` hands a sentence-transformers folder to the sentence-embedding task (modules.json
names a Pooling module) and refuses what it cannot run with exit 2 and the file named."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from jobs.hfparity import main

MODELS = Path(os.environ.get("HFPARITY_CACHE", "~/.cache/hfparity")).expanduser() / "models"


def _folder() -> Path:
    folder = MODELS / "minilm_mean" / "checkpoint"
    if not (folder / "modules.json").is_file():
        pytest.fail(f"{folder} missing: run `make assets`")
    return folder


def test_check_without_a_corpus_is_refused(tmp_path, capsys):
    code = main(["check", "--checkpoint", str(_folder()), "--output", str(tmp_path / "out")])
    assert code == 2
    assert "--corpus" in capsys.readouterr().err


def test_a_dense_module_is_refused_by_name(tmp_path, capsys):
    folder = tmp_path / "st"
    shutil.copytree(_folder(), folder, ignore=shutil.ignore_patterns("model.safetensors"))
    modules = json.loads((folder / "modules.json").read_text())
    modules.append({"idx": 3, "name": "3", "path": "3_Dense",
                    "type": "sentence_transformers.models.Dense"})
    (folder / "modules.json").write_text(json.dumps(modules))
    code = main(["import", "--checkpoint", str(folder), "--output", str(tmp_path / "model")])
    assert code == 2
    err = capsys.readouterr().err
    assert "modules.json" in err and "Dense" in err
