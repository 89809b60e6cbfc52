"""Two small NER test checkpoints (a cased BERT and a RoBERTa) and the NER check corpus.

Training a token classifier from scratch would cost minutes per model; set-up's sequence test
models already hold a trained encoder and tokenizer (cased WordPiece with accents; byte-level
BPE). Each NER model loads that encoder into `XxxForTokenClassification` with a new 7-label head
and fine-tunes briefly on the Faker-templated corpus (ner_corpus.py, gold BIO labels on every
piece). The held-out slice is the NER check corpus (models/ner_corpus_check.parquet: id, text);
the whole labelled corpus is models/ner_corpus.parquet (id, text, entities JSON, split).

Each model's manifest records its entity F1 on the held-out slice (HF pipeline, aggregation
"first") against a gazetteer baseline (every training entity string, tagged wherever it recurs),
so a reader sees the models learned something a lookup does not.

Keyed by the source model's manifest sha256, this file and ner_corpus.py (not
build_test_models.CODE_FILES: editing these rebuilds only the NER models), built into
CACHE/assets/models/ner_<family>-<key>/ and linked as CACHE/models/ner_<family>.
Run: python -m hf_reference.setup_models.ner_models [--cache DIR] [--only NAME]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from hf_reference.setup_models import ner_corpus
from hf_reference.setup_models.build_test_models import point_link
from parity_core.config import cache_dir
from parity_core.fingerprint import sha256_file, write_model_manifest
from parity_core.tasks import token_classification as task

# name -> (source test model, transformers token-classification class)
MODELS = {
    "ner_cased_bert": ("cased_bert", "BertForTokenClassification"),
    "ner_roberta": ("roberta", "RobertaForTokenClassification"),
}
CORPUS_FILE = "ner_corpus.parquet"
CHECK_FILE = "ner_corpus_check.parquet"
EPOCHS = 3
BATCH = 32
LR = 5e-4
MAX_LENGTH = 128
THREADS = 2
SEED = 30


def say(message: str) -> None:
    print(f"[setup] {message}", flush=True)


def derivation_key(source: Path) -> str:
    digest = hashlib.sha256()
    digest.update(sha256_file(source / "manifest.json").encode())
    for code in (Path(__file__), Path(ner_corpus.__file__)):
        digest.update(code.read_bytes())
    return digest.hexdigest()[:16]


def write_corpora(root: Path, splits: dict[str, list[ner_corpus.Sentence]]) -> tuple[Path, Path]:
    """The labelled corpus and the check corpus (held-out rows: id, text), rewritten only when
    their content changes."""
    import pandas as pd

    rows = [{"id": f"{split}-{i:05d}", "text": s.text, "split": split,
             "entities": json.dumps([list(e) for e in s.entities])}
            for split, sentences in splits.items() for i, s in enumerate(sentences)]
    labelled = pd.DataFrame(rows)
    check = labelled[labelled.split == "heldout"][["id", "text"]].reset_index(drop=True)
    paths = []
    for frame, name in ((labelled, CORPUS_FILE), (check, CHECK_FILE)):
        path = root / "models" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if not (path.is_file() and pd.read_parquet(path, use_threads=False).equals(frame)):
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            frame.to_parquet(tmp, index=False)
            os.replace(tmp, path)
        paths.append(path)
    say(f"NER corpus: {len(labelled)} rows ({len(check)} held out) -> {paths[0]}, {paths[1]}")
    return paths[0], paths[1]


def _encode(tokenizer: Any, sentences: list[ner_corpus.Sentence]) -> list[dict[str, Any]]:
    examples = []
    for sentence in sentences:
        enc = tokenizer(sentence.text, truncation=True, max_length=MAX_LENGTH,
                        return_offsets_mapping=True, return_special_tokens_mask=True)
        labels = ner_corpus.piece_labels([tuple(o) for o in enc["offset_mapping"]],
                                         sentence.entities,
                                         [bool(x) for x in enc["special_tokens_mask"]])
        examples.append({"input_ids": enc["input_ids"], "labels": labels})
    return examples


def _batches(examples: list[dict[str, Any]], pad_id: int, rng: random.Random) -> Any:
    import torch

    order = list(range(len(examples)))
    rng.shuffle(order)
    for start in range(0, len(order), BATCH):
        chunk = [examples[i] for i in order[start:start + BATCH]]
        width = max(len(e["input_ids"]) for e in chunk)
        ids = torch.full((len(chunk), width), pad_id, dtype=torch.long)
        labels = torch.full((len(chunk), width), -100, dtype=torch.long)
        mask = torch.zeros((len(chunk), width), dtype=torch.long)
        for row, e in enumerate(chunk):
            n = len(e["input_ids"])
            ids[row, :n] = torch.tensor(e["input_ids"])
            labels[row, :n] = torch.tensor(e["labels"])
            mask[row, :n] = 1
        yield ids, mask, labels


def train(source: Path, architecture: str, train_rows: list[ner_corpus.Sentence],
          out: Path) -> dict[str, Any]:
    """Fine-tune source's encoder with a new token-classification head; save to out."""
    import torch
    import transformers
    from transformers import AutoTokenizer

    torch.manual_seed(SEED)
    torch.set_num_threads(THREADS)
    labels = list(ner_corpus.LABELS)
    tokenizer = AutoTokenizer.from_pretrained(str(source), local_files_only=True)
    model = getattr(transformers, architecture).from_pretrained(
        str(source), num_labels=len(labels), id2label=dict(enumerate(labels)),
        label2id={x: i for i, x in enumerate(labels)}, ignore_mismatched_sizes=True,
        local_files_only=True)
    model.config.problem_type = None
    examples = _encode(tokenizer, train_rows)
    optimizer = torch.optim.AdamW(model.parameters(), lr=LR)
    rng = random.Random(SEED)
    model.train()
    losses = []
    for _ in range(EPOCHS):
        for ids, mask, gold in _batches(examples, tokenizer.pad_token_id, rng):
            loss = model(input_ids=ids, attention_mask=mask, labels=gold).loss
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            losses.append(float(loss))
    model.eval()
    model.save_pretrained(str(out))
    tokenizer.save_pretrained(str(out))
    return {"epochs": EPOCHS, "train_rows": len(train_rows), "final_loss": round(losses[-1], 4)}


