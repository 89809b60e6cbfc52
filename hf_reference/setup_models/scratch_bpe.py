"""Train a RoBERTa byte-level BPE tokenizer here and save it as a checkpoint's tokenizer files.

What a user's RoBERTa checkpoint carries: tokenizer.json, vocab.json, merges.txt and
tokenizer_config.json. Special tokens get RoBERTa's ids (<s> 0, <pad> 1, </s> 2, <unk> 3,
<mask> last), so the test model meets Spark NLP with the ids real RoBERTa checkpoints have
(Spark NLP's ONNX attention mask is `id != 0`, and <s> is id 0).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

SPECIAL_TOKENS = ("<s>", "<pad>", "</s>", "<unk>")  # ids 0..3; <mask> is added last
MASK = "<mask>"
MODEL_MAX_LENGTH = 512


def train_byte_level_bpe(texts: Iterable[str], vocab_size: int, min_frequency: int) -> Any:
    """A byte-level BPE tokenizer (RoBERTa's pre-tokenizer and post-processor) from texts.

    The `tokenizers` BPE trainer ranks pairs by count, ties by the pair itself, so the same
    texts give the same merges and ids (checked by building twice:
    tests/parity_core/families/test_families.py).
    """
    from tokenizers import ByteLevelBPETokenizer, processors

    tokenizer = ByteLevelBPETokenizer(add_prefix_space=False, trim_offsets=True)
    tokenizer.train_from_iterator(list(texts), vocab_size=vocab_size,
                                  min_frequency=min_frequency,
                                  special_tokens=list(SPECIAL_TOKENS), show_progress=False)
    tokenizer.add_special_tokens([MASK])
    vocab = tokenizer.get_vocab()
    tokenizer.post_processor = processors.RobertaProcessing(
        ("</s>", vocab["</s>"]), ("<s>", vocab["<s>"]), trim_offsets=True,
        add_prefix_space=False)
    return tokenizer


def save_roberta_tokenizer(tokenizer: Any, folder: Path) -> Any:
    """tokenizer.json, vocab.json, merges.txt, tokenizer_config.json; returns the reloaded one."""
    from transformers import AutoTokenizer, RobertaTokenizerFast

    folder.mkdir(parents=True, exist_ok=True)
    tokenizer.save(str(folder / "tokenizer.json"))
    tokenizer.save_model(str(folder))  # vocab.json + merges.txt
    wrapper = RobertaTokenizerFast(
        tokenizer_file=str(folder / "tokenizer.json"), bos_token="<s>", eos_token="</s>",
        sep_token="</s>", cls_token="<s>", unk_token="<unk>", pad_token="<pad>",
        mask_token=MASK, add_prefix_space=False, trim_offsets=True,
        model_max_length=MODEL_MAX_LENGTH)
    wrapper.save_pretrained(str(folder))
    reloaded = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
    check_roberta_tokenizer(reloaded)
    return reloaded


def check_roberta_tokenizer(tokenizer: Any) -> None:
    """Refuse a tokenizer without RoBERTa's special ids or its space marker."""
    problems = []
    expected = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    got = {token: tokenizer.convert_tokens_to_ids(token) for token in expected}
    if got != expected:
        problems.append(f"special ids {got}, expected {expected}")
    ids = tokenizer("a film")["input_ids"]
    if ids[0] != 0 or ids[-1] != 2:
        problems.append(f"'a film' -> {ids}: no <s> ... </s>")
    pieces = tokenizer.tokenize("a film")
    if len(pieces) < 2 or not pieces[1].startswith("Ġ"):
        problems.append(f"'a film' -> {pieces}: the second word has no Ġ")
    if type(tokenizer.backend_tokenizer.model).__name__ != "BPE":
        problems.append("tokenizer model is not BPE")
    if problems:
        raise RuntimeError("RoBERTa tokenizer check failed: " + "; ".join(problems))


def tokenizer_facts(tokenizer: Any) -> dict[str, Any]:
    """What the saved tokenizer does with a few words (recorded in training_metrics.json)."""
    return {
        "I don't like it": tokenizer.tokenize("I don't like it"),
        "Café": tokenizer.tokenize("Café"),
        "pad_token_id": tokenizer.pad_token_id,
        "model_type": type(tokenizer.backend_tokenizer.model).__name__,
        "vocab_json": json.dumps(sorted(tokenizer.get_vocab().items())[:3]),
    }
