"""Set-up's JVM step: cached Spark NLP jars, the compiled pieces UDF, the venv's spark-defaults
and its find-spark-home (so `.venv/bin/spark-submit` runs from any shell).

Run: python -m spark_pipelines.jvm.setup
"""

from __future__ import annotations

import sys

from spark_pipelines.jvm import jars
from spark_pipelines.jvm import submit as venv_submit


def main() -> int:
    jars.resolve()
    try:
        from spark_pipelines.jvm import build_jar as udf_build
    except ImportError:  # the pieces UDF is optional until its module exists
        udf_build = None
    if udf_build is not None:
        udf_build.build()
    path = jars.write_spark_defaults()
    print(f"[setup] spark-submit defaults: {path}", flush=True)
    script = venv_submit.write_find_spark_home()
    if script is not None:
        print(f"[setup] {script}: names this venv's SPARK_HOME, so spark-submit works without "
              "activating the venv", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
