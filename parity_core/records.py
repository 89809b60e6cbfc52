"""The prediction-record schema: one definition, every producer, one comparator.

Defined with pyarrow (no pyspark here); Spark code converts it with
`pyspark.sql.pandas.types.from_arrow_schema`. Offsets are Unicode code points, end exclusive,
for every producer. Special tokens ([CLS], [SEP]) carry null offsets.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pyarrow as pa

# Row statuses a producer may write.
STATUS_OK = "ok"  # scored: label and probabilities are set
STATUS_NO_PREDICTION = "no_prediction"  # the framework ran but gave no label (e.g. empty text)
STATUS_INVALID_TEXT = "invalid_text"  # null or non-string text: not scored
STATUS_ERROR = "error"  # scoring raised; `error` says why
STATUSES = (STATUS_OK, STATUS_NO_PREDICTION, STATUS_INVALID_TEXT, STATUS_ERROR)

WORD_TYPE = pa.struct(
    [
        pa.field("text", pa.string()),
        pa.field("begin", pa.int32()),
        pa.field("end", pa.int32()),
    ]
)
PIECE_TYPE = pa.struct(
    [
        pa.field("piece", pa.string()),
        pa.field("id", pa.int32()),
        pa.field("begin", pa.int32()),
        pa.field("end", pa.int32()),
    ]
)

RECORD_FIELDS = [
    pa.field("id", pa.string(), nullable=False),
    pa.field("status", pa.string(), nullable=False),
    pa.field("error", pa.string()),
    pa.field("text_sha256", pa.string()),
    pa.field("text_length", pa.int32()),
    pa.field("words", pa.list_(WORD_TYPE)),
    pa.field("pieces", pa.list_(PIECE_TYPE)),
    pa.field("pieces_note", pa.string()),
    pa.field("piece_count", pa.int32()),
    pa.field("truncated", pa.bool_()),
    pa.field("label", pa.string()),
    pa.field("label_id", pa.int32()),
    pa.field("probabilities", pa.list_(pa.float64())),
    pa.field("logits", pa.list_(pa.float64())),
    # How many predictions the framework made for the row (a sentence detector upstream makes
    # one per sentence) and the rule that made the recorded label of several (LABEL_RULE_MEAN).
    # Null where the producer makes one prediction per text by construction (Hugging Face).
    pa.field("predictions", pa.int32()),
    pa.field("label_rule", pa.string()),
    # What the side fed its model for the row (model-input stage): ids with the start and end
    # tokens, the attention mask, and token_type_ids where the model is fed them (else null).
    # Added after the first release: folders written before lack them and read as null.
    pa.field("input_ids", pa.list_(pa.int32())),
    pa.field("attention_mask", pa.list_(pa.int32())),
    pa.field("token_type_ids", pa.list_(pa.int32())),
]
RECORD_SCHEMA = pa.schema(RECORD_FIELDS)
RECORD_COLUMNS = tuple(f.name for f in RECORD_FIELDS)
# Columns a records folder may lack (written before they existed): read as null.
OPTIONAL_COLUMNS = ("input_ids", "attention_mask", "token_type_ids")

# Several predictions of one row are averaged (probabilities, then argmax): Spark NLP's own
# document-level rule (coalesceSentences), and the one that uses every sentence the deployment
# scored, where "the first sentence" would silently drop the rest of the text.
LABEL_RULE_MEAN = "mean_of_probabilities"

# Field-metadata key of the `id` column under which a records folder carries its run
# fingerprint (JSON); spark_pipelines/io/records.py writes and reads it.
FINGERPRINT_FIELD_KEY = "hfparity.fingerprint"


def empty_record(record_id: str, status: str, error: str | None = None) -> dict[str, Any]:
    """A record with only id/status/error set: what a producer writes for an unscored row."""
    record: dict[str, Any] = {name: None for name in RECORD_COLUMNS}
    record.update(id=record_id, status=status, error=error)
    return record


def text_sha256(text: str) -> str:
    """The one text hash both producers record and the join compares: sha256 of the UTF-8 bytes,
    lone surrogates kept (surrogatepass) so a malformed text hashes instead of failing."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
