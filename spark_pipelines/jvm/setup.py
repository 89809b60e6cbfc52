"""Set-up's JVM step: cached Spark NLP jars, the project's functions jar (hfparity-functions.jar:
Spark NLP's model pieces and the join's row explanation), the venv's spark-defaults and its
find-spark-home (so `.venv/bin/spark-submit` runs from any shell).

Run: python -m spark_pipelines.jvm.setup
"""

from __future__ import annotations

import sys

from spark_pipelines.jvm import build_jar, jars, submit


def main() -> int:
    jars.resolve()
    build_jar.build()  # after resolve: the functions are compiled against the cached jars
    path = jars.write_spark_defaults()
    print(f"[setup] spark-submit defaults: {path}", flush=True)
    script = submit.write_find_spark_home()
    if script is not None:
        print(f"[setup] {script}: names this venv's SPARK_HOME, so spark-submit works without "
              "activating the venv", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