def hf_entities(checkpoint: Path, texts: list[str], aggregation: str = task.DEFAULT_AGGREGATION
                ) -> list[list[task.Entity]]:
    """The HF token-classification pipeline's grouped entities per text."""
    from transformers import pipeline

    tagger = pipeline("token-classification", model=str(checkpoint),
                      aggregation_strategy=aggregation, device="cpu")
    return [[(int(e["start"]), int(e["end"]), str(e["entity_group"])) for e in found]
            for found in tagger(texts, batch_size=32)]


def gazetteer(train_rows: list[ner_corpus.Sentence], texts: list[str]
              ) -> list[list[task.Entity]]:
    """The trivial baseline: each training entity string (its commonest type) tagged wherever it
    appears as whole words, longest first, never overlapping."""
    from collections import Counter, defaultdict

    types: dict[str, Counter] = defaultdict(Counter)
    for s in train_rows:
        for start, end, kind in s.entities:
            types[s.text[start:end]][kind] += 1
    names = sorted(types, key=len, reverse=True)
    found = []
    for text in texts:
        taken: list[task.Entity] = []
        for name in names:
            for m in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", text):
                span = (m.start(), m.end(), types[name].most_common(1)[0][0])
                if not any(task.overlaps(span, t) for t in taken):
                    taken.append(span)
        found.append(sorted(taken))
    return found


def evaluate(checkpoint: Path, train_rows: list[ner_corpus.Sentence],
             heldout: list[ner_corpus.Sentence]) -> dict[str, Any]:
    """Entity F1 on the held-out slice: the model (HF pipeline, "first") and the gazetteer."""
    texts = [s.text for s in heldout]
    gold = [list(s.entities) for s in heldout]
    model = task.entity_scores(gold, hf_entities(checkpoint, texts))
    baseline = task.entity_scores(gold, gazetteer(train_rows, texts))
    return {"heldout_rows": len(heldout), "aggregation": task.DEFAULT_AGGREGATION,
            "model": {k: v.as_dict() for k, v in model.items()},
            "gazetteer_baseline": {k: v.as_dict() for k, v in baseline.items()}}


def build_one(root: Path, name: str, splits: dict[str, list[ner_corpus.Sentence]]) -> Path:
    """Build (or find) root/assets/models/<name>-<key>/checkpoint; link root/models/<name>."""
    source_name, architecture = MODELS[name]
    source = (root / "models" / source_name).resolve()
    if not (source / "manifest.json").is_file():
        raise FileNotFoundError(f"{source}: the {source_name} test model is missing; run "
                                "python -m hf_reference.setup_models.build_test_models first")
    key = derivation_key(source)
    target = root / "assets" / "models" / f"{name}-{key}"
    if (target / "manifest.json").is_file():
        say(f"{name}: cached ({target})")
        return point_link(root, name, target)
    started = time.time()
    work = target.parent / f".{name}-{key}.{os.getpid()}.building"
    shutil.rmtree(work, ignore_errors=True)
    training = train(source / "checkpoint", architecture, splits["train"], work / "checkpoint")
    trained = time.time() - started
    scores = evaluate(work / "checkpoint", splits["train"], splits["heldout"])
    manifest = {"name": name, "architecture": architecture, "derived_from": str(source),
                "derived_from_manifest_sha256": sha256_file(source / "manifest.json"),
                "labels": list(ner_corpus.LABELS), "training": training,
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
    f1 = scores["model"]["micro"]["f1"]
    base = scores["gazetteer_baseline"]["micro"]["f1"]
    say(f"{name}: trained in {manifest['train_seconds']} s, held-out entity F1 {f1} "
        f"(gazetteer {base}) -> {target}")
    return point_link(root, name, target)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", default=str(cache_dir()), help="cache root (HFPARITY_CACHE)")
    parser.add_argument("--only", choices=sorted(MODELS), help="build one model")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    root = Path(args.cache).expanduser()
    started = time.time()
    splits = ner_corpus.splits()
    write_corpora(root, splits)
    for name in [args.only] if args.only else sorted(MODELS):
        build_one(root, name, splits)
    say(f"NER test models: {time.time() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
