"""What a cluster's executors need from this clone: the code zip and the jar list.

    python -m spark_pipelines.jvm.package            # -> dist/hfparity-py.zip (for --py-files)
    python -m spark_pipelines.jvm.package --jars     # the --jars value: Spark NLP jars + ours
    python -m spark_pipelines.jvm.package --classpath  # the same jars for --driver-class-path
    spark-submit --py-files dist/hfparity-py.zip --jars "$JARS" jobs/hf_reference.py ...

Executors share nothing with the driver: the zip goes first on their Python path (so it is the
copy that runs even where the project is also installed), and the jars are served to them by
the driver. The zip holds only our packages; the executors' Python must bring the third-party
ones (see docs/cluster.md).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("parity_core", "hf_reference", "spark_pipelines", "jobs")


def build_zip(out: Path) -> Path:
    """A zip of the packages' .py files, stable in order so rebuilds are byte-identical."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for package in PACKAGES:
            for path in sorted((REPO / package).rglob("*.py")):
                info = zipfile.ZipInfo(str(path.relative_to(REPO)), date_time=(2020, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, path.read_bytes())
    tmp.replace(out)
    return out


def submit_jars() -> list[str]:
    """Spark NLP's jars from set-up's cache plus hfparity-functions.jar (rebuilt when its sources
    changed); refuses when not set up."""
    from spark_pipelines.jvm.jars import functions_jar_path, session_jars, sparknlp_jar

    sparknlp_jar()  # names the cache folder and `make setup` when the jars are missing
    from spark_pipelines.jvm import build_jar

    if not build_jar.is_built():  # the Java sources changed since set-up: never ship a stale jar
        with contextlib.redirect_stdout(sys.stderr):  # stdout may be a --jars value
            build_jar.build()
    jars = session_jars()
    if str(functions_jar_path()) not in jars:
        raise FileNotFoundError(f"{functions_jar_path()}: functions jar missing; run `make setup`")
    return jars


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(REPO / "dist" / "hfparity-py.zip"))
    parser.add_argument("--jars", action="store_true",
                        help="print the comma-separated --jars value instead of building the zip")
    parser.add_argument("--classpath", action="store_true",
                        help="print the same jars as a --driver-class-path value (local masters: "
                             "the executor is the driver's JVM, nothing needs shipping)")
    args = parser.parse_args(argv)
    if args.jars or args.classpath:
        try:
            print((os.pathsep if args.classpath else ",").join(submit_jars()))
        except FileNotFoundError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        return 0
    print(build_zip(Path(args.out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
