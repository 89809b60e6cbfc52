"""A rewritten export: the original ONNX graph with a small graph in front that turns Spark NLP
5.5.3's model input into Hugging Face's (parity_core/families/input_rewrite.py states the rule and
why it is decidable from the ids alone), for the family rules no pipeline setting reaches.

The rewrite reads the graph inputs Spark NLP feeds (input_ids, attention_mask: same names,
types and dynamic axes as the export's) and hands the original nodes the rewritten ids and mask;
Spark NLP's mask is not read (it is `id != 0` of the ids). The folder is an export like any
(`model.onnx`, the same assets, a manifest), so `loadSavedModel` imports it on the same path.
The rewrite is marked in the model's metadata_props (METADATA_KEY), which is how the Spark NLP
producer and the deployment audit recognise it, and it is checked before it is written: on
Hugging Face's inputs put into Spark NLP's form, the rewritten export must give torch's logits on
Hugging Face's own inputs within the export bound, padded batches included.

Run: python -m hf_reference.input_rewrite --checkpoint DIR --onnx EXPORT_DIR --output DIR
(exit 2 when the checkpoint's family has no rewrite or the check fails).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hf_reference.export_check import DEFAULT_BOUND, ExportBound, LogitCheck, measure
from parity_core.checkpoint import CheckpointInfo
from parity_core.errors import BadInput, ParityError
from parity_core.families.input_rewrite import (
    METADATA_KEY,
    NAME_PREFIX,
    InputRewrite,
    family_rewrite,
)
from parity_core.fingerprint import read_model_manifest, sha256_file, write_model_manifest

IDS, MASK = "input_ids", "attention_mask"
REWRITTEN_IDS, REWRITTEN_MASK = NAME_PREFIX + "input_ids", NAME_PREFIX + "attention_mask"
CHECK_BATCH = 8
# Characters a small vocabulary lacks: unknown pieces, which XLM-R's rule feeds as <pad>.
UNKNOWN_TEXTS = ("a snowman ☃ and runes ᚠᛇᚻ", "ﬃ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢")


def rewrite_nodes(rewrite: InputRewrite) -> tuple[list[Any], list[Any]]:
    """(nodes, initializers) computing REWRITTEN_IDS and REWRITTEN_MASK from IDS, as
    InputRewrite.apply does per row: padding is the trailing run of the pad id (a reverse
    cumulative count of non-pad ids is 0 there), the end is the last non-pad position."""
    from onnx import TensorProto, helper, numpy_helper

    def name(x: str) -> str:
        return NAME_PREFIX + x

    def const(key: str, value: int) -> Any:
        return numpy_helper.from_array(np.array(value, dtype=np.int64), name(key))

    inits = [const("pad", rewrite.pad_id), const("zero", 0), const("one", 1),
             const("axis", 1), const("shift", rewrite.piece_id_shift),
             const("unknown_from", -1 if rewrite.unknown_from is None else rewrite.unknown_from),
             const("unknown_to", 0 if rewrite.unknown_to is None else rewrite.unknown_to)]
    n = helper.make_node
    nodes = [
        n("Equal", [IDS, name("pad")], [name("is_pad")]),
        n("Not", [name("is_pad")], [name("not_pad")]),
        n("Cast", [name("not_pad")], [name("not_pad_i")], to=TensorProto.INT64),
        n("CumSum", [name("not_pad_i"), name("axis")], [name("after")], reverse=1),
        n("Greater", [name("after"), name("zero")], [name("content")]),
        n("Cast", [name("content")], [REWRITTEN_MASK], to=TensorProto.INT64),
        n("Equal", [name("after"), name("one")], [name("last_count")]),
        n("And", [name("last_count"), name("not_pad")], [name("is_end")]),
        n("Shape", [IDS], [name("shape")]),
        n("Gather", [name("shape"), name("one")], [name("width")], axis=0),
        n("Range", [name("zero"), name("width"), name("one")], [name("position")]),
        n("Greater", [name("position"), name("zero")], [name("after_start")]),
        n("And", [name("content"), name("after_start")], [name("not_start")]),
        n("Not", [name("is_end")], [name("not_end")]),
        n("And", [name("not_start"), name("not_end")], [name("piece")]),
        n("Sub", [IDS, name("shift")], [name("shifted")]),
        n("Where", [name("piece"), name("shifted"), IDS], [name("unshifted")]),
        n("Equal", [name("unshifted"), name("unknown_from")], [name("is_unknown_id")]),
        n("And", [name("piece"), name("is_unknown_id")], [name("is_unknown")]),
        n("Where", [name("is_unknown"), name("unknown_to"), name("unshifted")], [REWRITTEN_IDS]),
    ]
    return nodes, inits


def _rename_inputs(graph: Any, renames: dict[str, str]) -> None:
    """Point every node input (subgraphs included) named in renames at its new name."""
    from onnx import AttributeProto

    for node in graph.node:
        for i, value in enumerate(node.input):
            if value in renames:
                node.input[i] = renames[value]
        for attribute in node.attribute:
            if attribute.type == AttributeProto.GRAPH:
                _rename_inputs(attribute.g, renames)
            elif attribute.type == AttributeProto.GRAPHS:
                for sub in attribute.graphs:
                    _rename_inputs(sub, renames)


def rewrite_model(model: Any, rewrite: InputRewrite) -> Any:
    """The ONNX model with the rewrite before its nodes, marked in metadata_props."""
    from onnx import helper

    inputs = [i.name for i in model.graph.input]
    if IDS not in inputs or MASK not in inputs:
        raise ValueError(f"the export's inputs are {inputs}; the rewrite needs {IDS} and {MASK}")
    _rename_inputs(model.graph, {IDS: REWRITTEN_IDS, MASK: REWRITTEN_MASK})
    nodes, inits = rewrite_nodes(rewrite)
    original = list(model.graph.node)
    del model.graph.node[:]
    model.graph.node.extend([*nodes, *original])
    model.graph.initializer.extend(inits)
    helper.set_model_props(model, {**{p.key: p.value for p in model.metadata_props},
                                   METADATA_KEY: rewrite.to_json()})
    return model


def rewrite_only_model(rewrite: InputRewrite) -> Any:
    """The rewrite alone as a model (input_ids, attention_mask -> the rewritten pair): what the
    tests run against InputRewrite.apply."""
    from onnx import TensorProto, helper

    from hf_reference.export import OPSET

    def io(x: str) -> Any:
        return helper.make_tensor_value_info(x, TensorProto.INT64, ["batch", "sequence"])

    nodes, inits = rewrite_nodes(rewrite)
    graph = helper.make_graph(nodes, "hfparity_input_rewrite", [io(IDS), io(MASK)],
                              [io(REWRITTEN_IDS), io(REWRITTEN_MASK)], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                             ir_version=8)


def _tokenizer_pad(folder: Path) -> int:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True,
                                              trust_remote_code=False)
    if tokenizer.pad_token_id is None:
        raise BadInput(f"{folder}: the tokenizer has no pad token; the rewrite needs Spark NLP's "
                       "pad id to tell padding from the row")
    return int(tokenizer.pad_token_id)


def rewrite_for(info: CheckpointInfo) -> InputRewrite:
    """The checkpoint family's rewrite (BadInput when its family has no rule to rewrite)."""
    rewrite = family_rewrite(info.family.name, _tokenizer_pad(info.folder))
    if rewrite is None:
        raise BadInput(f"{info.folder}: a {info.family.name} checkpoint; its family has no Spark "
                       "NLP input rule a model-side rewrite removes")
    return rewrite


