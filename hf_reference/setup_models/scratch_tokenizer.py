"""Build a WordPiece vocabulary with `tokenizers` and save it as a checkpoint's tokenizer files.

A user's checkpoint carries tokenizer.json, tokenizer_config.json, special_tokens_map.json and
vocab.txt; transformers 5 writes only the first two, so the other two are written here.
[PAD] must be id 0: Spark NLP builds the attention mask as `id != 0`.
"""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")  # ids 0..4 in this order
SPECIAL_TOKENS_MAP = {
    "pad_token": "[PAD]", "unk_token": "[UNK]", "cls_token": "[CLS]",
    "sep_token": "[SEP]", "mask_token": "[MASK]",
}
MODEL_MAX_LENGTH = 512
MAX_INPUT_CHARS_PER_WORD = 100  # transformers' WordPiece default, written down explicitly
ALPHABET_LIMIT = 1000  # characters kept (as c and ##c), most frequent first
MAX_SUFFIX = 4  # longest ##suffix considered, in characters


def train_wordpiece(texts: Iterable[str], lowercase: bool, vocab_size: int,
                    min_frequency: int) -> Any:
    """A BERT WordPiece tokenizer whose vocabulary is a pure function of the texts.

    The `tokenizers` WordPiece trainer broke count ties in hash-map order: each run gave other
    ids (and in 3 runs of 12 another token set), so the same recipe gave other weights. Here
    the library normalizes and pre-tokenizes (BertNormalizer: cased keeps accents, uncased
    strips them) and the pieces are ranked by count, ties by text: specials, the alphabet
    (plain and ##), then whole words and ##suffixes of 2 to 4 characters.
    """
    from tokenizers import BertWordPieceTokenizer, normalizers, pre_tokenizers

    normalizer = normalizers.BertNormalizer(
        clean_text=True, handle_chinese_chars=True, strip_accents=lowercase, lowercase=lowercase,
    )
    pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    words: Counter[str] = Counter(
        word for text in texts
        for word, _ in pre_tokenizer.pre_tokenize_str(normalizer.normalize_str(text))
    )
    chars: Counter[str] = Counter()
    pieces: Counter[str] = Counter()
    for word, count in words.items():
        for char in word:
            chars[char] += count
        if len(word) > 1:
            pieces[word] += count
        for size in range(2, min(MAX_SUFFIX, len(word) - 1) + 1):
            pieces["##" + word[-size:]] += count
    alphabet = [c for c, n in ranked(chars) if n >= min_frequency][:ALPHABET_LIMIT]
    tokens = [*SPECIAL_TOKENS, *alphabet, *("##" + c for c in alphabet)]
    seen = set(tokens)
    for piece, count in ranked(pieces):
        if len(tokens) >= vocab_size or count < min_frequency:
            break
        if piece not in seen:
            tokens.append(piece)
            seen.add(piece)
    return BertWordPieceTokenizer(
        vocab={token: i for i, token in enumerate(tokens)}, clean_text=True,
        handle_chinese_chars=True, strip_accents=lowercase, lowercase=lowercase,
    )


def ranked(counts: Counter[str]) -> list[tuple[str, int]]:
    """Most frequent first; equal counts in code-point order (no hash order anywhere)."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def save_tokenizer_files(tokenizer: Any, folder: Path, tokenizer_class: str,
                         lowercase: bool) -> Any:
    """Write the four tokenizer files and return the transformers tokenizer read back from them."""
    import transformers
    from transformers import AutoTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    tokenizer.save(str(folder / "tokenizer.json"))
    wrapper = getattr(transformers, tokenizer_class)(
        tokenizer_file=str(folder / "tokenizer.json"), do_lower_case=lowercase,
        strip_accents=lowercase, tokenize_chinese_chars=True, model_max_length=MODEL_MAX_LENGTH,
        max_input_chars_per_word=MAX_INPUT_CHARS_PER_WORD, **SPECIAL_TOKENS_MAP,
    )
    wrapper.save_pretrained(str(folder))
    (folder / "special_tokens_map.json").write_text(
        json.dumps(SPECIAL_TOKENS_MAP, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    write_vocab_in_id_order(tokenizer.get_vocab(), folder / "vocab.txt")
    return AutoTokenizer.from_pretrained(str(folder), local_files_only=True)


def write_vocab_in_id_order(vocab: dict[str, int], path: Path) -> None:
    """vocab.txt, one token a line, line number = id (what Spark NLP's importers read)."""
    ordered = sorted(vocab.items(), key=lambda item: item[1])
    if [i for _, i in ordered] != list(range(len(ordered))):
        raise RuntimeError("vocab ids are not 0..n-1; cannot write vocab.txt")
    path.write_text("".join(f"{token}\n" for token, _ in ordered), encoding="utf-8")


def has_accent(token: str) -> bool:
    """True when the token holds a letter with a combining mark (é, ï, ü): NFD splits it off."""
    return any(unicodedata.combining(ch) for ch in unicodedata.normalize("NFD", token))


def casing_facts(tokenizer: Any) -> dict[str, Any]:
    """What the saved tokenizer really does with case and accents (checked, then recorded)."""
    vocab = tokenizer.get_vocab()
    accented = sorted(token for token in vocab if has_accent(token.removeprefix("##")))
    return {
        "Brilliant": tokenizer.tokenize("Brilliant"),
        "brilliant": tokenizer.tokenize("brilliant"),
        "café": tokenizer.tokenize("café"),
        "naïve": tokenizer.tokenize("naïve"),
        "accented_vocab_tokens": len(accented),
        "accented_vocab_sample": accented[:12],
        "pad_token_id": tokenizer.pad_token_id,
        "model_type": type(tokenizer.backend_tokenizer.model).__name__,
    }


def check_casing(facts: dict[str, Any], lowercase: bool) -> None:
    """Refuse a tokenizer whose behaviour differs from what its config declares."""
    cased_differs = facts["Brilliant"] != facts["brilliant"]
    kept_accents = any(has_accent(p.removeprefix("##")) for p in facts["café"] + facts["naïve"])
    problems = []
    if cased_differs == lowercase:
        problems.append(f"declared {'un' if lowercase else ''}cased but Brilliant -> "
                        f"{facts['Brilliant']}, brilliant -> {facts['brilliant']}")
    if kept_accents == lowercase:
        problems.append(f"accents {'kept' if kept_accents else 'stripped'}: café -> "
                        f"{facts['café']}, naïve -> {facts['naïve']}")
    if not lowercase and facts["accented_vocab_tokens"] == 0:
        problems.append("cased vocabulary has no accented token")
    if facts["pad_token_id"] != 0:
        problems.append(f"[PAD] is id {facts['pad_token_id']}, not 0")
    if facts["model_type"] != "WordPiece":
        problems.append(f"tokenizer model is {facts['model_type']}, not WordPiece")
    if problems:
        raise RuntimeError("tokenizer check failed: " + "; ".join(problems))
