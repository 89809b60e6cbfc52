"""ALBERT (SentencePiece): every Spark NLP 5.5.3 fact about it.

AlbertClassification builds its SentencepieceEncoder with the constructor default offset 0 and
start/end `pieceToId("[CLS]")` / `pieceToId("[SEP]")`; the encoder lowercases but keeps accents,
where Hugging Face's ALBERT tokenizer (keep_accents false) strips them.
"""

from __future__ import annotations

from parity_core.families.base import Family, FamilyRule, TokenizerSettings
from parity_core.families.sentencepiece import common_warnings

ACCENTS_KEPT = "accents_kept"
ACCENTS_KEPT_RULE = FamilyRule(
    ACCENTS_KEPT,
    "AlbertClassification's SentencepieceEncoder lowercases but keeps accents; Hugging Face's "
    "ALBERT tokenizer (keep_accents false) strips them: an accented word reaches the model as "
    "other pieces")
# A Latin letter with a diacritic (Latin-1 Supplement and Latin Extended-A/B, × and ÷ left out):
# what the rule looks for in Spark NLP's pieces and not in Hugging Face's.
ACCENTED = "[\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u024F]"

ACCENTS_WARNING = ("ALBERT: Hugging Face strips accents (keep_accents false), Spark NLP's "
                   "SentencepieceEncoder only lowercases: accented words get other pieces")


def _accent_warnings(settings: TokenizerSettings, spark_chars: int | None) -> list[str]:
    return [ACCENTS_WARNING] if settings.strip_accents else []


ALBERT = Family("albert", "AlbertForSequenceClassification", "AlbertForSequenceClassification",
                "AlbertClassification", ("input_ids", "attention_mask", "token_type_ids"),
                tokenizer_model="Unigram", special_tokens=("[CLS]", "[SEP]", "<pad>", "<unk>"),
                assets=("spiece.model", "labels.txt"), lowercase_default=True,
                rules=(ACCENTS_KEPT_RULE,), warnings=common_warnings("AlbertClassification"),
                settings_warnings=_accent_warnings)
