"""ONNX exports of a sentence-transformers folder for Spark NLP's embedding annotators.

`onnx/`: the plain encoder (inputs input_ids, attention_mask, token_type_ids; outputs
last_hidden_state, pooler_output), what E5/BGE/MPNet pool themselves; `onnx_sentence/`: the
encoder with the folder's own pooling (and Normalize) in the graph, its one output named
`last_hidden_state` ([batch, dim]), which Spark NLP 5.5.3's BertSentenceEmbeddings returns per
row as it is. Both get assets/vocab.txt; each is checked against torch on CHECK_TEXTS.
Used by set-up (hf_reference/setup_models/sentence_models.py) and `hfparity import`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from parity_core.tasks.sentence_embedding import read_spec

OPSET = 17
CHECK_TEXTS = ("A modest pleasure that accomplishes its goals with ease.",
               "Café in Zürich, near Jean-Luc's shop", "ok")
MAX_EXPORT_DELTA = 1e-4  # ONNX fp32 vs torch on CHECK_TEXTS; refuse an export beyond it
FOLDERS = ("onnx", "onnx_sentence")


def _export(checkpoint: Path, out: Path, sentence: bool) -> float:
    """Write out/model.onnx + out/assets/vocab.txt; return max |Δ| ONNX vs torch."""
    import numpy as np
    import onnxruntime
    import torch
    from transformers import AutoModel, AutoTokenizer

    from hf_reference.sentence_pooling import PooledEncoder, TokenEncoder, traceable

    spec = read_spec(checkpoint)
    encoder = AutoModel.from_pretrained(str(checkpoint), local_files_only=True).eval()
    tokenizer = AutoTokenizer.from_pretrained(str(checkpoint), local_files_only=True)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    module = (PooledEncoder(traceable(encoder), spec.pooling, spec.normalize) if sentence
              else TokenEncoder(traceable(encoder))).eval()
    outputs = ["last_hidden_state"] if sentence else ["last_hidden_state", "pooler_output"]
    batch = tokenizer(list(CHECK_TEXTS), padding=True, return_tensors="pt")
    inputs = tuple(batch[n] for n in names)
    axes = {n: {0: "batch", 1: "sequence"} for n in names}
    axes.update({o: {0: "batch", 1: "sequence"} for o in outputs})
    if sentence:
        axes["last_hidden_state"] = {0: "batch"}
    (out / "assets").mkdir(parents=True, exist_ok=True)
    torch.onnx.export(module, inputs, str(out / "model.onnx"), input_names=names,
                      output_names=outputs, dynamic_axes=axes, opset_version=OPSET,
                      dynamo=False)
    with torch.inference_mode():
        expected = module(*inputs)
    expected = expected if sentence else expected[0]
    session = onnxruntime.InferenceSession(str(out / "model.onnx"))
    got = session.run([outputs[0]], {n: batch[n].numpy() for n in names})[0]
    shutil.copy2(checkpoint / "vocab.txt", out / "assets" / "vocab.txt")
    return float(np.abs(got - expected.numpy()).max())


def export_folders(checkpoint: Path, out: Path) -> dict[str, float]:
    """Write out/onnx and out/onnx_sentence; return each one's max |Δ| against torch."""
    return {folder: _export(Path(checkpoint), Path(out) / folder, folder == "onnx_sentence")
            for folder in FOLDERS}
