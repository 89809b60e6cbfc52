"""Build small 3-label test checkpoints from scratch (one per family) and their corpus.

Parity needs more than one real model: a cased vocabulary with accents (Hugging Face keeps them,
Spark NLP strips them) and every other family Spark NLP imports (DistilBERT, RoBERTa, XLM-R,
DeBERTa-v2, ALBERT), each fed its own model input. No hub is reachable, so each model trains its
own tokenizer (WordPiece, byte-level BPE or SentencePiece) and weights here, in about a minute.
The recipe (code, hyper-parameters, data file, library versions) is hashed; the hash names the
cache folder, so a second run returns in seconds.
Run: python -m hf_reference.setup_models.build_test_models [--cache DIR] [--only NAME]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from hf_reference.setup_models.default_corpus import rotten_tomatoes_file
from hf_reference.setup_models.recipe import Recipe
from hf_reference.setup_models.scratch_training import say
from hf_reference.setup_models.three_label_corpus import (
    LABELS_3,
    three_label_corpus,
    three_label_split,
)
from parity_core.config import cache_dir
from parity_core.fingerprint import package_versions, sha256_file, write_model_manifest

# Bump when something outside the hashed sources changes the assets.
RECIPE_VERSION = "1"
LIBRARIES = ("torch", "transformers", "tokenizers", "safetensors")
CODE_FILES = ("build_test_models.py", "recipe.py", "scratch_tokenizer.py", "scratch_bpe.py",
              "scratch_spm.py", "scratch_training.py", "three_label_corpus.py", "default_corpus.py")
MIN_MARGIN_OVER_MAJORITY = 0.05
MIN_LABEL_RECALL = 0.3  # refuse a head that (nearly) never predicts one of the labels
CORPUS_FILE = "corpus_3label.parquet"


RECIPES = {
    # Cased: exercises Spark NLP's caseSensitive and its accent stripping, which HF does not do.
    "cased_bert": Recipe("cased_bert", "bert", lowercase=False),
    # Uncased, like distilbert-base-uncased, the DistilBERT users most often fine-tune.
    "distilbert": Recipe("distilbert", "distilbert", lowercase=True),
    # Byte-level BPE trained here, RoBERTa's special ids (<s> is 0: Spark NLP masks id 0).
    "roberta": Recipe("roberta", "roberta", lowercase=False),
    # SentencePiece (unigram) models trained here, each with its family's special ids.
    "xlm_roberta": Recipe("xlm_roberta", "xlm-roberta", lowercase=False),
    # Shaped like DeBERTa-v3 checkpoints: the embedding matrix has spare rows beyond the
    # SentencePiece vocabulary (128,100 for 128,000 pieces), so Spark NLP 5.5.3, which feeds
    # every piece id + 1, runs it (shifted) instead of indexing past the matrix.
    "deberta": Recipe("deberta", "deberta-v2", lowercase=False, spare_embedding_rows=100),
    # ALBERT lowercases (keep_accents false) and factorises its embeddings (128 -> 64 here).
    "albert": Recipe("albert", "albert", lowercase=True, embedding_size=64),
}
TOKENIZER_CLASS = {"bert": "BertTokenizer", "distilbert": "DistilBertTokenizer"}


def code_sha256() -> str:
    """The source of every module that shapes the assets: editing one rebuilds the models."""
    digest = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for name in CODE_FILES:
        digest.update(name.encode() + b"\0" + (here / name).read_bytes())
    return digest.hexdigest()


def recipe_hash(recipe: Recipe) -> str:
    """Cache key: recipe version, hyper-parameters, code, data file sha256, library versions."""
    parts = {
        "version": RECIPE_VERSION,
        "recipe": asdict(recipe),
        "labels": list(LABELS_3),
        "code_sha256": code_sha256(),
        "data_sha256": sha256_file(rotten_tomatoes_file()),
        "libraries": package_versions(LIBRARIES),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]


def build_tokenizer(recipe: Recipe, texts: list[str], folder: Path) -> tuple[Any, dict]:
    """The family's tokenizer trained on texts, saved into folder, checked; (tokenizer, facts)."""
    if recipe.family == "roberta":
        from hf_reference.setup_models.scratch_bpe import (
            save_roberta_tokenizer,
            tokenizer_facts,
            train_byte_level_bpe,
        )

        bpe = train_byte_level_bpe(texts, recipe.vocab_size, recipe.min_frequency)
        tokenizer = save_roberta_tokenizer(bpe, folder)
        return tokenizer, tokenizer_facts(tokenizer)
    if recipe.family in ("xlm-roberta", "deberta-v2", "albert"):
        from hf_reference.setup_models import scratch_spm

        model = scratch_spm.train_sentencepiece(texts, recipe.family, recipe.vocab_size)
        tokenizer = scratch_spm.save_spm_tokenizer(model, recipe.family, folder)
        return tokenizer, scratch_spm.tokenizer_facts(tokenizer)
    from hf_reference.setup_models.scratch_tokenizer import (
        casing_facts,
        check_casing,
        save_tokenizer_files,
        train_wordpiece,
    )

    wordpiece = train_wordpiece(texts, recipe.lowercase, recipe.vocab_size, recipe.min_frequency)
    tokenizer = save_tokenizer_files(wordpiece, folder, TOKENIZER_CLASS[recipe.family],
                                     recipe.lowercase)
    facts = casing_facts(tokenizer)
    check_casing(facts, recipe.lowercase)
    return tokenizer, facts


