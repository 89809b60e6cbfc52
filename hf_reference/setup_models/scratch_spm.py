"""Train a SentencePiece model here and save it as an XLM-R, DeBERTa-v2 or ALBERT checkpoint's
tokenizer files (the .model file under the name the family's checkpoints ship it, plus the
tokenizer.json and tokenizer_config.json transformers writes).

Special ids follow each family's published checkpoints: XLM-R's model keeps SentencePiece's
defaults (<unk> 0, <s> 1, </s> 2) and transformers shifts every id by one (fairseq order <s>,
<pad>, </s>, <unk>); DeBERTa-v2 puts [PAD] 0, [CLS] 1, [SEP] 2, [UNK] 3 in the model itself;
ALBERT <pad> 0, <unk> 1, [CLS] 2, [SEP] 3 and lowercases.
"""

from __future__ import annotations

import io
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class SpmFamily:
    """How one family's SentencePiece model is trained and saved."""

    model_file: str  # the name in the checkpoint and in Spark NLP's assets
    tokenizer_class: str  # transformers class that reads the model file
    lowercase: bool
    trainer_ids: dict[str, Any]  # SentencePieceTrainer id/piece arguments


SPM_FAMILIES = {
    "xlm-roberta": SpmFamily("sentencepiece.bpe.model", "XLMRobertaTokenizer", False, {}),
    "deberta-v2": SpmFamily("spm.model", "DebertaV2Tokenizer", False, {
        "pad_id": 0, "bos_id": 1, "eos_id": 2, "unk_id": 3, "pad_piece": "[PAD]",
        "bos_piece": "[CLS]", "eos_piece": "[SEP]", "unk_piece": "[UNK]",
        "user_defined_symbols": ["[MASK]"]}),
    "albert": SpmFamily("spiece.model", "AlbertTokenizer", True, {
        "pad_id": 0, "unk_id": 1, "bos_id": 2, "eos_id": 3, "pad_piece": "<pad>",
        "unk_piece": "<unk>", "bos_piece": "[CLS]", "eos_piece": "[SEP]",
        "user_defined_symbols": ["[MASK]"]}),
}


def train_sentencepiece(texts: Iterable[str], family: str, vocab_size: int) -> bytes:
    """A unigram SentencePiece model of the texts (one thread, input order kept: the same texts
    give the same bytes)."""
    import sentencepiece

    spec = SPM_FAMILIES[family]
    sentences = [t.lower() if spec.lowercase else t for t in texts]
    model = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(sentences), model_writer=model, vocab_size=vocab_size,
        model_type="unigram", character_coverage=1.0, num_threads=1,
        shuffle_input_sentence=False, minloglevel=2, **spec.trainer_ids)
    return model.getvalue()


def save_spm_tokenizer(model: bytes, family: str, folder: Path, max_length: int = 512) -> Any:
    """The model file, tokenizer.json and tokenizer_config.json into folder; returns the
    tokenizer read back from the folder (transformers 5 builds a SentencePiece tokenizer only
    through from_pretrained on a folder holding the model file)."""
    import transformers
    from transformers import AutoTokenizer

    spec = SPM_FAMILIES[family]
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        (Path(scratch) / spec.model_file).write_bytes(model)
        kwargs: dict[str, Any] = {"model_max_length": max_length}
        if family == "albert":
            kwargs.update(do_lower_case=True, keep_accents=False)
        tokenizer = getattr(transformers, spec.tokenizer_class).from_pretrained(scratch, **kwargs)
        tokenizer.save_pretrained(str(folder))
        shutil.copy(Path(scratch) / spec.model_file, folder / spec.model_file)
    reloaded = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
    check_spm_tokenizer(reloaded, family)
    return reloaded


def check_spm_tokenizer(tokenizer: Any, family: str) -> None:
    """Refuse a tokenizer whose ids or casing are not the family's."""
    expected = {
        "xlm-roberta": {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3},
        "deberta-v2": {"[PAD]": 0, "[CLS]": 1, "[SEP]": 2, "[UNK]": 3},
        "albert": {"<pad>": 0, "<unk>": 1, "[CLS]": 2, "[SEP]": 3},
    }[family]
    got = {token: tokenizer.convert_tokens_to_ids(token) for token in expected}
    problems = [] if got == expected else [f"special ids {got}, expected {expected}"]
    lowered = tokenizer.tokenize("Film") == tokenizer.tokenize("film")
    if lowered != SPM_FAMILIES[family].lowercase:
        problems.append(f"'Film' -> {tokenizer.tokenize('Film')}: lowercasing is {lowered}")
    if len(tokenizer) < 1000:
        problems.append(f"only {len(tokenizer)} tokens")
    if problems:
        raise RuntimeError(f"{family} tokenizer check failed: " + "; ".join(problems))


def tokenizer_facts(tokenizer: Any) -> dict[str, Any]:
    """What the saved tokenizer does with a few words (recorded in training_metrics.json)."""
    return {
        "I don't like it": tokenizer.tokenize("I don't like it"),
        "Café": tokenizer.tokenize("Café"),
        "pad_token_id": tokenizer.pad_token_id,
        "vocab_size": len(tokenizer),
    }
