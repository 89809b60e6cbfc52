"""Effective settings, derived once from a checkpoint plus conf/, consumed by both sides.

Both the Hugging Face reference and the Spark NLP pipeline read this one object, so casing and
max length cannot drift apart. Only json files are read here: no torch, no pyspark.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from parity_core.checkpoint import inspect_checkpoint
from parity_core.config import ProjectConfig
from parity_core.errors import ConfigError

# Spark NLP's XxxForSequenceClassification accepts maxSentenceLength in 1..512.
SPARKNLP_MAX_SENTENCE_LENGTH = 512


@dataclass(frozen=True)
class ClassifierSettings:
    """The settings on a Spark NLP XxxForSequenceClassification annotator that decide what it
    computes: those the job sets to match the checkpoint (EffectiveSettings.sparknlp_classifier,
    the one place they are derived), or those a deployed classifier carries (read from its
    params by spark_pipelines.sparknlp.classifier_settings). Names are the Python side's; the
    annotator's params are caseSensitive, maxSentenceLength and batchSize."""

    case_sensitive: bool
    max_sentence_length: int
    batch_size: int


@dataclass(frozen=True)
class EffectiveSettings:
    """What both runs must use; every field says where it came from in `sources`."""

    checkpoint: str
    labels: tuple[str, ...]
    do_lower_case: bool
    strip_accents: bool
    max_length: int
    model_max_length: int
    max_input_chars_per_word: int
    tokenize_chinese_chars: bool
    hf_batch_size: int
    sparknlp_batch_size: int
    threads: int | None
    sources: tuple[tuple[str, str], ...]
    family: str = "bert"  # parity_core.checkpoint.FAMILIES key; older fingerprints lack it
    precision: str = "fp32"  # Hugging Face dtype (fp32|bf16|fp16); older fingerprints: fp32
    device: str = "cpu"  # Hugging Face device (cpu|cuda); older fingerprints: cpu

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["labels"] = list(self.labels)
        out["sources"] = dict(self.sources)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EffectiveSettings:
        values = dict(data)
        values["labels"] = tuple(values["labels"])
        values["sources"] = tuple(sorted(dict(values["sources"]).items()))
        return cls(**values)

    @property
    def sparknlp_case_sensitive(self) -> bool:
        """Spark NLP's caseSensitive is the negation of Hugging Face's do_lower_case."""
        return not self.do_lower_case

    @property
    def sparknlp_classifier(self) -> ClassifierSettings:
        """The classifier settings that match the Hugging Face run: caseSensitive from
        do_lower_case, maxSentenceLength the run's max_length (Spark NLP caps it at
        SPARKNLP_MAX_SENTENCE_LENGTH), batchSize inference.sparknlp_batch_size."""
        return ClassifierSettings(
            case_sensitive=self.sparknlp_case_sensitive,
            max_sentence_length=min(self.max_length, SPARKNLP_MAX_SENTENCE_LENGTH),
            batch_size=self.sparknlp_batch_size)


def derive_settings(config: ProjectConfig, checkpoint: str | None = None) -> EffectiveSettings:
    """Inspect the checkpoint (parity_core.checkpoint: the same refusals everywhere) and apply
    conf/ overrides."""
    folder = Path(checkpoint or config.checkpoint_path())
    if not folder.is_dir():
        raise ConfigError(
            f"model.checkpoint {folder}: no such folder "
            "(run `make setup` to build the default model)"
        )
    info = inspect_checkpoint(folder)
    tok = info.tokenizer
    sources: dict[str, str] = {"family": "config.json architectures"}

    lowercase_conf = config.tokenization.lowercase
    if lowercase_conf == "auto":
        do_lower_case = info.do_lower_case
        sources["do_lower_case"] = "tokenizer_config.json"
    else:
        do_lower_case = bool(lowercase_conf)
        sources["do_lower_case"] = f"{config.source}: tokenization.lowercase"

    # Hugging Face's BertTokenizer: strip_accents None means "strip when lowercasing".
    strip_accents = do_lower_case if info.strip_accents is None else info.strip_accents
    sources["strip_accents"] = (
        "tokenizer_config.json (null: follows do_lower_case)"
        if info.strip_accents is None
        else "tokenizer_config.json"
    )

    model_max_length = info.model_max_length
    max_length = config.tokenization.max_length
    if max_length > model_max_length:
        raise ConfigError(
            f"{config.source}: tokenization.max_length {max_length} exceeds the checkpoint's "
            f"model_max_length {model_max_length} (the lower of tokenizer_config.json "
            f"model_max_length and config.json max_position_embeddings {info.max_positions}); "
            f"set tokenization.max_length to at most {model_max_length}"
        )
    sources["max_length"] = f"{config.source}: tokenization.max_length"
    sources["model_max_length"] = "tokenizer_config.json / config.json"

    threads_conf = config.inference.threads
    threads = None if threads_conf == "auto" else int(threads_conf)
    sources["threads"] = f"{config.source}: inference.threads"
    sources["precision"] = f"{config.source}: inference.precision"
    sources["device"] = f"{config.source}: inference.device"

    return EffectiveSettings(
        checkpoint=str(folder.resolve()),
        labels=info.labels,
        do_lower_case=do_lower_case,
        strip_accents=strip_accents,
        max_length=max_length,
        model_max_length=model_max_length,
        max_input_chars_per_word=int(tok.get("max_input_chars_per_word", 100)),
        tokenize_chinese_chars=bool(tok.get("tokenize_chinese_chars", True)),
        hf_batch_size=config.inference.hf_batch_size,
        sparknlp_batch_size=config.inference.sparknlp_batch_size,
        threads=threads,
        sources=tuple(sorted(sources.items())),
        family=info.family.name,
        precision=config.inference.precision,
        device=config.inference.device,
    )


def resolve_threads(settings: EffectiveSettings) -> int:
    """Threads for one worker: the configured count, else the cores this process may use."""
    if settings.threads:
        return settings.threads
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)