def check_rewrite(info: CheckpointInfo, onnx_path: Path, rewrite: InputRewrite,
                  texts: Sequence[str], bound: ExportBound = DEFAULT_BOUND) -> LogitCheck:
    """The rewritten export on Spark NLP's form of Hugging Face's inputs against torch on
    Hugging Face's own inputs, in padded batches of CHECK_BATCH."""
    import onnxruntime
    import torch

    from hf_reference.export import CHECK_MAX_LENGTH, _load

    model, tokenizer = _load(info)
    session = onnxruntime.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    expected, got = [], []
    for start in range(0, len(texts), CHECK_BATCH):
        batch = tokenizer(list(texts[start:start + CHECK_BATCH]), truncation=True,
                          max_length=CHECK_MAX_LENGTH, padding=True, return_tensors="pt")
        with torch.inference_mode():
            expected.append(model(input_ids=batch[IDS], attention_mask=batch[MASK])
                            .logits.numpy())
        rows = [rewrite.sparknlp_form(i, m) for i, m in
                zip(batch[IDS].tolist(), batch[MASK].tolist())]
        feed = {IDS: np.array([r[0] for r in rows], dtype=np.int64),
                MASK: np.array([r[1] for r in rows], dtype=np.int64)}
        got.append(session.run(["logits"], feed)[0])
    return measure(expected, got, bound)


