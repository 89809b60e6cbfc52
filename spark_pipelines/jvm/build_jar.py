"""Compile the project's Java functions into one jar: spark_pipelines/sparknlp/java (Spark NLP's
model pieces) and spark_pipelines/explain/java (the row explanation), each beside its caller.

Two functions live there: Spark NLP's model pieces (a UDF, hfparity.SparkNlpWordpieces), which calls
Spark NLP's own tokenization code and so must be compiled against the exact jar the sessions
load, and the join's row explanation (a Catalyst expression over Spark's internal rows,
hfparity.explain.ExplainExpression, so it must match the Spark the sessions run). The jar
lands in `jars.functions_jar_path()` (versioned by Spark NLP release) and `session_jars()` then adds
it to every session. A stamp (sha256 of the sources, the Spark NLP jar name and the javac
binary) beside the jar makes a second build a no-op.
Run: python -m spark_pipelines.jvm.build_jar [--force]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from spark_pipelines.jvm import jars

_SPARK_PIPELINES = Path(__file__).resolve().parent.parent
JAVA_DIRS = (_SPARK_PIPELINES / "sparknlp" / "java", _SPARK_PIPELINES / "explain" / "java")


def _sources() -> list[Path]:
    return sorted(path for folder in JAVA_DIRS for path in folder.rglob("*.java"))


def _javac() -> str:
    javac = shutil.which("javac")
    if javac is None:
        raise RuntimeError("javac not found on PATH: a JDK (17) is needed to build the jar")
    return javac


def _pyspark_jars() -> list[str]:
    import pyspark

    return sorted(str(p) for p in (Path(pyspark.__file__).parent / "jars").glob("*.jar"))


def build_stamp() -> str:
    """What the built jar depends on: the sources, the Spark NLP jar, the compiler."""
    digest = hashlib.sha256()
    for source in _sources():
        digest.update(source.name.encode())
        digest.update(source.read_bytes())
    digest.update(jars.sparknlp_jar().name.encode())
    # The compiler by its resolved binary (path, size, mtime), not by running `javac -version`:
    # every spark-submit checks this stamp, and a JVM start per check cost ~0.7 s.
    compiler = Path(_javac()).resolve()
    stat = compiler.stat()
    digest.update(f"{compiler}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def _stamp_path(jar: Path) -> Path:
    return jar.with_name(jar.name + ".stamp")


def is_built() -> bool:
    jar = jars.functions_jar_path()
    stamp = _stamp_path(jar)
    return jar.is_file() and stamp.is_file() and stamp.read_text().strip() == build_stamp()


def build(force: bool = False) -> Path:
    """Compile and package the functions jar unless an up-to-date one is already there."""
    jar = jars.functions_jar_path()
    if not force and is_built():
        print(f"[setup] functions jar: cached ({jar})", flush=True)
        return jar
    classpath = os.pathsep.join([*jars.cached_jars(), *_pyspark_jars()])
    jar.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="hfparity-udf-") as work:
        classes = Path(work) / "classes"
        classes.mkdir()
        # -proc:none: the Spark NLP classpath carries lombok, whose processor breaks on JDK 17.
        command = [_javac(), "-proc:none", "--release", "8", "-nowarn", "-encoding", "UTF-8",
                   "-d", str(classes), "-cp", classpath, *map(str, _sources())]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"javac failed for the functions jar:\n{done.stdout}{done.stderr}")
        tmp = jar.with_name(jar.name + ".tmp")
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n")
            for path in sorted(classes.rglob("*.class")):
                info = zipfile.ZipInfo(str(path.relative_to(classes)), (2020, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, path.read_bytes())
        os.replace(tmp, jar)
    _stamp_path(jar).write_text(build_stamp() + "\n")
    print(f"[setup] functions jar: built {jar}", flush=True)
    return jar


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--force", action="store_true", help="rebuild even when up to date")
    args = parser.parse_args(argv)
    build(force=args.force)
    return 0


if __name__ == "__main__":
    sys.exit(main())
