"""`hfparity import`: a Hugging Face checkpoint folder -> ONNX export -> saved Spark NLP model.

Steps: inspect (parity_core.checkpoint: refusals before any work), export and check against
torch (hf_reference.export), import with the family's Spark NLP annotator
(spark_pipelines.sparknlp.import_model) in a process of its own, because Spark NLP keeps one
model.onnx per SparkContext. The output folder holds onnx/ and sparknlp_model/, each with the
manifest; when the saved model's manifest names this checkpoint's weights and vocab, a second
run returns at once.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hf_reference.export_check import DEFAULT_BOUND, ExportBound
from parity_core.checkpoint import CheckpointInfo
from parity_core.files import MODEL_MANIFEST
from parity_core.fingerprint import read_model_manifest, sha256_file
from parity_core.tasks.token_classification import ARCHITECTURES as TOKEN_ARCHITECTURES
from parity_core.tasks.token_classification import config_architecture, is_token_classification

REPO = Path(__file__).resolve().parents[2]
ONNX_DIR = "onnx"
SPARKNLP_DIR = "sparknlp_model"


@dataclass(frozen=True)
class ImportedModel:
    """Where the export and the saved Spark NLP model are, and what the export measured."""

    onnx: Path
    sparknlp_model: Path
    cached: bool
    onnx_max_abs_logit_delta: float
    manifest: dict


def _identity(info: CheckpointInfo, quantize: str) -> dict[str, str]:
    """What a finished import must have been made from: family, weights and vocab sha256, and
    the quantization (manifests from before quantization: "none")."""
    return {"family": info.family.name, "checkpoint_sha256": sha256_file(info.files.weights),
            "vocab_sha256": hashlib.sha256(info.vocabulary_bytes()).hexdigest(),
            "quantization": quantize}


def _current_manifest(folder: Path, identity: dict[str, str]) -> dict | None:
    """The saved model's manifest when it was imported from this checkpoint, else None."""
    if not (folder / "metadata").is_dir() or not (folder / MODEL_MANIFEST).is_file():
        return None
    manifest = read_model_manifest(folder)
    recorded = {"quantization": "none", **manifest}
    same = all(recorded.get(key) == value for key, value in identity.items())
    return manifest if same else None


def _import_in_own_process(onnx: Path, out: Path) -> None:
    """spark_pipelines.sparknlp.import_model in a new Python process: its own SparkContext."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)}
    done = subprocess.run([sys.executable, "-m", "spark_pipelines.sparknlp.import_model",
                           "--onnx", str(onnx), "--out", str(out)], env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"Spark NLP import of {onnx} failed (exit {done.returncode}); "
                           "its output is above")


def import_checkpoint(info: CheckpointInfo, output: str | Path,
                      say: Callable[[str], None] = print, quantize: str = "none",
                      bound: ExportBound = DEFAULT_BOUND) -> ImportedModel:
    """Export (checked against torch within bound) and import `info`'s checkpoint into
    output/{onnx,sparknlp_model} unless a finished import of the same weights, vocab and
    quantization is already there (its recorded check is then reported, not re-run)."""
    out = Path(output).resolve()
    onnx, saved = out / ONNX_DIR, out / SPARKNLP_DIR
    started = time.time()
    identity = _identity(info, quantize)
    manifest = _current_manifest(saved, identity)
    if manifest is not None:
        say(f"import: cached ({saved}: manifest matches {info.files.weights.name} sha256 "
            f"{identity['checkpoint_sha256'][:12]}), {time.time() - started:.1f} s")
        return ImportedModel(onnx, saved, True, manifest["onnx_max_abs_logit_delta"], manifest)
    from hf_reference.export import export_checkpoint

    step = time.time()
    exported = export_checkpoint(info, onnx, say=lambda line: say(f"export: {line}"),
                                 quantize=quantize, bound=bound)
    kind = "" if quantize == "none" else f" ({quantize} quantized)"
    say(f"export: {exported.manifest['architecture']} -> {onnx}{kind} "
        f"({exported.seconds:.1f} s)")
    step = time.time()
    _import_in_own_process(onnx, saved)
    architecture = config_architecture(info.folder)
    annotator = TOKEN_ARCHITECTURES[info.family.name][1] \
        if is_token_classification(architecture) else info.family.sparknlp_annotator
    say(f"import: Spark NLP {annotator} saved to {saved} "
        f"({time.time() - step:.1f} s, own Spark process)")
    manifest = read_model_manifest(saved)
    return ImportedModel(onnx, saved, False, exported.max_abs_logit_delta, manifest)


def imported_at(info: CheckpointInfo, output: str | Path, quantize: str = "none"
                ) -> ImportedModel | None:
    """The finished import of `info`'s checkpoint in output/{onnx,sparknlp_model}, or None:
    what import_checkpoint would return at once, for a caller that looks in several places."""
    out = Path(output).resolve()
    manifest = _current_manifest(out / SPARKNLP_DIR, _identity(info, quantize))
    if manifest is None:
        return None
    return ImportedModel(out / ONNX_DIR, out / SPARKNLP_DIR, True,
                         manifest["onnx_max_abs_logit_delta"], manifest)
