"""The input rewrite's graph (hf_reference/input_rewrite.py) against its rule
(parity_core/families/input_rewrite.py), with onnxruntime on tiny hand-made Spark NLP rows, and
one rewritten export of a real test model against torch."""

from __future__ import annotations

import io

import numpy as np
import pytest

from hf_reference.input_rewrite import (
    IDS,
    MASK,
    REWRITTEN_IDS,
    REWRITTEN_MASK,
    rewrite_model,
    rewrite_only_model,
)
from parity_core.families.input_rewrite import (
    METADATA_KEY,
    family_rewrite,
    read_onnx_metadata,
    rewrite_of_metadata,
)

# (family, pad id, Spark NLP rows as 5.5.3 feeds them, the ids Hugging Face feeds, its mask)
CASES = [
    # RoBERTa: <s> = 0 masked by `id != 0`; padding with <pad> = 1, which `id != 0` attends.
    ("roberta", 1, [[0, 100, 200, 2, 1], [0, 300, 2, 1, 1]],
     [[0, 100, 200, 2, 1], [0, 300, 2, 1, 1]], [[1, 1, 1, 1, 0], [1, 1, 1, 0, 0]]),
    # XLM-R: an unknown piece fed as 1 (<pad>), inside the row and just before </s>.
    ("xlm-roberta", 1, [[0, 1, 50, 2, 1, 1], [0, 60, 70, 80, 1, 2]],
     [[0, 3, 50, 2, 1, 1], [0, 60, 70, 80, 3, 2]], [[1, 1, 1, 1, 0, 0], [1] * 6]),
    # DeBERTa-v2: every piece id + 1, [CLS] = 1, [SEP] = 2 and [PAD] = 0 not.
    ("deberta-v2", 0, [[1, 11, 21, 2, 0], [1, 31, 2, 0, 0]],
     [[1, 10, 20, 2, 0], [1, 30, 2, 0, 0]], [[1, 1, 1, 1, 0], [1, 1, 1, 0, 0]]),
]


def _run(model, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    import onnxruntime

    session = onnxruntime.InferenceSession(model.SerializeToString(),
                                           providers=["CPUExecutionProvider"])
    got = session.run([REWRITTEN_IDS, REWRITTEN_MASK],
                      {IDS: ids, MASK: (ids != 0).astype(np.int64)})
    return got[0], got[1]


@pytest.mark.parametrize(("family", "pad", "sparknlp", "hf_ids", "hf_mask"), CASES,
                         ids=[c[0] for c in CASES])
def test_graph_turns_sparknlp_rows_into_hugging_face_rows(family, pad, sparknlp, hf_ids,
                                                          hf_mask):
    rewrite = family_rewrite(family, pad)
    ids, mask = _run(rewrite_only_model(rewrite), np.array(sparknlp, dtype=np.int64))
    assert ids.tolist() == hf_ids and mask.tolist() == hf_mask
    assert [list(rewrite.apply(row)) for row in sparknlp] == \
        [[i, m] for i, m in zip(hf_ids, hf_mask)]
    # and Spark NLP's form of Hugging Face's row is the row Spark NLP feeds (mask `id != 0`)
    assert [rewrite.sparknlp_form(i, m)[0] for i, m in zip(hf_ids, hf_mask)] == sparknlp


@pytest.mark.parametrize("family", ["roberta", "xlm-roberta", "deberta-v2"])
def test_graph_and_rule_agree_on_random_rows(family):
    pad = 0 if family == "deberta-v2" else 1
    rewrite = family_rewrite(family, pad)
    rng = np.random.default_rng(7)
    rows = []
    for length in rng.integers(0, 9, size=40):
        pieces = rng.integers(1, 6, size=length)  # ids 1..5: pads and unknowns among pieces
        row = [0 if pad == 1 else 1, *(int(p) + (pad == 0) for p in pieces), 2]
        rows.append(row + [pad] * (10 - len(row)))
    ids, mask = _run(rewrite_only_model(rewrite), np.array(rows, dtype=np.int64))
    expected = [rewrite.apply(row) for row in rows]
    assert ids.tolist() == [e[0] for e in expected]
    assert mask.tolist() == [e[1] for e in expected]


def test_rewritten_model_feeds_the_original_nodes_and_is_marked():
    """A stand-in export (logits = its ids and mask side by side) behind the rewrite: the
    original nodes get the rewritten pair, the graph's inputs keep their names, the metadata
    names the rewrite and is read back without parsing the graph."""
    from onnx import TensorProto, checker, helper

    def io_(name: str, dims: list[str]) -> object:
        return helper.make_tensor_value_info(name, TensorProto.INT64, dims)

    graph = helper.make_graph(
        [helper.make_node("Concat", [IDS, MASK], ["both"], axis=1),
         helper.make_node("Cast", ["both"], ["logits"], to=TensorProto.FLOAT)],
        "export", [io_(IDS, ["batch", "sequence"]), io_(MASK, ["batch", "sequence"])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", None])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    rewrite = family_rewrite("xlm-roberta", 1)
    rewritten = rewrite_model(model, rewrite)
    checker.check_model(rewritten)
    assert [i.name for i in rewritten.graph.input] == [IDS, MASK]
    import onnxruntime

    session = onnxruntime.InferenceSession(rewritten.SerializeToString(),
                                           providers=["CPUExecutionProvider"])
    ids = np.array([[0, 9, 1, 2, 1]], dtype=np.int64)
    (logits,) = session.run(["logits"], {IDS: ids, MASK: (ids != 0).astype(np.int64)})
    assert logits.astype(int).tolist() == [[0, 9, 3, 2, 1, 1, 1, 1, 1, 0]]
    metadata = read_onnx_metadata(io.BytesIO(rewritten.SerializeToString()).read)
    assert rewrite_of_metadata(metadata) == rewrite and METADATA_KEY in metadata


def test_rewritten_deberta_export_equals_torch_on_sparknlp_input(tmp_path):
    """The real DeBERTa test model: on Spark NLP's ids (every piece + 1) the plain export is far
    from torch, the rewritten one within the export bound, padded batches included."""
    from hf_reference.export import CHECK_TEXTS
    from hf_reference.input_rewrite import build_rewritten_export, check_rewrite
    from parity_core.checkpoint import inspect_checkpoint
    from parity_core.config import cache_dir

    root = cache_dir() / "models" / "deberta"
    info = inspect_checkpoint(root / "checkpoint")
    result = build_rewritten_export(info, root / "onnx", tmp_path / "rewritten", say=lambda _: None)
    assert result.check.passed and result.check.max_abs_delta < 1e-4
    assert (tmp_path / "rewritten" / "assets" / "spm.model").is_file()
    plain = check_rewrite(info, root / "onnx" / "model.onnx", result.rewrite, CHECK_TEXTS[:16])
    assert not plain.passed and plain.max_abs_delta > 100 * result.check.max_abs_delta
