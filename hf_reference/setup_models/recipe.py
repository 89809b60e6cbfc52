"""A test model's recipe: every choice that decides its weights, hashed into its cache key.

Its own module so that the builder (build_test_models) and the trainer (scratch_training) both
read it without importing each other."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Recipe:
    """Everything that decides a test model's weights (all of it goes into the recipe hash)."""

    name: str
    family: str  # parity_core.checkpoint.FAMILIES key
    lowercase: bool
    vocab_size: int = 8000
    min_frequency: int = 2
    layers: int = 2
    hidden: int = 128
    heads: int = 2
    intermediate: int = 512
    max_positions: int = 512
    embedding_size: int = 0  # ALBERT's factorised embeddings (0: the hidden size)
    spare_embedding_rows: int = 0  # embedding rows beyond the vocabulary (DeBERTa-v3 has 100)
    max_length: int = 128
    batch_size: int = 32
    epochs: int = 3
    learning_rate: float = 5e-4
    warmup_fraction: float = 0.1
    weight_decay: float = 0.01
    seed: int = 42
