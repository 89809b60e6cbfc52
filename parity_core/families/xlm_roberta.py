"""XLM-RoBERTa (SentencePiece, fairseq ids): every Spark NLP 5.5.3 fact about it.

XlmRoBertaClassification adds 1 to every SentencePiece id (fairseq order) with start id 0 and
end id 2 as constants: an unknown piece (SentencePiece id 0) becomes 1 (<pad>) where Hugging
Face uses 3 (<unk>), and <s> (id 0) falls under the `id != 0` mask on every row.
"""

from __future__ import annotations

from parity_core.families.base import START_MASKED_RULE, Family, FamilyRule
from parity_core.families.sentencepiece import common_warnings

# Spark NLP adds 1 to every SentencePiece id, as Hugging Face's fairseq mapping does for every
# piece but SentencePiece's <unk> (id 0), which Hugging Face maps to 3: so Family.piece_id_offset
# (beyond Hugging Face) is 0, and only the unknown piece differs.
SPARKNLP_ID_OFFSET = 1
UNKNOWN_PIECE_ID = 0 + SPARKNLP_ID_OFFSET  # SentencePiece's <unk>, as Spark NLP feeds it: <pad>
HF_UNKNOWN_ID = 3  # <unk> in the fairseq vocabulary Hugging Face feeds

UNKNOWN_AS_PAD = "unknown_as_pad"
UNKNOWN_AS_PAD_RULE = FamilyRule(
    UNKNOWN_AS_PAD,
    "XlmRoBertaClassification adds 1 to SentencePiece ids: an unknown piece (SentencePiece id 0) "
    "reaches the model as 1 (<pad>), not 3 (<unk>)")

WARNINGS = (
    *common_warnings("XlmRoBertaClassification"),
    "XlmRoBertaClassification adds 1 to every SentencePiece id (fairseq order) with start 0 / "
    "end 2: an unknown piece (SentencePiece id 0) becomes id 1 (<pad>) where Hugging Face uses "
    "3 (<unk>); <s> (id 0) is masked on every row",
)

# loadSavedModel reads assets/<the .model file> + labels.txt; the checkpoint must ship that
# file (a tokenizer.json is not accepted in its place).
XLM_ROBERTA = Family("xlm-roberta", "XLMRobertaForSequenceClassification",
                     "XlmRoBertaForSequenceClassification", "XlmRoBertaClassification",
                     ("input_ids", "attention_mask"), tokenizer_model="Unigram",
                     special_tokens=("<s>", "</s>", "<pad>", "<unk>"),
                     assets=("sentencepiece.bpe.model", "labels.txt"), lowercase_default=False,
                     start_token_masked=True,
                     rules=(UNKNOWN_AS_PAD_RULE, START_MASKED_RULE), warnings=WARNINGS)