def build_checkpoint(recipe: Recipe, folder: Path, threads: int) -> dict[str, Any]:
    """Vocabulary, weights and tokenizer files into folder; returns the training metrics."""
    import torch
    from transformers import AutoModelForSequenceClassification

    from hf_reference.setup_models.scratch_training import evaluate, new_model, predict, train

    torch.set_num_threads(threads)
    split = three_label_split()
    texts, targets = split.train["text"].tolist(), split.train["label_id"].tolist()
    started = time.time()
    tokenizer, facts = build_tokenizer(recipe, texts, folder)
    vocab_seconds = time.time() - started
    say(f"{recipe.name}: vocabulary {len(tokenizer)} tokens in {vocab_seconds:.1f} s; {facts}")

    torch.manual_seed(recipe.seed)
    model = new_model(recipe, len(tokenizer))
    started = time.time()
    train(model, tokenizer, texts, targets, recipe)
    train_seconds = time.time() - started

    started = time.time()
    held_texts = split.held_out["text"].tolist()
    logits = predict(model, tokenizer, held_texts, recipe.max_length)
    scores = evaluate(logits, split.held_out["label_id"].tolist())
    eval_seconds = time.time() - started
    say(f"{recipe.name}: held-out accuracy {scores['held_out_accuracy']:.4f} on "
        f"{len(held_texts)} rows (majority baseline {scores['majority_baseline']:.4f}); "
        f"recall {scores['recall']}")
    floor = scores["majority_baseline"] + MIN_MARGIN_OVER_MAJORITY
    if scores["held_out_accuracy"] < floor:
        raise RuntimeError(f"{recipe.name}: held-out accuracy {scores['held_out_accuracy']:.4f} "
                           f"< majority baseline + {MIN_MARGIN_OVER_MAJORITY} = {floor:.4f}")
    weak = {k: v for k, v in scores["recall"].items() if v < MIN_LABEL_RECALL}
    if weak:
        raise RuntimeError(f"{recipe.name}: recall below {MIN_LABEL_RECALL} for {weak}")

    model.save_pretrained(str(folder), safe_serialization=True)
    reloaded = AutoModelForSequenceClassification.from_pretrained(
        str(folder), local_files_only=True).eval()
    sample = held_texts[:64]
    delta = float(abs(predict(reloaded, tokenizer, sample, recipe.max_length)
                      - logits[:64]).max())
    if type(reloaded) is not type(model) or delta > 1e-5:
        raise RuntimeError(f"{recipe.name}: reloaded {type(reloaded).__name__} differs "
                           f"(max |Δlogit| {delta:.2e})")
    metrics = {
        **scores,
        "held_out_rows": len(held_texts),
        "train_rows": len(texts),
        "vocab_size": len(tokenizer),
        "embedding_rows": len(tokenizer) + recipe.spare_embedding_rows,
        "parameters": sum(p.numel() for p in model.parameters()),
        "weights_bytes": (folder / "model.safetensors").stat().st_size,
        "vocab_seconds": round(vocab_seconds, 1),
        "train_seconds": round(train_seconds, 1),
        "eval_seconds": round(eval_seconds, 1),
        "threads": threads,
        "tokenizer": facts,
        "recipe": asdict(recipe),
    }
    (folder / "training_metrics.json").write_text(json.dumps(metrics, indent=2) + "\n",
                                                  encoding="utf-8")
    return metrics


