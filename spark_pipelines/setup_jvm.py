"""Set-up's JVM step: cached Spark NLP jars, the compiled pieces UDF, the venv's spark-defaults.

Run: python -m spark_pipelines.setup_jvm
"""

from __future__ import annotations

import sys

from spark_pipelines import jars


def main() -> int:
    jars.resolve()
    try:
        from spark_pipelines import udf_build
    except ImportError:  # the pieces UDF is optional until its module exists
        udf_build = None
    if udf_build is not None:
        udf_build.build()
    path = jars.write_spark_defaults()
    print(f"[setup] spark-submit defaults: {path}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
