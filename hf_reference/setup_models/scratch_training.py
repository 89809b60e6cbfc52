"""Train and score the small from-scratch classifiers of build_test_models, on one CPU thread.

Everything seeded: weights from torch.manual_seed, batches from a torch.Generator, so a recipe
rebuilds the same weights on the same thread count. Batches group similar lengths because the
CPU time, not the data, bounds what set-up can afford.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from hf_reference.setup_models.three_label_corpus import LABELS_3

if TYPE_CHECKING:
    from hf_reference.setup_models.recipe import Recipe


def say(message: str) -> None:
    print(f"[setup] {message}", flush=True)


def new_model(recipe: Recipe, vocab_size: int) -> Any:
    """A randomly initialised classifier of the recipe's family and size, labels by name."""
    import transformers

    vocab_size += recipe.spare_embedding_rows
    labels = {"id2label": dict(enumerate(LABELS_3)),
              "label2id": {label: i for i, label in enumerate(LABELS_3)}}
    if recipe.family == "bert":
        config = transformers.BertConfig(
            vocab_size=vocab_size, hidden_size=recipe.hidden, num_hidden_layers=recipe.layers,
            num_attention_heads=recipe.heads, intermediate_size=recipe.intermediate,
            max_position_embeddings=recipe.max_positions, pad_token_id=0, **labels,
        )
        return transformers.BertForSequenceClassification(config)
    if recipe.family == "roberta":
        # RoBERTa's ids (<s> 0, <pad> 1, </s> 2) and position offset (pad + 1): 2 extra positions.
        config = transformers.RobertaConfig(
            vocab_size=vocab_size, hidden_size=recipe.hidden, num_hidden_layers=recipe.layers,
            num_attention_heads=recipe.heads, intermediate_size=recipe.intermediate,
            max_position_embeddings=recipe.max_positions + 2, type_vocab_size=1,
            pad_token_id=1, bos_token_id=0, eos_token_id=2, **labels,
        )
        return transformers.RobertaForSequenceClassification(config)
    if recipe.family == "xlm-roberta":  # RoBERTa's shape and ids (fairseq order)
        config = transformers.XLMRobertaConfig(
            vocab_size=vocab_size, hidden_size=recipe.hidden, num_hidden_layers=recipe.layers,
            num_attention_heads=recipe.heads, intermediate_size=recipe.intermediate,
            max_position_embeddings=recipe.max_positions + 2, type_vocab_size=1,
            pad_token_id=1, bos_token_id=0, eos_token_id=2, **labels,
        )
        return transformers.XLMRobertaForSequenceClassification(config)
    if recipe.family == "deberta-v2":  # absolute positions, no token types (as Spark NLP feeds)
        config = transformers.DebertaV2Config(
            vocab_size=vocab_size, hidden_size=recipe.hidden, num_hidden_layers=recipe.layers,
            num_attention_heads=recipe.heads, intermediate_size=recipe.intermediate,
            max_position_embeddings=recipe.max_positions, type_vocab_size=0, pad_token_id=0,
            **labels,
        )
        return transformers.DebertaV2ForSequenceClassification(config)
    if recipe.family == "albert":
        config = transformers.AlbertConfig(
            vocab_size=vocab_size, embedding_size=recipe.embedding_size or recipe.hidden,
            hidden_size=recipe.hidden,
            num_hidden_layers=recipe.layers, num_attention_heads=recipe.heads,
            intermediate_size=recipe.intermediate, max_position_embeddings=recipe.max_positions,
            pad_token_id=0, bos_token_id=2, eos_token_id=3, **labels,
        )
        return transformers.AlbertForSequenceClassification(config)
    config = transformers.DistilBertConfig(
        vocab_size=vocab_size, dim=recipe.hidden, n_layers=recipe.layers, n_heads=recipe.heads,
        hidden_dim=recipe.intermediate, max_position_embeddings=recipe.max_positions,
        pad_token_id=0, **labels,
    )
    return transformers.DistilBertForSequenceClassification(config)


def bucketed_batches(lengths: list[int], batch_size: int, generator: Any) -> list[list[int]]:
    """Seeded shuffle, then sort by length inside windows of 50 batches, then shuffle batches.

    A random batch of 32 almost always holds one long plot summary, so it pads to max_length;
    grouping similar lengths cuts the padded tokens (and the CPU time) about three times.
    """
    import torch

    order = torch.randperm(len(lengths), generator=generator).tolist()
    window = batch_size * 50
    batches = []
    for start in range(0, len(order), window):
        chunk = sorted(order[start:start + window], key=lambda i: lengths[i])
        batches.extend(chunk[i:i + batch_size] for i in range(0, len(chunk), batch_size))
    shuffled = torch.randperm(len(batches), generator=generator).tolist()
    return [batches[i] for i in shuffled]


def train(model: Any, tokenizer: Any, texts: list[str], targets: list[int],
          recipe: Recipe) -> None:
    """AdamW with linear warm-up and decay, seeded length-bucketed batches, dynamic padding."""
    import torch
    from transformers import get_linear_schedule_with_warmup

    model.train()
    labels = torch.tensor(targets)
    lengths = [len(ids) for ids in tokenizer(texts, truncation=True,
                                             max_length=recipe.max_length)["input_ids"]]
    generator = torch.Generator().manual_seed(recipe.seed)
    per_epoch = (len(texts) + recipe.batch_size - 1) // recipe.batch_size
    steps = per_epoch * recipe.epochs
    optimizer = torch.optim.AdamW(model.parameters(), lr=recipe.learning_rate,
                                  weight_decay=recipe.weight_decay)
    schedule = get_linear_schedule_with_warmup(
        optimizer, int(recipe.warmup_fraction * steps), steps)
    started = time.time()
    for epoch in range(recipe.epochs):
        batches = bucketed_batches(lengths, recipe.batch_size, generator)
        for step, index in enumerate(batches):
            batch = tokenizer([texts[i] for i in index], truncation=True,
                              max_length=recipe.max_length, padding=True, return_tensors="pt")
            loss = model(**batch, labels=labels[index]).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            if step % 100 == 0 or step == len(batches) - 1:
                say(f"{recipe.name}: epoch {epoch + 1}/{recipe.epochs} step {step + 1}/"
                    f"{len(batches)} loss {loss.item():.4f} ({time.time() - started:.0f} s)")
    model.eval()


def predict(model: Any, tokenizer: Any, texts: list[str], max_length: int) -> Any:
    """Logits in the texts' order; batches of 64 similar lengths so little is padded."""
    import numpy as np
    import torch

    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    logits = np.zeros((len(texts), model.config.num_labels), dtype=np.float32)
    with torch.inference_mode():
        for start in range(0, len(order), 64):
            index = order[start:start + 64]
            batch = tokenizer([texts[i] for i in index], truncation=True,
                              max_length=max_length, padding=True, return_tensors="pt")
            logits[index] = model(**batch).logits.numpy()
    return logits


def evaluate(logits: Any, targets: list[int]) -> dict[str, Any]:
    """Accuracy, the majority-class share it must beat, and recall per label."""
    import numpy as np

    truth = np.asarray(targets)
    predicted = logits.argmax(-1)
    counts = np.bincount(truth, minlength=len(LABELS_3))
    return {
        "held_out_accuracy": round(float((predicted == truth).mean()), 6),
        "majority_baseline": round(float(counts.max() / counts.sum()), 6),
        "majority_label": LABELS_3[int(counts.argmax())],
        "recall": {label: round(float((predicted[truth == i] == i).mean()), 4)
                   for i, label in enumerate(LABELS_3)},
    }
