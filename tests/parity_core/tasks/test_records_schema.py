"""The record composed from the shared input stages and the task's outputs is today's record,
column for column: producers and readers must not notice the seam."""

from __future__ import annotations

import pyarrow as pa

from parity_core import records
from parity_core.tasks.sequence_classification import TASK

_WORD = pa.struct([pa.field("text", pa.string()), pa.field("begin", pa.int32()),
                   pa.field("end", pa.int32())])
_PIECE = pa.struct([pa.field("piece", pa.string()), pa.field("id", pa.int32()),
                    pa.field("begin", pa.int32()), pa.field("end", pa.int32())])

# A frozen copy of RECORD_SCHEMA as of commit a00e001 (before the task seam).
FROZEN_RECORD_SCHEMA = pa.schema([
    pa.field("id", pa.string(), nullable=False),
    pa.field("status", pa.string(), nullable=False),
    pa.field("error", pa.string()),
    pa.field("text_sha256", pa.string()),
    pa.field("text_length", pa.int32()),
    pa.field("words", pa.list_(_WORD)),
    pa.field("pieces", pa.list_(_PIECE)),
    pa.field("pieces_note", pa.string()),
    pa.field("piece_count", pa.int32()),
    pa.field("truncated", pa.bool_()),
    pa.field("label", pa.string()),
    pa.field("label_id", pa.int32()),
    pa.field("probabilities", pa.list_(pa.float64())),
    pa.field("logits", pa.list_(pa.float64())),
    pa.field("predictions", pa.int32()),
    pa.field("label_rule", pa.string()),
    pa.field("input_ids", pa.list_(pa.int32())),
    pa.field("attention_mask", pa.list_(pa.int32())),
    pa.field("token_type_ids", pa.list_(pa.int32())),
])


def test_record_schema_is_todays_column_for_column():
    assert records.RECORD_SCHEMA.equals(FROZEN_RECORD_SCHEMA, check_metadata=True)
    assert [(f.name, f.type, f.nullable) for f in records.RECORD_SCHEMA] == \
        [(f.name, f.type, f.nullable) for f in FROZEN_RECORD_SCHEMA]
    assert tuple(FROZEN_RECORD_SCHEMA.names) == records.RECORD_COLUMNS
    assert records.OPTIONAL_COLUMNS == ("input_ids", "attention_mask", "token_type_ids")


def test_record_is_input_stages_plus_the_tasks_outputs():
    outputs = set(TASK.output_columns)
    assert outputs == {"label", "label_id", "probabilities", "logits", "predictions",
                       "label_rule"}
    shared = [name for name in records.RECORD_COLUMNS if name not in outputs]
    assert shared == [f.name for f in (*records.INPUT_FIELDS, *records.MODEL_INPUT_FIELDS)]
    assert {TASK.label, TASK.scores, *TASK.row_outputs} <= outputs


def test_names_stay_importable_from_records():
    assert records.LABEL_RULE_MEAN == "mean_of_probabilities"
    assert records.TASK is TASK
    assert records.empty_record("x", records.STATUS_ERROR, "boom")["label"] is None
