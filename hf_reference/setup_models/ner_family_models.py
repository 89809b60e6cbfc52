"""NER test checkpoints for the four families ner_models.py does not build: DistilBERT, XLM-R,
DeBERTa-v2 and ALBERT, on the same corpus and labels as ner_cased_bert and ner_roberta.

Each loads a set-up sequence test model's encoder and tokenizer (models/distilbert, xlm_roberta,
deberta, albert) into the family's `XxxForTokenClassification` with a new 7-label head and
fine-tunes it on ner_corpus.py's training rows, reusing ner_models.py's encoding (gold BIO label
on every piece, max length 128), batching, corpus files, HF entities and gazetteer (entity F1 on
the held-out slice, HF pipeline "first", against the gazetteer baseline, in each manifest; the
baseline is computed once a run, not once a model).

Why a module of its own: ner_models.py's bytes key the two existing NER models, so editing it
would rebuild them. This recipe differs from theirs on purpose, to stay within ~120 s a model on
a quiet machine: 2 epochs instead of 3, and one torch thread (two OpenMP threads spin-waiting on
a shared 2-core machine ran a step 7x slower: build_test_models.py); every layer is trained.

Keyed by the source model's manifest sha256, RECIPE, this file, ner_models.py and ner_corpus.py
(the corpus and encoding it reuses); built into CACHE/assets/models/ner_<family>-<key>/ and
linked as CACHE/models/ner_<family>. A SentencePiece tokenizer's `save_pretrained` writes no
.model file, which Spark NLP's import needs: it is copied from the source checkpoint.
Run: python -m hf_reference.setup_models.ner_family_models [--cache DIR] [--only NAME]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from hf_reference.setup_models import ner_corpus, ner_models
from hf_reference.setup_models.build_test_models import point_link
from parity_core.config import cache_dir
from parity_core.families.unicode import trim_leading_space
from parity_core.fingerprint import sha256_file, write_model_manifest
from parity_core.tasks import token_classification as task

# name -> (source test model, transformers token-classification class)
MODELS = {
    "ner_distilbert": ("distilbert", "DistilBertForTokenClassification"),
    "ner_xlm_roberta": ("xlm_roberta", "XLMRobertaForTokenClassification"),
    "ner_deberta": ("deberta", "DebertaV2ForTokenClassification"),
    "ner_albert": ("albert", "AlbertForTokenClassification"),
}
# The SentencePiece model file each source checkpoint ships (parity_core.families' assets).
SPM_FILES = ("sentencepiece.bpe.model", "spm.model", "spiece.model")
RECIPE = {"epochs": 2, "threads": 1, "lr": ner_models.LR, "batch": ner_models.BATCH,
          "max_length": ner_models.MAX_LENGTH, "seed": ner_models.SEED, "version": 1}
CODE_FILES = (Path(__file__), Path(ner_models.__file__), Path(ner_corpus.__file__))


def derivation_key(source: Path) -> str:
    """Cache key: the source model's manifest, the recipe and the code that shapes the model."""
    digest = hashlib.sha256()
    digest.update(sha256_file(source / "manifest.json").encode())
    digest.update(json.dumps(RECIPE, sort_keys=True).encode())
    for code in CODE_FILES:
        digest.update(code.name.encode() + b"\0" + code.read_bytes())
    return digest.hexdigest()[:16]


def train(source: Path, architecture: str, train_rows: list[ner_corpus.Sentence],
          out: Path) -> dict[str, Any]:
    """Fine-tune source's encoder with a new token-classification head (RECIPE); save to out
    with the tokenizer and the source's SentencePiece model file."""
    import torch
    import transformers
    from transformers import AutoTokenizer

    torch.manual_seed(RECIPE["seed"])
    torch.set_num_threads(RECIPE["threads"])
    labels = list(ner_corpus.LABELS)
    tokenizer = AutoTokenizer.from_pretrained(str(source), local_files_only=True)
    model = getattr(transformers, architecture).from_pretrained(
        str(source), num_labels=len(labels), id2label=dict(enumerate(labels)),
        label2id={x: i for i, x in enumerate(labels)}, ignore_mismatched_sizes=True,
        local_files_only=True)
    model.config.problem_type = None
    examples = ner_models._encode(tokenizer, train_rows)
    optimizer = torch.optim.AdamW(model.parameters(), lr=RECIPE["lr"])
    rng = random.Random(RECIPE["seed"])
    model.train()
    losses = []
    for _ in range(RECIPE["epochs"]):
        for ids, mask, gold in ner_models._batches(examples, tokenizer.pad_token_id, rng):
            loss = model(input_ids=ids, attention_mask=mask, labels=gold).loss
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            losses.append(loss.item())
    model.eval()
    model.save_pretrained(str(out))
    tokenizer.save_pretrained(str(out))
    copy_spm_file(source, out)
    return {"epochs": RECIPE["epochs"], "threads": RECIPE["threads"], "steps": len(losses),
            "train_rows": len(train_rows), "final_loss": round(losses[-1], 4)}


