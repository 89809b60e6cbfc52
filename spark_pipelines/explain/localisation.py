"""Per-layer localisation on the executors: which layer do two runs of the same pieces part at?

For the chosen rows (the join passes those whose cause is numerics), the reference model runs
the right side's model-input ids with its hidden states, and the right side's ONNX graph
(onnxruntime, layer outputs exposed: hf_reference.layer_probe) runs the same ids; per layer the
max |Δ| over the row's pieces, and the first layer past the tolerance. mapInArrow, one probe
per Python worker; torch and onnxruntime are imported there only, so the join stays torch-free.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pyarrow as pa
from pyspark.sql import DataFrame
from pyspark.sql.pandas.types import from_arrow_schema

from parity_core.settings import EffectiveSettings

LOCALISATION_FIELD = pa.struct([
    pa.field("layers", pa.list_(pa.string())),
    pa.field("max_abs_delta", pa.list_(pa.float64())),
    pa.field("first_past", pa.string()),
    pa.field("tolerance", pa.float64()),
    pa.field("error", pa.string()),
])
LOCALISATION_SCHEMA = pa.schema([pa.field("id", pa.string(), nullable=False),
                                 pa.field("layer_localisation", LOCALISATION_FIELD)])
# The report row schema's layer_localisation (report/schema.py LOCALISATION_TYPE) is this
# struct; build_rows casts to it, and tests/test_localisation.py checks the two are one.

_PROBES: dict[str, Any] = {}


def _worker_probe(settings_json: str, onnx_path: str, onnx_inputs: list[str]) -> Any:
    """(scorer, probe) of this worker, built on first use: the reference scorer's model and
    tokenizer, and the other side's graph with its layer outputs exposed."""
    key = json.dumps([settings_json, onnx_path])
    probe = _PROBES.get(key)
    if probe is None:
        from hf_reference.layer_probe import LayerProbe
        from spark_pipelines.hf.scoring import worker_scorer

        scorer = worker_scorer(settings_json)
        probe = (scorer, LayerProbe(scorer.model, onnx_path, onnx_inputs, scorer.threads))
        _PROBES.clear()
        _PROBES[key] = probe
    return probe


def _localise(rows: list[dict[str, Any]], settings_json: str, onnx_path: str,
              onnx_inputs: list[str], tolerance: float) -> list[dict[str, Any]]:
    """One localisation per row; a batch that fails is retried row by row so one bad row
    carries its error instead of failing the task."""
    from hf_reference.layer_probe import first_past
    from spark_pipelines.explain.rerun import model_input_ids

    scorer, probe = _worker_probe(settings_json, onnx_path, onnx_inputs)
    try:
        sequences = [model_input_ids(list(r["pieces"]), scorer.tokenizer) for r in rows]
        deltas = probe.deltas(sequences)
    except Exception as exc:
        if len(rows) > 1:
            return [out for row in rows for out in _localise([row], settings_json, onnx_path,
                                                             onnx_inputs, tolerance)]
        return [{"id": rows[0]["id"], "layer_localisation": {
            "layers": probe.names, "max_abs_delta": None, "first_past": None,
            "tolerance": tolerance, "error": f"{type(exc).__name__}: {exc}"[:300]}}]
    return [{"id": row["id"], "layer_localisation": {
        "layers": probe.names, "max_abs_delta": [float(x) for x in d],
        "first_past": first_past(d, probe.names, tolerance), "tolerance": tolerance,
        "error": None}} for row, d in zip(rows, deltas)]


def _batches(settings_json: str, onnx_path: str, onnx_inputs: list[str], tolerance: float
             ) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    def localise(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            rows = batch.to_pylist()
            for start in range(0, len(rows), 16):
                out = _localise(rows[start:start + 16], settings_json, onnx_path, onnx_inputs,
                                tolerance)
                yield pa.RecordBatch.from_pylist(out, schema=LOCALISATION_SCHEMA)

    return localise


def localise_layers(rows: DataFrame, settings: EffectiveSettings, onnx_path: str,
                    onnx_inputs: list[str], tolerance: float, partitions: int | None = None
                    ) -> DataFrame:
    """DataFrame[id, layer_localisation] for `rows` (id, pieces: the right side's pieces)."""
    target = partitions or rows.sparkSession.sparkContext.defaultParallelism
    chosen = rows.select("id", "pieces").repartition(target, "id")
    settings_json = json.dumps(settings.to_dict(), sort_keys=True)
    return chosen.mapInArrow(_batches(settings_json, onnx_path, list(onnx_inputs), tolerance),
                             from_arrow_schema(LOCALISATION_SCHEMA))
