"""Run jobs in their own local Spark with task retries, for the worker-kill tests.

    python tests/support/fault_driver.py CORPUS OUT_ROOT hf:clean hf:faulty sparknlp:clean ...

Runs each named job in turn in one SparkSession on `local[2,4]` (2 cores, a task may fail 3
times and still succeed) with Python worker reuse off, so every live Python worker belongs to a
running task. Before a job it prints {"event": "start", "job": name}, after it {"event": "done",
"job": name, "failed_tasks": n, "seconds": s} (JSON lines on stdout), so a test can kill a
worker while a job runs and learn whether Spark saw the task fail. A separate process, so its
retry settings do not touch the test suite's session.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

MASTER = "local[2,4]"


def emit(**event: object) -> None:
    print(json.dumps(event), flush=True)


def failed_tasks(spark, group: str) -> int:
    """Task attempts that failed in the jobs of this job group (retries included)."""
    tracker = spark.sparkContext.statusTracker()
    total = 0
    for job_id in tracker.getJobIdsForGroup(group):
        job = tracker.getJobInfo(job_id)
        for stage_id in job.stageIds if job else []:
            stage = tracker.getStageInfo(stage_id)
            total += stage.numFailedTasks if stage else 0
    return total


def main(corpus: str, out_root: str, jobs: list[str]) -> int:
    from parity_core.config import load_config
    from parity_core.settings import derive_settings
    from spark_pipelines.hf.job import run_hf_reference
    from spark_pipelines.jvm.session import get_session
    from spark_pipelines.sparknlp.job import run_sparknlp

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    config = load_config(REPO / "conf" / "default.yaml")
    settings = derive_settings(config)
    spark = get_session("hfparity-faults", master=MASTER,
                        conf={"spark.python.worker.reuse": "false"})
    runners = {"hf": run_hf_reference, "sparknlp": run_sparknlp}
    try:
        for job in jobs:
            framework = job.split(":")[0]
            spark.sparkContext.setJobGroup(job, job)
            emit(event="start", job=job)
            started = time.time()
            runners[framework](spark, config, settings, corpus,
                               str(Path(out_root) / job.replace(":", "-")))
            emit(event="done", job=job, failed_tasks=failed_tasks(spark, job),
                 seconds=round(time.time() - started, 1))
    finally:
        spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3:]))