def copy_spm_file(source: Path, out: Path) -> list[str]:
    """Copy the source checkpoint's SentencePiece model file(s) that `save_pretrained` left out;
    returns the names copied."""
    copied = []
    for name in SPM_FILES:
        if (source / name).is_file() and not (out / name).is_file():
            shutil.copy2(source / name, out / name)
            copied.append(name)
    return copied


class Baseline:
    """The gazetteer baseline's held-out scores, computed once a run: they do not depend on the
    model, and matching every training entity string against every held-out row is most of
    ner_models.evaluate's time (minutes; a model's own scores take seconds)."""

    def __init__(self, splits: dict[str, list[ner_corpus.Sentence]]) -> None:
        self.splits = splits
        self._scores: dict[str, Any] | None = None

    def scores(self) -> dict[str, Any]:
        if self._scores is None:
            heldout = self.splits["heldout"]
            found = ner_models.gazetteer(self.splits["train"], [s.text for s in heldout])
            scores = task.entity_scores([list(s.entities) for s in heldout], found)
            self._scores = {k: v.as_dict() for k, v in scores.items()}
        return self._scores


def evaluate(checkpoint: Path, baseline: Baseline) -> dict[str, Any]:
    """Entity F1 on the held-out slice: the model (HF pipeline, "first") and the gazetteer, as
    ner_models.evaluate records them, the pipeline's spans by the span rule (leading whitespace
    left out: DeBERTa-v2's offsets start an entity at the space before it, which alone took
    ner_deberta's F1 from 0.30 to 0.07)."""
    heldout = baseline.splits["heldout"]
    texts = [s.text for s in heldout]
    found = [[(*trim_leading_space(text, start, end), kind) for start, end, kind in row]
             for text, row in zip(texts, ner_models.hf_entities(checkpoint, texts))]
    model = task.entity_scores([list(s.entities) for s in heldout], found)
    return {"heldout_rows": len(heldout), "aggregation": task.DEFAULT_AGGREGATION,
            "model": {k: v.as_dict() for k, v in model.items()},
            "gazetteer_baseline": baseline.scores()}


def build_one(root: Path, name: str, baseline: Baseline) -> Path:
    """Build (or find) root/assets/models/<name>-<key>/checkpoint; link root/models/<name>."""
    source_name, architecture = MODELS[name]
    source = (root / "models" / source_name).resolve()
    if not (source / "manifest.json").is_file():
        raise FileNotFoundError(f"{source}: the {source_name} test model is missing; run "
                                "python -m hf_reference.setup_models.build_test_models first")
    key = derivation_key(source)
    target = root / "assets" / "models" / f"{name}-{key}"
    if (target / "manifest.json").is_file():
        ner_models.say(f"{name}: cached ({target})")
        return point_link(root, name, target)
    started = time.time()
    work = target.parent / f".{name}-{key}.{os.getpid()}.building"
    shutil.rmtree(work, ignore_errors=True)
    training = train(source / "checkpoint", architecture, baseline.splits["train"],
                     work / "checkpoint")
    trained = time.time() - started
    scores = evaluate(work / "checkpoint", baseline)
    manifest = {"name": name, "architecture": architecture, "derived_from": str(source),
                "derived_from_manifest_sha256": sha256_file(source / "manifest.json"),
                "labels": list(ner_corpus.LABELS), "recipe": RECIPE, "training": training,
                "train_seconds": round(trained, 1), "evaluation": scores,
                "checkpoint_sha256": sha256_file(work / "checkpoint" / "model.safetensors"),
                "build_seconds": round(time.time() - started, 1)}
    write_model_manifest(work / "checkpoint", manifest)
    (work / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    if (target / "manifest.json").is_file():  # a concurrent build won
        shutil.rmtree(work)
    else:
        shutil.rmtree(target, ignore_errors=True)
        os.replace(work, target)
    ner_models.say(
        f"{name}: built in {manifest['build_seconds']} s (trained {manifest['train_seconds']} "
        f"s), held-out entity F1 {scores['model']['micro']['f1']} (gazetteer "
        f"{scores['gazetteer_baseline']['micro']['f1']}) -> {target}")
    return point_link(root, name, target)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", default=str(cache_dir()), help="cache root (HFPARITY_CACHE)")
    parser.add_argument("--only", choices=sorted(MODELS), help="build one model")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    root = Path(args.cache).expanduser()
    started = time.time()
    splits = ner_corpus.splits()
    ner_models.write_corpora(root, splits)
    baseline = Baseline(splits)
    for name in [args.only] if args.only else list(MODELS):
        build_one(root, name, baseline)
    ner_models.say(f"NER family test models: {time.time() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
