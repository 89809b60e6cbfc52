"""Per-layer localisation: where in the network two runs of the same pieces part.

The reference runs with its hidden states (embeddings, then one per encoder layer); the other
side's ONNX graph runs with the same layers' outputs exposed as extra graph outputs. For each
row, the max |Δ| over the row's real (unpadded) positions is taken per layer, then over the
logits; the first layer past the tolerance is where the numbers part. Pure Python (torch and
onnxruntime); the Spark wrapper is spark_pipelines/explain/localisation.py.

Layer outputs in the graph are found by the module path torch's exporter writes into node names
(`/bert/embeddings/...`, `/bert/encoder/layer.3/...`, DistilBERT `/transformer/layer.3/...`):
the last node of each module, in graph order (topological), emits that module's output. An int8
quantization keeps those names (LayerNormalization is not quantized; the quantize nodes that
follow it are skipped).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np

EMBEDDINGS = "embeddings"
LOGITS = "logits"
_LAYER = re.compile(r"/layer\.(\d+)/")


def layer_outputs(graph: Any) -> list[tuple[str, str]]:
    """[(layer name, tensor name)]: embeddings, layer.0 … layer.N-1, from node names."""
    last: dict[str, str] = {}
    for node in graph.node:
        if "Quantize" in node.op_type:  # int8: the quantized copy of a layer's output
            continue
        if "/embeddings/" in node.name:
            last[EMBEDDINGS] = node.output[0]
        elif match := _LAYER.search(node.name):
            last[f"layer.{int(match.group(1))}"] = node.output[0]
    layers = sorted((k for k in last if k != EMBEDDINGS), key=lambda k: int(k.split(".")[1]))
    return [(name, last[name]) for name in ([EMBEDDINGS] if EMBEDDINGS in last else []) + layers]


def exposed_graph(onnx_path: str | Path) -> tuple[bytes, list[str], list[str]]:
    """(model bytes with every layer output added as a graph output, layer names, tensors)."""
    import onnx

    model = onnx.load(str(onnx_path))
    found = layer_outputs(model.graph)
    present = {output.name for output in model.graph.output}
    for _, tensor in found:
        if tensor not in present:
            model.graph.output.append(
                onnx.helper.make_tensor_value_info(tensor, onnx.TensorProto.FLOAT, None))
    return model.SerializeToString(), [n for n, _ in found], [t for _, t in found]


class LayerProbe:
    """The reference model (hidden states on) and the other side's exposed ONNX graph, loaded
    once; `deltas` gives per-row, per-layer max |Δ| for model-input id sequences."""

    def __init__(self, model: Any, onnx_path: str | Path, onnx_inputs: list[str],
                 threads: int = 1) -> None:
        import onnxruntime

        self.model = model
        graph, self.layer_names, self._tensors = exposed_graph(onnx_path)
        expected = model.config.num_hidden_layers + 1
        if len(self.layer_names) != expected:
            raise ValueError(f"{onnx_path}: found {len(self.layer_names)} layer outputs "
                             f"({self.layer_names}), the reference has {expected} hidden states")
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        self.session = onnxruntime.InferenceSession(graph, options,
                                                    providers=["CPUExecutionProvider"])
        self.onnx_inputs = list(onnx_inputs)

    @property
    def names(self) -> list[str]:
        return [*self.layer_names, LOGITS]

    def deltas(self, sequences: list[list[int]]) -> np.ndarray:
        """[rows, layers + 1] max |Δ| (hidden states over unpadded positions, then logits)."""
        import torch

        width = max(len(s) for s in sequences)
        ids = np.zeros((len(sequences), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, seq in enumerate(sequences):
            ids[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        got = self.session.run([*self._tensors, LOGITS],
                               {n: feed[n] for n in self.onnx_inputs})
        inputs = {n: torch.from_numpy(feed[n]).to(self.model.device) for n in self.onnx_inputs}
        with torch.inference_mode():
            out = self.model(**inputs, output_hidden_states=True)
        expected = [h.float().cpu().numpy() for h in out.hidden_states]
        expected.append(out.logits.float().cpu().numpy())
        real = mask.astype(bool)[:, :, None]
        result = np.zeros((len(sequences), len(expected)), dtype=np.float64)
        for k, (ref, other) in enumerate(zip(expected, got)):
            diff = np.abs(ref.astype(np.float64) - other.astype(np.float64))
            if diff.ndim == 3:
                diff = np.where(real, diff, 0.0)
            result[:, k] = diff.reshape(len(sequences), -1).max(axis=1)
        return result


def first_past(deltas: np.ndarray, names: list[str], tolerance: float) -> str | None:
    """The first layer whose max |Δ| is above tolerance (None: no layer is)."""
    past = np.flatnonzero(deltas > tolerance)
    return names[int(past[0])] if past.size else None
