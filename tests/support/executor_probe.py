"""spark-submit probe: what the executors actually run (Python, where our code comes from, cwd).

    spark-submit <the jobs' flags> tests/support/executor_probe.py <out.json> <executors>

Waits until <executors> executors have registered, runs a few tasks on each and writes what
each task saw as JSON, so a test can check the executors run the configured Python, import the
project from the --py-files zip and work in their own folders, not the driver's.
"""

from __future__ import annotations

import json
import os
import sys
import time


def task_view(_: object) -> dict:
    import hf_reference
    import spark_pipelines

    time.sleep(0.5)  # keep tasks long enough for every executor to get some
    return {"python": sys.executable, "spark_pipelines": spark_pipelines.__file__,
            "hf_reference": hf_reference.__file__, "cwd": os.getcwd()}


def main() -> int:
    from pyspark.sql import SparkSession

    out, wanted = sys.argv[1], int(sys.argv[2])
    spark = SparkSession.builder.appName("hfparity-executor-probe").getOrCreate()
    context = spark.sparkContext
    deadline = time.time() + 90
    # getExecutorMemoryStatus lists the driver too.
    while context._jsc.sc().getExecutorMemoryStatus().size() - 1 < wanted:
        if time.time() > deadline:
            raise TimeoutError(f"fewer than {wanted} executors registered after 90 s")
        time.sleep(0.5)
    views = context.parallelize(range(4 * wanted), 4 * wanted).map(task_view).collect()
    with open(out, "w", encoding="utf-8") as handle:
        json.dump({"driver_cwd": os.getcwd(), "tasks": views}, handle, indent=1)
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
