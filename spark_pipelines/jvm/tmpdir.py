"""A private java.io.tmpdir for each driver JVM we start, removed when its launcher is done.

Spark NLP 5.5.3 copies a model into java.io.tmpdir twice each time it loads one
(`<id>_bert_sequence_classification_onnx<n>` and `<id>_onnx<n>`, ~88 MB each for the small
BERT) and never deletes either (upstream fix: spark-nlp PR #14792, after 5.5.3). On a shared
/tmp that is ~176 MB per job, for ever: the test suite alone left ~2 GB per run. Spark's own
scratch (block manager, fetched files) defaults to java.io.tmpdir too, so a private one also
takes away what a killed JVM would have left.

No pyspark import here: `jobs/demo.py` uses it before any Spark starts.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PREFIX = "hfparity-jvm-"
DRIVER_JAVA_OPTIONS = "spark.driver.extraJavaOptions"
TMPDIR_OPTION = "-Djava.io.tmpdir="
UPSTREAM_FIX = "spark-nlp PR #14792, after 5.5.3"


def new_private_tmpdir() -> Path:
    """A fresh folder under the system temp folder, named so `is_private` recognises it."""
    return Path(tempfile.mkdtemp(prefix=PREFIX))


def private_tmpdir_until_exit() -> Path:
    """A private folder removed when this Python process exits (for in-process sessions)."""
    path = new_private_tmpdir()
    atexit.register(shutil.rmtree, path, True)
    return path


@contextmanager
def private_tmpdir() -> Iterator[Path]:
    """A private folder for one spark-submit run, removed when the block ends."""
    path = new_private_tmpdir()
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def with_tmpdir(java_options: str | None, path: Path) -> str:
    """Driver Java options with java.io.tmpdir set to `path`, keeping the caller's others."""
    kept = [o for o in (java_options or "").split() if not o.startswith(TMPDIR_OPTION)]
    return " ".join([*kept, f"{TMPDIR_OPTION}{path}"])


def submit_args(path: Path) -> list[str]:
    """spark-submit flags that give the driver `path` as its java.io.tmpdir."""
    return ["--conf", f"{DRIVER_JAVA_OPTIONS}={with_tmpdir(None, path)}"]


def is_private(tmpdir: str) -> bool:
    return Path(tmpdir).name.startswith(PREFIX)


def shared_tmpdir_note(tmpdir: str, driver_java_options: str = "") -> str | None:
    """What to tell a user whose driver loads Spark NLP models into a shared temp folder.

    None when the folder is one of ours, or when the driver was given its java.io.tmpdir
    explicitly (`driver_java_options`, spark.driver.extraJavaOptions): that is the advice, taken
    (docs/cluster.md's block gives each driver a mktemp -d folder).
    """
    if is_private(tmpdir) or TMPDIR_OPTION in driver_java_options:
        return None
    return (f"Spark NLP 5.5.3 leaves two copies of each model it loads in the driver's "
            f"java.io.tmpdir ({tmpdir}) and never deletes them ({UPSTREAM_FIX}); give the "
            f"driver a folder you remove afterwards: --conf "
            f"{DRIVER_JAVA_OPTIONS}={TMPDIR_OPTION}<folder>")
