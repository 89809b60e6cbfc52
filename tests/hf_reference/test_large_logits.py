"""Set-up's large-logit test model is the cased BERT with exactly 4x its logits, in the cache."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from hf_reference.setup_models.large_logits import NAME, SCALE, SOURCE, derivation_key


def test_large_logits_are_the_source_logits_times_the_scale():
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from hf_reference.export import CHECK_TEXTS

    models = Path(os.environ.get("HFPARITY_CACHE", "~/.cache/hfparity")).expanduser() / "models"
    if not (models / NAME / "manifest.json").is_file():
        pytest.fail(f"{models / NAME} missing: run `make setup` first")
    manifest = json.loads((models / NAME / "manifest.json").read_text())
    assert (models / NAME).resolve().name == f"{NAME}-{derivation_key(models / SOURCE)}"
    logits = {}
    for name in (SOURCE, NAME):
        folder = str(models / name / "checkpoint")
        model = AutoModelForSequenceClassification.from_pretrained(folder).eval()
        batch = AutoTokenizer.from_pretrained(folder)(list(CHECK_TEXTS), truncation=True,
                                                      max_length=128, padding=True,
                                                      return_tensors="pt")
        with torch.inference_mode():
            logits[name] = model(**batch).logits
    assert torch.equal(logits[NAME], logits[SOURCE] * SCALE)  # exact: SCALE is a power of 2
    assert float(logits[NAME].abs().max()) > 12
    assert manifest["head_scale"] == SCALE and manifest["labels"] == ["fresh", "rotten", "plot"]
