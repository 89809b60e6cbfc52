"""The prediction-record schema: one definition, every producer, one comparator.

A record is the input stages every task shares (id, status, text hash, words, pieces,
truncation, model input) plus the outputs of the task (parity_core/tasks/: the task owns its
output columns and how two outputs compare). The column names, order and types are fixed:
producers and readers use RECORD_SCHEMA / RECORD_COLUMNS and never assemble them themselves.

Defined with pyarrow (no pyspark here); Spark code converts it with
`pyspark.sql.pandas.types.from_arrow_schema`. Offsets are Unicode code points, end exclusive,
for every producer. Special tokens ([CLS], [SEP]) carry null offsets. A word or piece span
leaves out the whitespace its token carries, so both sides' spans start at the word; each
producer's exact form of that rule (which whitespace, which ends) is stated, with where the two
differ and why both stay, in parity_core/families/unicode.py ("The span rule").
"""

from __future__ import annotations

import hashlib
from typing import Any

import pyarrow as pa

from parity_core.tasks import Task
from parity_core.tasks.sequence_classification import LABEL_RULE_MEAN
from parity_core.tasks.sequence_classification import TASK as SEQUENCE_CLASSIFICATION

# Row statuses a producer may write.
STATUS_OK = "ok"  # scored: the task's outputs (a label and probabilities) are set
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

# Input stages, shared by every task: identity and status, the text, words, pieces, truncation.
INPUT_FIELDS = (
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
)
# What the side fed its model for the row (model-input stage, shared by every task): ids with
# the start and end tokens, the attention mask, and token_type_ids where the model is fed them
# (else null). Added after the first release, so they follow the task's outputs: folders
# written before lack them and read as null.
MODEL_INPUT_FIELDS = (
    pa.field("input_ids", pa.list_(pa.int32())),
    pa.field("attention_mask", pa.list_(pa.int32())),
    pa.field("token_type_ids", pa.list_(pa.int32())),
)

# The task every producer and the join work on today.
TASK: Task = SEQUENCE_CLASSIFICATION


def record_fields(task: Task) -> list[pa.Field]:
    """A task's record: the input stages, the task's outputs, the model-input stage."""
    return [*INPUT_FIELDS, *task.output_fields, *MODEL_INPUT_FIELDS]


RECORD_FIELDS = record_fields(TASK)
RECORD_SCHEMA = pa.schema(RECORD_FIELDS)
RECORD_COLUMNS = tuple(f.name for f in RECORD_FIELDS)
# Columns a records folder may lack (written before they existed): read as null.
OPTIONAL_COLUMNS = tuple(f.name for f in MODEL_INPUT_FIELDS)

__all__ = [
    "FINGERPRINT_FIELD_KEY", "INPUT_FIELDS", "LABEL_RULE_MEAN", "MODEL_INPUT_FIELDS",
    "OPTIONAL_COLUMNS", "PIECE_TYPE", "RECORD_COLUMNS", "RECORD_FIELDS", "RECORD_SCHEMA",
    "STATUSES", "STATUS_ERROR", "STATUS_INVALID_TEXT", "STATUS_NO_PREDICTION", "STATUS_OK",
    "TASK", "WORD_TYPE", "empty_record", "record_fields", "text_sha256",
]

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
