"""Numerics: int8 quantized exports, Hugging Face precisions, per-layer localisation.

Real parts throughout: set-up's cased BERT (2 layers), its 3-label corpus (a 160-row slice), the
real ONNX export and onnxruntime quantization, real Spark NLP (spark-submit, its own JVM, since
Spark NLP keeps one model.onnx per SparkContext) and the real join on the session Spark.
The controlled proof perturbs layer.1 of a copy of the checkpoint, deploys the copy to Spark NLP
and checks that localisation names layer.1 for at least 99% of the rows whose cause is numerics.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
import yaml

from parity_core.config import cache_dir, load_config
from parity_core.errors import ConfigError
from parity_core.settings import derive_settings
from tests.support.paths import REPO

ROWS = 120
PERTURBED_LAYER = 1


def _cased_bert() -> Path:
    folder = cache_dir() / "models" / "cased_bert" / "checkpoint"
    if not (folder / "model.safetensors").is_file():
        pytest.fail(f"{folder}: test model missing: run `make setup` first")
    return folder


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("numerics")


@pytest.fixture(scope="module")
def corpus(work) -> Path:
    source = cache_dir() / "models" / "corpus_3label.parquet"
    frame = pd.read_parquet(source, use_threads=False)[["id", "text"]].head(ROWS)
    path = work / "slice.parquet"
    frame.to_parquet(path, index=False)
    return path


def _perturb(source: Path, target: Path, layer: int) -> None:
    """A copy of the checkpoint with every weight matrix of one encoder layer nudged by noise of
    10% of its own spread (fixed seed). The model's probabilities are saturated (median top
    class 0.993 on the slice), so this moves them by ~2e-5 (median): measured in-process, 93% of
    the slice's rows move by more than 1e-5, no label flips; layer.1's hidden state by >= 0.04."""
    import torch
    from safetensors.torch import load_file, save_file

    shutil.copytree(source, target)
    weights = load_file(str(source / "model.safetensors"))
    generator = torch.Generator().manual_seed(7)
    prefix = f".layer.{layer}."
    for name, tensor in weights.items():
        if prefix in name and name.endswith(".weight") and tensor.dim() == 2:
            noise = torch.randn(tensor.shape, generator=generator) * tensor.std() * 0.1
            weights[name] = (tensor + noise).contiguous()
    save_file(weights, str(target / "model.safetensors"), metadata={"format": "pt"})


def _conf(path: Path, checkpoint: Path, onnx: Path, tolerance: float = 1e-3) -> Path:
    document = {"model": {"checkpoint": str(checkpoint), "sparknlp_model": "",
                          "onnx_export": str(onnx)},
                "compare": {"probability_tolerance": tolerance}}
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def perturbed(work, corpus, jvm_scratch_module) -> dict:
    """The perturbed copy exported (fp32) and run by real Spark NLP on the slice."""
    from hf_reference.export import export_checkpoint
    from parity_core.checkpoint import inspect_checkpoint
    from tests.support.submit import spark_submit

    copy = work / "perturbed_checkpoint"
    _perturb(_cased_bert(), copy, PERTURBED_LAYER)
    onnx = work / "perturbed_onnx"
    export_checkpoint(inspect_checkpoint(copy), onnx, say=lambda _: None)
    conf = _conf(work / "perturbed.yaml", copy, onnx)
    out = work / "sparknlp_perturbed"
    done = subprocess.run(
        spark_submit(jvm_scratch_module, "--master", "local[2]",
                     str(REPO / "jobs" / "sparknlp_pipeline.py"), "--config", str(conf),
                     "--input", str(corpus), "--output", str(out)),
        cwd=REPO, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return {"checkpoint": copy, "onnx": onnx, "sparknlp": out}


@pytest.fixture(scope="module")
def jvm_scratch_module():
    from spark_pipelines.jvm.tmpdir import private_tmpdir

    with private_tmpdir() as path:
        yield path


@pytest.fixture(scope="module")
def hf_fp32(spark, work, corpus) -> tuple[Path, object]:
    """The unperturbed cased BERT scored by the Hugging Face job (fp32, cpu) on the slice."""
    from spark_pipelines.hf.job import run_hf_reference

    config = load_config(_conf(work / "reference.yaml", _cased_bert(), work / "unused"))
    settings = derive_settings(config)
    out = work / "hf_fp32"
    run_hf_reference(spark, config, settings, str(corpus), str(out))
    return out, settings


def test_int8_export_is_quantized_checked_with_its_own_bound_and_recorded(work):
    """--quantize int8: MatMuls become integer ops, the manifest says int8 with both sha256s,
    and the int8 |Δlogit| is reported (above the fp32 bound: quantization noise) not refused."""
    import onnx

    from hf_reference.export import export_checkpoint
    from hf_reference.export_check import DEFAULT_BOUND
    from hf_reference.quantize import MAX_INT8_LOGIT_DELTA
    from parity_core.checkpoint import inspect_checkpoint

    result = export_checkpoint(inspect_checkpoint(_cased_bert()), work / "int8", say=print,
                               quantize="int8")
    manifest = json.loads((work / "int8" / "hfparity_manifest.json").read_text())
    ops = {node.op_type for node in onnx.load(str(work / "int8" / "model.onnx")).graph.node}
    assert {"MatMulInteger", "DynamicQuantizeLinear"} <= ops
    assert manifest["quantization"] == "int8"
    assert manifest["onnx_fp32_sha256"] != manifest["onnx_sha256"]
    assert manifest["onnx_fp32_max_abs_logit_delta"] <= DEFAULT_BOUND.atol
    assert manifest["onnx_check"]["rtol"] == DEFAULT_BOUND.rtol
    assert DEFAULT_BOUND.atol < result.max_abs_logit_delta <= MAX_INT8_LOGIT_DELTA
    assert (work / "int8" / "assets" / "vocab.txt").is_file()
    # The layer outputs are found in the quantized graph too (its quantize nodes skipped), and
    # quantization shows from the embeddings on (int8 Gather of the embedding tables).
    from hf_reference.layer_probe import LayerProbe
    from hf_reference.model import load_model

    probe = LayerProbe(load_model(_cased_bert(), 1), work / "int8" / "model.onnx",
                       manifest["onnx_inputs"])
    deltas = probe.deltas([[2, 300, 301, 302, 3], [2, 400, 3]])
    assert probe.names == ["embeddings", "layer.0", "layer.1", "logits"]
    assert (deltas[:, 0] > 1e-4).all() and (deltas[:, -1] <= MAX_INT8_LOGIT_DELTA).all()


def test_layer_summary_reads_back_and_draws_one_line_per_statistic():
    from types import MappingProxyType

    from spark_pipelines.report.model import LayerLocalisation, decode, plain
    from spark_pipelines.report.plots import layer_plot

    loc = LayerLocalisation(3, 0, 1e-3, ("embeddings", "layer.0", "logits"), (1e-6, 0.1, 0.2),
                            (2e-6, 0.3, 0.4), MappingProxyType({"layer.0": 3}))
    assert decode(LayerLocalisation, json.loads(json.dumps(plain(loc)))) == loc
    svg = layer_plot(loc)
    assert svg.count("<polyline") == 2 and svg.count("<circle") == 6
    assert 'stroke-dasharray="4 3"' in svg  # the tolerance


def test_unsupported_precision_or_device_is_refused_by_name():
    from hf_reference.model import check_numerics
    from parity_core.config import parse_config

    with pytest.raises(ConfigError, match=r"inference\.precision must be one of fp32, bf16, fp16"):
        parse_config({"inference": {"precision": "int4"}}, "x.yaml")
    import torch

    if not torch.cuda.is_available():
        with pytest.raises(ConfigError, match=r"inference\.device cuda: .* sees no CUDA device"):
            check_numerics("fp32", "cuda")
    check_numerics("bf16", "cpu")  # bf16 runs on this CPU torch


@pytest.mark.slow
def test_bf16_run_compares_with_fp32_like_any_pair(spark, work, corpus, hf_fp32):
    """Two Hugging Face runs that differ only in precision: the join accepts them, the
    fingerprints say which precision each used, and the counterfactual (re-run in the left
    run's fp32 on the right run's pieces) does not reproduce the bf16 scores: numerics."""
    from spark_pipelines.compare.job import run_compare
    from spark_pipelines.hf.job import run_hf_reference
    from spark_pipelines.io.records import read_records

    left, settings = hf_fp32
    config = load_config(_conf(work / "reference.yaml", _cased_bert(), work / "unused"))
    right = work / "hf_bf16"
    run_hf_reference(spark, config, replace(settings, precision="bf16"), str(corpus), str(right))
    _, right_fp = read_records(spark, str(right))
    _, left_fp = read_records(spark, str(left))
    assert (left_fp["numerics"]["precision"], right_fp["numerics"]["precision"]) == ("fp32",
                                                                                    "bf16")
    assert right_fp["numerics"]["torch"] and right_fp["numerics"]["device"] == "cpu"
    result = run_compare(spark, config, settings, str(left), str(right), str(corpus),
                         str(work / "report_bf16"))
    rows = spark.read.parquet(str(work / "report_bf16" / "rows")).collect()
    assert len(rows) == ROWS
    changed = [r for r in rows if r["status"] != "same"]
    assert changed and {r["cause"] for r in changed} == {"numerics"}
    assert {r["cf_verdict"] for r in changed} == {"not_reproduced"}
    assert result.summary.layers is None  # no ONNX graph on a Hugging Face right side


@pytest.mark.slow
def test_localisation_names_the_perturbed_layer(spark, work, corpus, hf_fp32, perturbed):
    """HF on the original weights vs Spark NLP on the copy with layer.1 nudged. The rows the
    perturbation changed are those whose right-side output (|Δp| tolerance 1e-5) the reference
    cannot reproduce on the same pieces (cf not_reproduced: cause numerics, or a token
    difference on top); each is localised, and the first layer past the tolerance must be
    layer.1 for >= 99% of them."""
    from spark_pipelines.compare.job import run_compare

    left, settings = hf_fp32
    # |Δp| tolerance 1e-5: ten times fp32 ONNX-vs-torch noise here, below the perturbation's
    # effect on saturated probabilities (see _perturb).
    config = load_config(_conf(work / "localise.yaml", _cased_bert(), perturbed["onnx"], 1e-5))
    out = work / "report_perturbed"
    result = run_compare(spark, config, settings, str(left), str(perturbed["sparknlp"]),
                         str(corpus), str(out), allow_model_mismatch=True)
    rows = spark.read.parquet(str(out / "rows")).collect()
    changed = [r for r in rows if r["cf_verdict"] == "not_reproduced"]
    assert len(changed) >= 40, f"only {len(changed)} changed rows of {len(rows)}"
    assert {r["cause"] for r in rows if r["pieces_equal"] and r["status"] != "same"} \
        == {"numerics"}
    located = [r["layer_localisation"] for r in changed]
    assert all(loc is not None and loc["error"] is None for loc in located)
    named = sum(loc["first_past"] == f"layer.{PERTURBED_LAYER}" for loc in located)
    share = named / len(changed)
    print(f"localisation named layer.{PERTURBED_LAYER} for {named}/{len(changed)} changed "
          f"rows ({share:.2%})")
    assert share >= 0.99
    assert located[0]["layers"] == ["embeddings", "layer.0", "layer.1", "logits"]
    before = max(d for loc in located for d in loc["max_abs_delta"][:PERTURBED_LAYER + 1])
    assert before < located[0]["tolerance"]
    assert all(r["layer_localisation"] is None for r in rows if r["cf_verdict"] != "not_reproduced"
               and r["cause"] != "numerics")
    layers = result.summary.layers
    assert layers is not None and layers.rows == len(changed)
    assert layers.first_past.get(f"layer.{PERTURBED_LAYER}") == named
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "Where the numbers part (per layer)" in page and "<polyline" in page
