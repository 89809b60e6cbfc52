"""The venv's spark-submit as the tests launch it: with a private driver temp folder.

Spark NLP 5.5.3 leaves model copies in the driver's java.io.tmpdir (spark_pipelines/
jvm/tmpdir.py); a killed driver leaves Spark's own scratch there too. Each launch gets a folder
the `jvm_scratch` fixture removes, so a test run leaves nothing in the system temp folder.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from spark_pipelines.jvm.tmpdir import submit_args

BIN = Path(sys.executable).parent
MODEL_COPY = re.compile(r"^[0-9a-f]{12}_(\w+_)?onnx\d+$")


def spark_submit(scratch: Path, *args: str) -> list[str]:
    """`spark-submit <args>` whose driver uses `scratch` as java.io.tmpdir."""
    return [str(BIN / "spark-submit"), *submit_args(scratch), *args]


def model_copies(folder: Path) -> set[str]:
    """Spark NLP 5.5.3's per-load model copies (`<12 hex>_..._onnx<digits>`) in a folder."""
    return {p.name for p in folder.iterdir() if MODEL_COPY.match(p.name)}


# Spark NLP 5.5.3 copies a model into java.io.tmpdir twice per load (spark_pipelines/jvm/tmpdir.py).
COPY_KINDS = {"bert_sequence_classification_onnx", "onnx"}


def copy_kinds(copies: set[str]) -> set[str]:
    """`<12 hex>_bert_sequence_classification_onnx<n>` -> bert_sequence_classification_onnx."""
    return {name.split("_", 1)[1].rstrip("0123456789") for name in copies}
