"""Typed project configuration read from conf/*.yaml.

Read once with a safe YAML loader, validated (unknown keys are refused, every error names the
key), then passed down. Nothing below this module opens config files by guessing names.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from parity_core.errors import ConfigError

DEFAULT_CACHE = Path("~/.cache/hfparity").expanduser()


def cache_dir() -> Path:
    """Where set-up keeps jars, model assets and the default corpus (outside the git clone)."""
    return Path(os.environ.get("HFPARITY_CACHE", str(DEFAULT_CACHE))).expanduser()


def expand_path(value: str) -> str:
    """Expand ~ and ${HFPARITY_CACHE} in a configured path; other variables are refused."""

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name != "HFPARITY_CACHE":
            raise ConfigError(
                f"path {value!r}: only ${{HFPARITY_CACHE}} may be used, not ${{{name}}}"
            )
        return str(cache_dir())

    return str(Path(re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", substitute, value)).expanduser())


@dataclass(frozen=True)
class ModelConfig:
    checkpoint: str = "${HFPARITY_CACHE}/default/checkpoint"
    sparknlp_model: str = "${HFPARITY_CACHE}/default/sparknlp_model"
    onnx_export: str = "${HFPARITY_CACHE}/default/onnx"


@dataclass(frozen=True)
class TokenizationConfig:
    max_length: int = 128
    lowercase: str | bool = "auto"


@dataclass(frozen=True)
class InferenceConfig:
    hf_batch_size: int = 32
    sparknlp_batch_size: int = 32
    threads: str | int = "auto"
    # Hugging Face side only: the dtype and device the reference model runs in.
    precision: str = "fp32"
    device: str = "cpu"


PRECISIONS = ("fp32", "bf16", "fp16")
DEVICES = ("cpu", "cuda")


@dataclass(frozen=True)
class CorpusConfig:
    id_column: str = "id"
    text_column: str = "text"
    # CSV and JSON lines are decoded with this; a byte not in it is refused, never replaced.
    encoding: str = "utf-8"


@dataclass(frozen=True)
class CompareConfig:
    """The join's tolerance and the gate's thresholds. These defaults are their one home:
    conf/*.yaml state the same values (tests/parity_core/test_config.py holds them equal) and
    `hfparity check` writes them into its hfparity.yaml.

    The gate means parity: a label that changes or goes missing on more than 1 row in 500
    fails it, and so do probabilities that move by more than `probability_tolerance` on more
    than 1 row in 200. Both are shares of the corpus, so they scale with it; a bound on the
    largest |Δprobability| alone could not (one flipped row reaches ~0.5, and 1.0 never fails).
    """

    probability_tolerance: float = 1e-3
    max_label_disagreement_rate: float = 0.002
    max_probability_disagreement_rate: float = 0.005
    # Per-layer localisation of numerics rows: max |Δ| of a layer's hidden state above which
    # that layer is where the runs part (fp32 ONNX vs torch stays near 1e-6 on our models).
    layer_tolerance: float = 1e-3
    # Input-first scoring (docs/input-first.md): the share of unscored identical-input rows
    # that may differ, bounded with this confidence by a seeded sample of them.
    unscored_bound: float = 1e-3
    bound_confidence: float = 0.95
    sample_seed: int = 32


@dataclass(frozen=True)
class ProjectConfig:
    model: ModelConfig = field(default_factory=ModelConfig)
    tokenization: TokenizationConfig = field(default_factory=TokenizationConfig)
    inference: InferenceConfig = field(default_factory=InferenceConfig)
    corpus: CorpusConfig = field(default_factory=CorpusConfig)
    compare: CompareConfig = field(default_factory=CompareConfig)
    source: str = "<defaults>"

    def checkpoint_path(self) -> str:
        return expand_path(self.model.checkpoint)

    def sparknlp_model_path(self) -> str | None:
        return expand_path(self.model.sparknlp_model) if self.model.sparknlp_model else None

    def onnx_export_path(self) -> str | None:
        return expand_path(self.model.onnx_export) if self.model.onnx_export else None


# Keys an older conf may hold, with what replaced them (refused with this text, not as unknown).
REPLACED_KEYS = {
    "compare.max_abs_probability_delta": (
        "use compare.max_probability_disagreement_rate, the largest share of corpus rows whose "
        "label or probabilities differ beyond compare.probability_tolerance (default "
        f"{CompareConfig.max_probability_disagreement_rate:g})"),
}

_SECTIONS = {
    "model": ModelConfig,
    "tokenization": TokenizationConfig,
    "inference": InferenceConfig,
    "corpus": CorpusConfig,
    "compare": CompareConfig,
}


def _check_type(where: str, key: str, value: Any, default: Any) -> Any:
    """Coerce ints to floats where a float is expected; refuse any other type change."""
    if key == "lowercase":
        if isinstance(value, bool) or value == "auto":
            return value
        raise ConfigError(f"{where}: lowercase must be auto, true or false, got {value!r}")
    if key == "threads":
        positive_int = isinstance(value, int) and not isinstance(value, bool) and value > 0
        if value == "auto" or positive_int:
            return value
        raise ConfigError(f"{where}: threads must be auto or a positive integer, got {value!r}")
    if isinstance(value, bool) != isinstance(default, bool):
        raise ConfigError(f"{where}: {key} must be {type(default).__name__}, got {value!r}")
    if isinstance(default, float) and isinstance(value, int):
        return float(value)
    if isinstance(default, str) and value is None:
        return ""
    if not isinstance(value, type(default)):
        raise ConfigError(
            f"{where}: {key} must be {type(default).__name__}, got {type(value).__name__} {value!r}"
        )
    return value


def _build_section(path: str, name: str, raw: Any) -> Any:
    cls = _SECTIONS[name]
    if raw is None:
        return cls()
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: section {name} must be a mapping, got {type(raw).__name__}")
    defaults = cls()
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(raw) - known)
    for key in unknown:
        if f"{name}.{key}" in REPLACED_KEYS:
            raise ConfigError(f"{path}: {name}.{key} is no longer read: "
                              f"{REPLACED_KEYS[f'{name}.{key}']}")
    if unknown:
        raise ConfigError(
            f"{path}: unknown key {name}.{unknown[0]} "
            f"(known keys in {name}: {', '.join(sorted(known))})"
        )
    values = {
        key: _check_type(f"{path}: {name}", key, value, getattr(defaults, key))
        for key, value in raw.items()
    }
    return cls(**values)


def parse_config(raw: Any, source: str) -> ProjectConfig:
    """Validate a parsed YAML document into a ProjectConfig."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: the top level must be a mapping of sections")
    unknown = sorted(set(raw) - set(_SECTIONS))
    if unknown:
        raise ConfigError(
            f"{source}: unknown section {unknown[0]!r} (known: {', '.join(sorted(_SECTIONS))})"
        )
    sections = {name: _build_section(source, name, raw.get(name)) for name in _SECTIONS}
    config = ProjectConfig(**sections, source=source)
    max_length = config.tokenization.max_length
    if not 3 <= max_length <= 512:
        raise ConfigError(
            f"{source}: tokenization.max_length must be between 3 and 512 "
            f"([CLS] and [SEP] included), got {max_length}"
        )
    for key, allowed in (("precision", PRECISIONS), ("device", DEVICES)):
        if getattr(config.inference, key) not in allowed:
            raise ConfigError(f"{source}: inference.{key} must be one of {', '.join(allowed)}, "
                              f"got {getattr(config.inference, key)!r}")
    for key in ("max_label_disagreement_rate", "max_probability_disagreement_rate"):
        if not 0.0 <= getattr(config.compare, key) <= 1.0:
            raise ConfigError(f"{source}: compare.{key} is a share of the corpus rows, between "
                              f"0 and 1, got {getattr(config.compare, key)!r}")
    for key in ("hf_batch_size", "sparknlp_batch_size"):
        if getattr(config.inference, key) < 1:
            raise ConfigError(f"{source}: inference.{key} must be at least 1")
    for key in ("unscored_bound", "bound_confidence"):
        if not 0.0 < getattr(config.compare, key) < 1.0:
            raise ConfigError(f"{source}: compare.{key} must be between 0 and 1 (exclusive), "
                              f"got {getattr(config.compare, key)}")
    if not config.model.checkpoint:
        raise ConfigError(f"{source}: model.checkpoint must name a checkpoint folder")
    return config


def load_config(path: str | os.PathLike[str]) -> ProjectConfig:
    """Read and validate a YAML config file; errors name the file and the key."""
    file = Path(path)
    if not file.is_file():
        raise ConfigError(f"--config {file}: no such file")
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{file}: not valid YAML: {exc}") from exc
    return parse_config(raw, str(file))