def vocabulary_file(recipe: Recipe, checkpoint: Path) -> Path:
    """The file that holds the recipe's vocabulary (hashed into the manifest)."""
    if recipe.family == "roberta":
        return checkpoint / "vocab.json"
    if recipe.family in ("xlm-roberta", "deberta-v2", "albert"):
        from hf_reference.setup_models.scratch_spm import SPM_FAMILIES

        return checkpoint / SPM_FAMILIES[recipe.family].model_file
    return checkpoint / "vocab.txt"


def build(root: Path, recipe: Recipe, threads: int) -> Path:
    """Build (or find) root/assets/models/<recipe hash>/checkpoint; atomic rename when done."""
    key = recipe_hash(recipe)
    target = root / "assets" / "models" / key
    if (target / "manifest.json").is_file():
        say(f"{recipe.name}: cached ({target})")
        return target
    say(f"{recipe.name}: building recipe {key} into {target}")
    work = target.parent / f".{key}.{os.getpid()}.building"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    started = time.time()
    metrics = build_checkpoint(recipe, work / "checkpoint", threads)
    checkpoint = work / "checkpoint"
    manifest = {
        "recipe": key,
        "name": recipe.name,
        "family": recipe.family,
        "labels": list(LABELS_3),
        "do_lower_case": recipe.lowercase,
        "strip_accents": recipe.lowercase,
        "checkpoint_sha256": sha256_file(checkpoint / "model.safetensors"),
        "vocab_sha256": sha256_file(vocabulary_file(recipe, checkpoint)),
        "tokenizer_sha256": sha256_file(checkpoint / "tokenizer.json"),
        "data_sha256": sha256_file(rotten_tomatoes_file()),
        "code_sha256": code_sha256(),
        "libraries": package_versions(LIBRARIES),
        "build_seconds": round(time.time() - started, 1),
        "training": {k: v for k, v in metrics.items() if k not in ("tokenizer", "recipe")},
        "hyper_parameters": asdict(recipe),
    }
    write_model_manifest(checkpoint, manifest)
    (work / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    if (target / "manifest.json").is_file():  # a concurrent build of the same recipe won
        shutil.rmtree(work)
        return target
    shutil.rmtree(target, ignore_errors=True)
    os.replace(work, target)
    say(f"{recipe.name}: built in {manifest['build_seconds']:.0f} s -> {target}")
    return target


def point_link(root: Path, name: str, target: Path) -> Path:
    """root/models/<name> -> ../assets/models/<hash> (what conf/<name>.yaml names)."""
    link = root / "models" / name
    link.parent.mkdir(parents=True, exist_ok=True)
    tmp = link.parent / f".{name}.tmp"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(os.path.relpath(target, link.parent))
    os.replace(tmp, link)
    return link


def write_corpus(root: Path) -> Path:
    """The shared 3-label held-out corpus; cheap, so rewritten only when its content changes."""
    import pandas as pd

    corpus = three_label_corpus(three_label_split().held_out)
    path = root / "models" / CORPUS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    # use_threads=False: a threaded read aborted the interpreter at exit in about 1 run of 3
    # here ("terminate called without an active exception", apache/arrow#34314).
    if path.is_file() and pd.read_parquet(path, use_threads=False).equals(corpus):
        say(f"3-label corpus: cached ({len(corpus)} rows, {path})")
        return path
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    corpus.to_parquet(tmp, index=False)
    os.replace(tmp, path)
    say(f"3-label corpus: {len(corpus)} held-out rows -> {path}")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", default=str(cache_dir()), help="cache root (HFPARITY_CACHE)")
    parser.add_argument("--only", choices=sorted(RECIPES), help="build one model only")
    # One thread: 128-wide matrices gain little from a second one, and on a shared machine two
    # OpenMP threads spin-waiting on each other ran 7x slower (1.56 s vs 0.23 s a step).
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # no bars in make's log
    root = Path(args.cache).expanduser()
    started = time.time()
    for name in [args.only] if args.only else list(RECIPES):
        link = point_link(root, name, build(root, RECIPES[name], args.threads))
        say(f"{name} ready: {link} -> {os.readlink(link)}")
    write_corpus(root)
    say(f"test models done in {time.time() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
