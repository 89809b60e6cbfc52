"""Run fingerprints and model manifests: what made a set of records, checkable by the join.

Weights and vocab travel as sha256 so the join can refuse records made by different models.
Library versions come from package metadata, so nothing heavy is imported here.
"""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from parity_core.files import MODEL_MANIFEST

WEIGHTS_FILE = "model.safetensors"
VOCAB_FILE = "vocab.txt"


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def package_versions(names: tuple[str, ...]) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def java_version() -> str | None:
    """The `java -version` line of the JVM on PATH (None when there is none)."""
    try:
        done = subprocess.run(
            ["java", "-version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = (done.stderr or done.stdout).splitlines()
    return lines[0].strip() if lines else None


def checkpoint_hashes(checkpoint: str | Path) -> dict[str, str]:
    """sha256 of the checkpoint's weights and vocab: the identity the join compares.

    The vocab hash is of the bytes the ONNX export writes to assets/vocab.txt (vocab.txt, or
    tokenizer.json's vocabulary in id order when there is no vocab.txt), so both sides agree.
    """
    folder = Path(checkpoint)
    weights = folder / WEIGHTS_FILE
    if not weights.is_file():
        raise FileNotFoundError(
            f"checkpoint {folder}: {WEIGHTS_FILE} missing (only safetensors weights are loaded)"
        )
    if (folder / VOCAB_FILE).is_file():
        vocab_sha256 = sha256_file(folder / VOCAB_FILE)
    else:
        from parity_core.checkpoint import inspect_checkpoint

        vocab_sha256 = hashlib.sha256(inspect_checkpoint(folder).vocabulary_bytes()).hexdigest()
    return {"checkpoint_sha256": sha256_file(weights), "vocab_sha256": vocab_sha256}


def read_model_manifest(folder: str | Path) -> dict[str, Any]:
    path = Path(folder) / MODEL_MANIFEST
    if not path.is_file():
        raise FileNotFoundError(f"{path}: missing; this folder was not built by `make setup`")
    return json.loads(path.read_text(encoding="utf-8"))


def write_model_manifest(folder: str | Path, manifest: dict[str, Any]) -> None:
    path = Path(folder) / MODEL_MANIFEST
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def run_fingerprint(
    framework: str,
    libraries: tuple[str, ...],
    model_hashes: dict[str, str],
    settings: dict[str, Any],
    warnings: list[str] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything needed to say what produced a set of records."""
    fingerprint: dict[str, Any] = {
        "schema_version": "1",
        "framework": framework,
        "libraries": package_versions(libraries),
        "python": platform.python_version(),
        "java": java_version(),
        "platform": platform.platform(),
        "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        **model_hashes,
        "settings": settings,
        "warnings": list(warnings or []),
    }
    if extra:
        fingerprint.update(extra)
    return fingerprint
