"""Sentence embeddings: one vector per row, compared by direction (cosine) and by value (|Δ|).

What a sentence-transformers folder says about its vector (read here, with no torch, so every
side reads it the same way): the pooling (1_Pooling/config.json), whether a Normalize module
follows (modules.json), the max length (sentence_bert_config.json) and the casing
(tokenizer_config.json). The task is detected from modules.json: a folder with a
`sentence_transformers.models.Pooling` module is a sentence-embedding checkpoint.

The per-row comparison rule, stated once (the join and the fix both use `compare_vectors`):
- dimensions differ → not comparable (cosine and |Δ| None), the row differs;
- cosine = a·b / (|a||b|) in float64; a zero vector on either side gives cosine None;
- max |Δ| = the largest |a_i - b_i|; norm ratio = |spark| / |reference|;
- the vectors agree when cosine ≥ 1 - cosine_tolerance and max |Δ| ≤ abs_tolerance × max(1,
  |reference|) (the tolerance scales with the vector's size).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import pyarrow as pa

from parity_core.errors import ConfigError

NAME = "sentence_embedding"
POOLING_MODULE = "sentence_transformers.models.Pooling"
NORMALIZE_MODULE = "sentence_transformers.models.Normalize"
TRANSFORMER_MODULE = "sentence_transformers.models.Transformer"

# The poolings a re-computation tries (hf_reference/sentence_pooling.py computes each).
POOLINGS = ("mean", "cls", "max", "mean_sqrt_len", "pooler", "mean_with_padding")

OUTPUT_FIELDS = (
    pa.field("vector", pa.list_(pa.float32())),
    pa.field("dimension", pa.int32()),
    pa.field("norm", pa.float64()),
)


@dataclass(frozen=True)
class EmbeddingSpec:
    """How a sentence-transformers folder makes its vector (what the reference does)."""

    pooling: str  # one of POOLINGS (mean, cls, max, mean_sqrt_len)
    normalize: bool
    max_length: int
    lowercase: bool
    dimension: int

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise ConfigError(f"{path}: missing (a sentence-transformers folder needs it)") from error
    except json.JSONDecodeError as error:
        raise ConfigError(f"{path}: not valid JSON ({error})") from error


def is_sentence_transformers_folder(folder: str | Path) -> bool:
    """True when modules.json names a Pooling module: how `hfparity` detects this task."""
    modules = Path(folder) / "modules.json"
    if not modules.is_file():
        return False
    try:
        entries = json.loads(modules.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return False
    return any(isinstance(e, dict) and e.get("type") == POOLING_MODULE for e in entries)


def _pooling_of(config: dict, path: Path) -> str:
    chosen = [mode for mode, key in (("cls", "pooling_mode_cls_token"),
                                     ("mean", "pooling_mode_mean_tokens"),
                                     ("max", "pooling_mode_max_tokens"),
                                     ("mean_sqrt_len", "pooling_mode_mean_sqrt_len_tokens"))
              if config.get(key)]
    if len(chosen) != 1:
        raise ConfigError(f"{path}: exactly one pooling mode must be true (found "
                          f"{chosen or 'none'}); concatenated poolings are not supported")
    return chosen[0]


def read_spec(folder: str | Path) -> EmbeddingSpec:
    """The checkpoint's own pooling, normalisation, max length and casing."""
    root = Path(folder)
    modules = _read_json(root / "modules.json")
    types = [m.get("type") for m in modules]
    pooling_entries = [m for m in modules if m.get("type") == POOLING_MODULE]
    if not pooling_entries or types[0] != TRANSFORMER_MODULE:
        raise ConfigError(f"{root / 'modules.json'}: expected a Transformer module followed by "
                          f"a Pooling module, found {types}")
    unknown = set(types) - {TRANSFORMER_MODULE, POOLING_MODULE, NORMALIZE_MODULE}
    if unknown:
        raise ConfigError(f"{root / 'modules.json'}: modules {sorted(unknown)} are not "
                          "supported (Dense layers and others change the vector)")
    pool_path = root / pooling_entries[0].get("path", "1_Pooling") / "config.json"
    pool = _read_json(pool_path)
    st_config = _read_json(root / "sentence_bert_config.json")
    tokenizer = _read_json(root / "tokenizer_config.json")
    model_max = int(tokenizer.get("model_max_length") or 512)
    max_length = int(st_config.get("max_seq_length") or model_max)
    return EmbeddingSpec(pooling=_pooling_of(pool, pool_path),
                         normalize=NORMALIZE_MODULE in types,
                         max_length=min(max_length, model_max),
                         lowercase=bool(tokenizer.get("do_lower_case", False)),
                         dimension=int(pool.get("word_embedding_dimension", 0)))


@dataclass(frozen=True)
class VectorDiff:
    """How two vectors of one row compare (None where not comparable)."""

    comparable: bool
    cosine: float | None
    max_abs_delta: float | None
    norm_ratio: float | None
    agrees: bool


def norm(vector: Sequence[float]) -> float:
    return math.sqrt(math.fsum(float(x) * float(x) for x in vector))


def compare_vectors(reference: Sequence[float] | None, other: Sequence[float] | None,
                    cosine_tolerance: float, abs_tolerance: float) -> VectorDiff:
    """The one per-row rule (module docstring)."""
    if reference is None or other is None or len(reference) != len(other) or not reference:
        return VectorDiff(False, None, None, None, False)
    ref_norm, other_norm = norm(reference), norm(other)
    dot = math.fsum(float(a) * float(b) for a, b in zip(reference, other))
    cosine = dot / (ref_norm * other_norm) if ref_norm > 0 and other_norm > 0 else None
    delta = max(abs(float(a) - float(b)) for a, b in zip(reference, other))
    ratio = other_norm / ref_norm if ref_norm > 0 else None
    agrees = (cosine is not None and cosine >= 1.0 - cosine_tolerance
              and delta <= abs_tolerance * max(1.0, ref_norm))
    return VectorDiff(True, cosine, delta, ratio, agrees)
