"""Inspect a Hugging Face checkpoint folder and refuse, before any Spark or torch work, what the
parity check cannot run.

Only JSON and text files are read (no torch, no pyspark), so the jobs, `hfparity import` and
`hfparity check` all refuse the same folders with the same message: `<subject> <folder>: <file>:
problem; fix`. What passes is described by a typed `CheckpointInfo` (family, labels, casing,
positions, files) that settings derivation, the ONNX export and the Spark NLP import read.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from parity_core.errors import ConfigError

# Family and FAMILIES live in parity_core.families (one module a family); re-exported here for
# the many modules that import them with the checkpoint facts.
from parity_core.families import FAMILIES, Family
from parity_core.families.base import ATTENTION_MASK_RULE
from parity_core.tasks.token_classification import ARCHITECTURES as TOKEN_ARCHITECTURES

WEIGHTS = "model.safetensors"
CONFIG = "config.json"
TOKENIZER_CONFIG = "tokenizer_config.json"
TOKENIZER_JSON = "tokenizer.json"
VOCAB_TXT = "vocab.txt"
VOCAB_JSON = "vocab.json"
MERGES_TXT = "merges.txt"
GENERIC_LABEL = re.compile(r"^LABEL_\d+$")
BY_ARCHITECTURE = {family.architecture: family for family in FAMILIES.values()}
# Token classifiers (NER) of the same families: parity_core/tasks/token_classification.py.
BY_ARCHITECTURE.update({hf: FAMILIES[name] for name, (hf, _) in TOKEN_ARCHITECTURES.items()
                        if name in FAMILIES})
SUPPORTED = ", ".join(sorted(BY_ARCHITECTURE))


@dataclass(frozen=True)
class CheckpointFiles:
    """Where each input lives; `tokenizer_json` and `vocab_txt` may be None (not both)."""

    config: Path
    tokenizer_config: Path
    weights: Path
    tokenizer_json: Path | None
    vocab_txt: Path | None


@dataclass(frozen=True)
class CheckpointInfo:
    """What a supported checkpoint is, as the export, the import and the settings need it."""

    folder: Path
    family: Family
    labels: tuple[str, ...]
    do_lower_case: bool
    strip_accents: bool | None  # None: follows do_lower_case (Hugging Face's BERT rule)
    max_positions: int  # config.json max_position_embeddings
    model_max_length: int  # tokenizer limit, never above max_positions
    tokenizer: dict[str, Any]  # tokenizer_config.json as read
    files: CheckpointFiles
    warnings: tuple[str, ...]

    def vocabulary(self) -> list[str]:
        """The vocabulary in id order: vocab.txt, else tokenizer.json's model.vocab plus its
        added tokens (a BPE tokenizer's <mask> lives there)."""
        if self.files.vocab_txt is not None and self.family.tokenizer_model == "WordPiece":
            return self.files.vocab_txt.read_text(encoding="utf-8").splitlines()
        path = self.files.tokenizer_json
        assert path is not None  # inspect_checkpoint refuses a folder with neither file
        return _vocab_from_tokenizer_json(json.loads(path.read_text(encoding="utf-8")), path)

    def merges(self) -> list[str]:
        """A BPE tokenizer's merges, one "a b" pair a line in rank order (tokenizer.json)."""
        path = self.files.tokenizer_json
        assert path is not None  # a BPE checkpoint is refused without tokenizer.json
        merges = json.loads(path.read_text(encoding="utf-8"))["model"].get("merges") or []
        return [" ".join(m) if isinstance(m, list) else str(m) for m in merges]

    def vocabulary_bytes(self) -> bytes:
        """vocab.txt as Spark NLP's assets/vocab.txt gets it (vocab.txt itself when present);
        for a SentencePiece family, its .model file (what Spark NLP reads)."""
        if self.family.spm_file is not None:
            return (self.folder / self.family.spm_file).read_bytes()
        if self.files.vocab_txt is not None and self.family.tokenizer_model == "WordPiece":
            return self.files.vocab_txt.read_bytes()
        return "".join(f"{token}\n" for token in self.vocabulary()).encode("utf-8")


def _refuse(subject: str, folder: Path, file: str, problem: str) -> ConfigError:
    where = f"{subject} {folder}" + (f": {file}" if file else "")
    return ConfigError(f"{where}: {problem}")


def _read_json(path: Path, folder: Path, subject: str) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _refuse(subject, folder, path.name, "missing") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise _refuse(subject, folder, path.name, f"not valid JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise _refuse(subject, folder, path.name, "must hold a JSON object")
    return data


def _vocab_from_tokenizer_json(data: dict[str, Any], path: Path | None) -> list[str]:
    vocab = data.get("model", {}).get("vocab")
    if isinstance(vocab, list) and vocab:  # Unigram: [piece, score] pairs in id order
        vocab = {str(entry[0]): i for i, entry in enumerate(vocab)}
    if not isinstance(vocab, dict) or not vocab:
        raise ConfigError(f"{path}: model.vocab missing; write vocab.txt beside it")
    vocab = dict(vocab)
    for added in data.get("added_tokens") or []:
        vocab.setdefault(str(added.get("content")), int(added.get("id")))
    ordered = sorted(vocab.items(), key=lambda item: item[1])
    if [i for _, i in ordered] != list(range(len(ordered))):
        raise ConfigError(f"{path}: model.vocab ids are not 0..n-1; cannot write vocab.txt")
    return [token for token, _ in ordered]


def _family(model: dict[str, Any], folder: Path, subject: str) -> Family:
    architectures = model.get("architectures") or []
    if architectures:
        family = BY_ARCHITECTURE.get(str(architectures[0]))
        if family is None:
            raise _refuse(subject, folder, CONFIG,
                          f"architecture {architectures[0]} is not supported (supported: "
                          f"{SUPPORTED}); fine-tune one of those and save it with "
                          "save_pretrained")
        return family
    family = FAMILIES.get(str(model.get("model_type", "")))
    if family is None:
        raise _refuse(subject, folder, CONFIG,
                      f"no `architectures` and model_type {model.get('model_type')!r} is not "
                      f"supported (supported: {SUPPORTED})")
    return family


def _labels(model: dict[str, Any], folder: Path, subject: str) -> tuple[tuple[str, ...], list[str]]:
    id2label = model.get("id2label")
    if not isinstance(id2label, dict) or not id2label:
        raise _refuse(subject, folder, CONFIG, "no id2label; name the labels "
                      "(config.id2label = {0: 'negative', 1: 'positive'}) and save again")
    try:
        by_id = {int(k): str(v) for k, v in id2label.items()}
    except ValueError as exc:
        raise _refuse(subject, folder, CONFIG, f"id2label keys must be integers ({exc})") from exc
    if sorted(by_id) != list(range(len(by_id))):
        raise _refuse(subject, folder, CONFIG, f"id2label ids must be 0..n-1, got {sorted(by_id)}")
    labels = tuple(by_id[i] for i in range(len(by_id)))
    if len(labels) < 2:
        raise _refuse(subject, folder, CONFIG, f"{len(labels)} label; a classifier needs 2 or more")
    if len(set(labels)) != len(labels):
        raise _refuse(subject, folder, CONFIG, f"id2label names repeat: {list(labels)}")
    warnings = []
    if all(GENERIC_LABEL.match(label) for label in labels):
        warnings.append(f"{folder / CONFIG}: labels are the generic {labels[0]}…{labels[-1]}; "
                        "the report will use these names (set id2label to name them)")
    return labels, warnings


def _tokenizer_files(folder: Path, subject: str, family: Family
                     ) -> tuple[Path | None, Path | None, dict | None]:
    tokenizer_json = folder / TOKENIZER_JSON
    vocab_txt = folder / VOCAB_TXT
    if not (folder / TOKENIZER_CONFIG).is_file():
        raise _refuse(subject, folder, TOKENIZER_CONFIG, "missing; save the tokenizer with the "
                      "model (tokenizer.save_pretrained(folder))")
    if family.tokenizer_model != "WordPiece" and not tokenizer_json.is_file():
        raise _refuse(subject, folder, TOKENIZER_JSON, f"missing; a {family.architecture} is "
                      "read from its fast tokenizer (tokenizer.save_pretrained(folder) with "
                      "a fast tokenizer writes it)")
    if family.spm_file is not None and not (folder / family.spm_file).is_file():
        raise _refuse(subject, folder, family.spm_file, f"missing; Spark NLP's "
                      f"{family.sparknlp_annotator} reads the SentencePiece model file (a "
                      "tokenizer.json is not accepted in its place): save the tokenizer from "
                      "the original .model file, or copy it beside the checkpoint")
    if not tokenizer_json.is_file() and not vocab_txt.is_file():
        raise _refuse(subject, folder, f"{TOKENIZER_JSON} / {VOCAB_TXT}",
                      "no vocabulary (neither file is there); save the tokenizer with the model "
                      "(tokenizer.save_pretrained(folder))")
    fast = None
    if tokenizer_json.is_file():
        fast = _read_json(tokenizer_json, folder, subject)
        kind = (fast.get("model") or {}).get("type")
        if kind != family.tokenizer_model:
            raise _refuse(subject, folder, TOKENIZER_JSON,
                          f"tokenizer model is {kind}, not {family.tokenizer_model}; Spark "
                          f"NLP's {family.sparknlp_annotator} reads a "
                          f"{family.tokenizer_model} vocabulary only")
    return (tokenizer_json if fast is not None else None,
            vocab_txt if vocab_txt.is_file() else None, fast)


def _casing(tok: dict[str, Any], fast: dict[str, Any] | None, family: Family
            ) -> tuple[bool, bool | None]:
    """do_lower_case and strip_accents: tokenizer_config.json, else tokenizer.json's normalizer,
    else the family's rule (BERT lowercases, byte-level BPE keeps case)."""
    normalizer = (fast or {}).get("normalizer") or {}
    lower = tok.get("do_lower_case", normalizer.get("lowercase", family.lowercase_default))
    strip = tok["strip_accents"] if "strip_accents" in tok else normalizer.get("strip_accents")
    if "keep_accents" in tok:  # ALBERT, XLNet: SentencePiece tokenizers that may strip accents
        strip = not tok["keep_accents"]
    return bool(lower), None if strip is None else bool(strip)


def inspect_checkpoint(folder: str | Path, max_length: int | None = None,
                       subject: str = "model.checkpoint") -> CheckpointInfo:
    """Describe a checkpoint folder, or raise ConfigError naming the file at fault and the fix.

    `subject` names where the folder came from (a config key or a command-line flag).
    """
    path = Path(folder).expanduser()
    if not path.is_dir():
        raise _refuse(subject, path, "", "no such folder")
    model = _read_json(path / CONFIG, path, subject)
    family = _family(model, path, subject)
    if not (path / WEIGHTS).is_file():
        pickles = sorted(p.name for p in path.glob("*.bin")) or ["none"]
        raise _refuse(subject, path, "", f"{WEIGHTS} missing; only safetensors weights are "
                      f"loaded, pickle weights are refused (found: {', '.join(pickles)}); "
                      "save with model.save_pretrained(folder, safe_serialization=True)")
    tokenizer_json, vocab_txt, fast = _tokenizer_files(path, subject, family)
    tok = _read_json(path / TOKENIZER_CONFIG, path, subject)
    labels, warnings = _labels(model, path, subject)
    positions = int(model.get("max_position_embeddings", 512))
    tok_limit = tok.get("model_max_length") or positions
    model_max_length = int(min(int(tok_limit), positions))
    if max_length is not None and max_length > positions:
        raise _refuse(subject, path, CONFIG, f"max_length {max_length} exceeds "
                      f"max_position_embeddings {positions}; use a max length of at most "
                      f"{positions}")
    do_lower_case, strip_accents = _casing(tok, fast, family)
    if family.tokenizer_model != "WordPiece" and strip_accents is None:
        strip_accents = False  # only BERT's normalizer strips accents
    info = CheckpointInfo(
        folder=path.resolve(), family=family, labels=labels, do_lower_case=do_lower_case,
        strip_accents=strip_accents, max_positions=positions, model_max_length=model_max_length,
        tokenizer=tok,
        files=CheckpointFiles(path / CONFIG, path / TOKENIZER_CONFIG, path / WEIGHTS,
                              tokenizer_json, vocab_txt),
        warnings=tuple(warnings))
    return _check_vocabulary(info, fast, subject)


def _check_vocabulary(info: CheckpointInfo, fast: dict[str, Any] | None, subject: str
                      ) -> CheckpointInfo:
    """Spark NLP looks the special tokens up by name and masks id 0: both must hold."""
    vocab = info.vocabulary()
    family = info.family
    missing = [token for token in family.special_tokens if token not in vocab]
    wordpiece = family.tokenizer_model == "WordPiece"
    source = VOCAB_TXT if info.files.vocab_txt is not None and wordpiece else TOKENIZER_JSON
    if missing:
        raise _refuse(subject, info.folder, source, f"no {', '.join(missing)} in the "
                      f"vocabulary; Spark NLP's {family.sparknlp_annotator} looks these up by "
                      "name")
    warnings = list(info.warnings)
    pad = "[PAD]" if wordpiece else family.special_tokens[2]  # (start, end, pad, ...)
    if vocab.index(pad) != 0:
        warnings.append(f"{info.folder / source}: {pad} is id {vocab.index(pad)}, but Spark "
                        f"NLP's attention mask is `{ATTENTION_MASK_RULE}`: {vocab[0]} (id 0) is "
                        "masked on every row")
    both = wordpiece and fast is not None and info.files.vocab_txt is not None
    if both and _vocab_from_tokenizer_json(fast, info.files.tokenizer_json) != vocab:
        warnings.append(f"{info.folder}: vocab.txt and tokenizer.json's vocabulary differ; "
                        "Hugging Face uses tokenizer.json, Spark NLP gets vocab.txt")
    return replace(info, warnings=tuple(warnings))
