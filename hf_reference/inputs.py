"""The Hugging Face side's model input without the model: what input-first scoring compares.

The ids, mask and token type ids are what ReferenceScorer feeds predict_ids for the same text
(`model_input` is the one rule both use): the tokenizer's ids, truncated as transformers
truncates, every position attended, token types all 0 for a model class whose forward takes
them. Only the model's class is looked up (its forward's signature), never its weights, so the
input pass costs the tokenizer alone.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

from hf_reference.tokenization import Tokenized, input_ids_batch, load_tokenizer
from parity_core.settings import EffectiveSettings

ModelInput = tuple[list[int], list[int], list[int] | None]


def model_input(tok: Tokenized, with_types: bool) -> ModelInput:
    """(input_ids, attention_mask, token_type_ids) fed for one tokenized text."""
    return input_from_ids(tok.input_ids, with_types)


def input_from_ids(input_ids: list[int], with_types: bool) -> ModelInput:
    """(input_ids, attention_mask, token_type_ids) fed for these ids: every position attended,
    token types all 0 where the model's forward takes them."""
    ids = list(input_ids)
    return ids, [1] * len(ids), [0] * len(ids) if with_types else None


def class_takes_token_type_ids(checkpoint: str) -> bool:
    """Whether the checkpoint's sequence-classification class takes token_type_ids, read from its
    config and class (no weights loaded): what takes_token_type_ids says of the loaded model."""
    from transformers import AutoConfig
    from transformers.models.auto.modeling_auto import MODEL_FOR_SEQUENCE_CLASSIFICATION_MAPPING

    config = AutoConfig.from_pretrained(checkpoint, local_files_only=True,
                                        trust_remote_code=False)
    model_class = MODEL_FOR_SEQUENCE_CLASSIFICATION_MAPPING[type(config)]
    return "token_type_ids" in inspect.signature(model_class.forward).parameters


def clean_for_tokenizer(text: str) -> str:
    """The Rust tokenizer cannot take lone surrogates; replace them so the row still scores."""
    return text.encode("utf-8", "replace").decode("utf-8") if _has_surrogate(text) else text


_SURROGATE = re.compile("[\ud800-\udfff]")


def _has_surrogate(text: str) -> bool:
    return _SURROGATE.search(text) is not None


class InputEncoder:
    """The checkpoint's tokenizer with the settings, loaded once per worker."""

    def __init__(self, settings: EffectiveSettings) -> None:
        self.settings = settings
        self.tokenizer = load_tokenizer(settings.checkpoint, settings.do_lower_case,
                                        settings.strip_accents)
        self.with_types = class_takes_token_type_ids(settings.checkpoint)

    def encode(self, texts: list[Any]) -> list[ModelInput | None]:
        """The model input per text; None where the scorer would not score (not a string)."""
        valid = [i for i, text in enumerate(texts) if isinstance(text, str)]
        out: list[ModelInput | None] = [None] * len(texts)
        ids = input_ids_batch(self.tokenizer, [clean_for_tokenizer(texts[i]) for i in valid],
                              self.settings.max_length)
        for index, row_ids in zip(valid, ids):
            out[index] = input_from_ids(row_ids, self.with_types)
        return out
