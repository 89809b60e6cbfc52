"""DeBERTa-v2/v3 (SentencePiece): every Spark NLP 5.5.3 fact about it.

DeBertaClassification builds its SentencepieceEncoder with `pieceIdOffset = 1`: every
SentencePiece id reaches the model one higher than Hugging Face feeds it; start/end are
`pieceToId("[CLS]")` / `pieceToId("[SEP]")` without the offset. DeBERTa-v3 checkpoints survive
the shift because their embedding matrix has spare rows (128,100 rows for 128,000 pieces); one
without a spare row is refused before any Spark work (sparknlp_limits.py).
"""

from __future__ import annotations

from parity_core.families.base import Family, FamilyRule
from parity_core.families.sentencepiece import common_warnings

PIECE_ID_OFFSET = 1

PIECE_ID_SHIFT = "piece_id_offset"
PIECE_ID_OFFSET_RULE = FamilyRule(
    PIECE_ID_SHIFT,
    "DeBertaClassification adds 1 to every SentencePiece id (pieceIdOffset 1); Hugging Face's "
    "DeBERTa-v2 uses the ids as they are")

WARNINGS = (
    *common_warnings("DeBertaClassification"),
    "DeBertaClassification adds 1 to every SentencePiece id (pieceIdOffset = 1), but Hugging "
    "Face's DeBERTa-v2 uses the model's ids as they are: every piece reaches the model as the "
    "next vocabulary entry",
)

DEBERTA_V2 = Family("deberta-v2", "DebertaV2ForSequenceClassification",
                    "DeBertaForSequenceClassification", "DeBertaClassification",
                    ("input_ids", "attention_mask"), tokenizer_model="Unigram",
                    special_tokens=("[CLS]", "[SEP]", "[PAD]", "[UNK]"),
                    assets=("spm.model", "labels.txt"), lowercase_default=False,
                    piece_id_offset=PIECE_ID_OFFSET, rules=(PIECE_ID_OFFSET_RULE,),
                    warnings=WARNINGS)