@dataclass(frozen=True)
class RewriteResult:
    folder: Path
    rewrite: InputRewrite
    check: LogitCheck


def build_rewritten_export(info: CheckpointInfo, export_dir: str | Path, out_dir: str | Path,
                           say: Callable[[str], None] = print,
                           bound: ExportBound = DEFAULT_BOUND) -> RewriteResult:
    """export_dir (an `hfparity import` export of info's checkpoint) with the family's rewrite,
    checked against torch, written to out_dir (beside it, then renamed)."""
    import onnx

    from hf_reference.export import CHECK_TEXTS
    from hf_reference.export_check import refuse_unless_within

    export = Path(export_dir)
    manifest = read_model_manifest(export)
    if manifest.get("family") != info.family.name:
        raise BadInput(f"--onnx {export}: a {manifest.get('family')} export, the checkpoint is "
                       f"{info.family.name}")
    rewrite = rewrite_for(info)
    out = Path(out_dir)
    work = out.with_name(out.name + ".building")
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(export / "assets", work / "assets")
    model = rewrite_model(onnx.load(str(export / "model.onnx")), rewrite)
    onnx.checker.check_model(model)
    onnx.save(model, str(work / "model.onnx"))
    texts = [*CHECK_TEXTS, *UNKNOWN_TEXTS]
    check = check_rewrite(info, work / "model.onnx", rewrite, texts, bound)
    say(f"input rewrite: {rewrite.describe()}")
    say(f"rewritten export on Spark NLP's input vs torch on Hugging Face's, {len(texts)} texts: "
        f"{check.line()}")
    if not check.passed:
        shutil.rmtree(work, ignore_errors=True)
        refuse_unless_within(check, f"input rewrite of {export}")
    write_model_manifest(work, {
        **manifest, "onnx_sha256": sha256_file(work / "model.onnx"),
        "input_rewrite": rewrite.to_json(), "rewrite_of_onnx_sha256": manifest["onnx_sha256"],
        "onnx_max_abs_logit_delta": check.max_abs_delta, "onnx_check": check.manifest(),
        "onnx_check_texts": len(texts)})
    shutil.rmtree(out, ignore_errors=True)
    os.replace(work, out)
    return RewriteResult(out, rewrite, check)


def main(argv: list[str] | None = None) -> int:
    from parity_core.checkpoint import inspect_checkpoint

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--onnx", required=True, help="the checkpoint's export folder")
    parser.add_argument("--output", required=True)
    args = parser.parse_args(argv)
    try:
        build_rewritten_export(inspect_checkpoint(args.checkpoint), args.onnx, args.output)
    except ParityError as refused:
        print(f"input rewrite: {refused}", file=sys.stderr)
        return 2  # bad input, as every command (README: exit codes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
