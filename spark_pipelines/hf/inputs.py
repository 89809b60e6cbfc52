"""The Hugging Face side's model input on Spark executors, the model not loaded (input-first).

One InputEncoder (the checkpoint's tokenizer) per Python worker, reused between tasks as the
scorer is (hf/scoring.py); each Arrow batch is tokenized in one call to the Rust tokenizer.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pyarrow as pa
from pyspark.sql import DataFrame
from pyspark.sql.pandas.types import from_arrow_schema

from parity_core.settings import EffectiveSettings
from spark_pipelines.hf.scoring import executor_rows
from spark_pipelines.io.arrow_chunks import row_chunks

INPUT_SCHEMA = pa.schema([
    pa.field("id", pa.string()),
    pa.field("hf_input_ids", pa.list_(pa.int32())),
    pa.field("hf_attention_mask", pa.list_(pa.int32())),
    pa.field("hf_token_type_ids", pa.list_(pa.int32())),
])
_ENCODERS: dict[str, Any] = {}


def worker_encoder(settings_json: str) -> Any:
    """The worker's encoder for these settings, loaded on first use and then reused."""
    encoder = _ENCODERS.get(settings_json)
    if encoder is None:
        from hf_reference.inputs import InputEncoder

        encoder = InputEncoder(EffectiveSettings.from_dict(json.loads(settings_json)))
        _ENCODERS.clear()
        _ENCODERS[settings_json] = encoder
    return encoder


def encode_batches(settings_json: str
                   ) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """The mapInArrow function: (id, text) in, INPUT_SCHEMA out (null where not a string)."""

    def encode(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        encoder = None
        for batch in batches:
            for chunk in row_chunks(batch):
                if chunk.num_rows == 0:
                    continue
                encoder = encoder or worker_encoder(settings_json)
                inputs = encoder.encode(chunk.column("text").to_pylist())
                columns = [chunk.column("id"), *(
                    pa.array([None if x is None else x[i] for x in inputs], field.type)
                    for i, field in enumerate(list(INPUT_SCHEMA)[1:]))]
                yield pa.RecordBatch.from_arrays(columns, schema=INPUT_SCHEMA)

    return encode


def hf_inputs(corpus: DataFrame, settings: EffectiveSettings, min_partitions: int | None = None
              ) -> DataFrame:
    """DataFrame[id, hf_input_ids, hf_attention_mask, hf_token_type_ids] per corpus row."""
    settings_json = json.dumps(settings.to_dict(), sort_keys=True)
    return executor_rows(corpus, min_partitions).mapInArrow(encode_batches(settings_json),
                                                            from_arrow_schema(INPUT_SCHEMA))
