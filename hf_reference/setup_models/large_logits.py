"""A test checkpoint whose logits are large (±16), derived from set-up's cased BERT in seconds.

Fine-tuned classifiers commonly reach logits of ±12 and more; the export check must take them
(hf_reference/export_check.py). Training one would cost minutes, so this copies the cased BERT
test checkpoint and multiplies the classifier head (weight and bias) by SCALE: every logit is
exactly SCALE times the source's (a power of two scales floats exactly), so the argmax, the
labels and the tokenizer are the source's, and only the logits' size changes.

Keyed by the source's manifest sha256 and this file's own sha256 (it is not one of
build_test_models.CODE_FILES: editing it rebuilds this model only, in seconds), built into
CACHE/assets/models/<key>/ and linked as CACHE/models/large_logits.
Run: python -m hf_reference.setup_models.large_logits [--cache DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import time
from pathlib import Path

from hf_reference.setup_models.build_test_models import point_link
from parity_core.config import cache_dir
from parity_core.fingerprint import sha256_file, write_model_manifest

NAME = "large_logits"
SOURCE = "cased_bert"
SCALE = 4.0  # cased BERT's logits reach ~4 on its corpus: x4 -> ~16
HEAD = ("classifier.weight", "classifier.bias")
MIN_MAX_LOGIT = 12.0  # refuse to build a "large-logit" model whose logits are not large


def say(message: str) -> None:
    print(f"[setup] {message}", flush=True)


def derivation_key(source: Path) -> str:
    digest = hashlib.sha256()
    digest.update(sha256_file(source / "manifest.json").encode())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()[:16]


def _scale_head(checkpoint: Path) -> None:
    from safetensors.torch import load_file, save_file

    weights = checkpoint / "model.safetensors"
    tensors = load_file(str(weights))
    for name in HEAD:
        tensors[name] = tensors[name] * SCALE
    save_file(tensors, str(weights), metadata={"format": "pt"})


def _max_abs_logit(checkpoint: Path) -> float:
    """The largest |logit| on the export check's texts (what the check measures against)."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from hf_reference.export import CHECK_TEXTS

    model = AutoModelForSequenceClassification.from_pretrained(
        str(checkpoint), local_files_only=True).eval()
    tokenizer = AutoTokenizer.from_pretrained(str(checkpoint), local_files_only=True)
    with torch.inference_mode():
        batch = tokenizer(list(CHECK_TEXTS), truncation=True, max_length=128, padding=True,
                          return_tensors="pt")
        return float(model(**batch).logits.abs().max())


def build(root: Path) -> Path:
    """Build (or find) root/assets/models/<key>/checkpoint and link root/models/large_logits."""
    source = (root / "models" / SOURCE).resolve()
    if not (source / "manifest.json").is_file():
        raise FileNotFoundError(f"{source}: the {SOURCE} test model is missing; run "
                                "python -m hf_reference.setup_models.build_test_models first")
    key = derivation_key(source)
    target = root / "assets" / "models" / f"{NAME}-{key}"
    if not (target / "manifest.json").is_file():
        started = time.time()
        work = target.parent / f".{NAME}-{key}.{os.getpid()}.building"
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(source / "checkpoint", work / "checkpoint")
        _scale_head(work / "checkpoint")
        largest = _max_abs_logit(work / "checkpoint")
        if largest < MIN_MAX_LOGIT:
            raise RuntimeError(f"{NAME}: max |logit| {largest:.2f} < {MIN_MAX_LOGIT}")
        source_manifest = json.loads((source / "manifest.json").read_text())
        manifest = {**source_manifest, "name": NAME, "derived_from": str(source),
                    "derived_from_manifest_sha256": sha256_file(source / "manifest.json"),
                    "head_scale": SCALE, "max_abs_logit_check_texts": round(largest, 3),
                    "checkpoint_sha256": sha256_file(work / "checkpoint" / "model.safetensors"),
                    "build_seconds": round(time.time() - started, 1)}
        write_model_manifest(work / "checkpoint", manifest)
        (work / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        if (target / "manifest.json").is_file():  # a concurrent build won
            shutil.rmtree(work)
        else:
            shutil.rmtree(target, ignore_errors=True)
            os.replace(work, target)
            say(f"{NAME}: built in {manifest['build_seconds']} s (max |logit| {largest:.1f}) "
                f"-> {target}")
    else:
        say(f"{NAME}: cached ({target})")
    return point_link(root, NAME, target)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", default=str(cache_dir()), help="cache root (HFPARITY_CACHE)")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    build(Path(args.cache).expanduser())
    return 0


if __name__ == "__main__":
    sys.exit(main())
