"""Nothing lost, nothing half-written, under real faults on real local Spark with the real jars.

- A Python worker SIGKILLed in the middle of the Hugging Face job, and one in the middle of the
  Spark NLP job (its records are built in Python via mapInArrow), is retried by Spark
  (`local[2,4]`): the job succeeds, each id is written once, labels equal a clean run's.
- A real `spark-submit jobs/hf_reference.py --overwrite` killed while it scores leaves the
  previous output byte for byte and nothing beside it that looks complete.
- Without --overwrite a second run refuses (exit 2) and leaves the output untouched.

Workers are found through /proc: children of the `pyspark.daemon` that our Spark started.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from tests.support.paths import REPO
from tests.support.submit import spark_submit

BIN = Path(sys.executable).parent
DRIVER = REPO / "tests" / "support" / "fault_driver.py"
FAULT_ROWS = 300
MARKER = "_HFPARITY_COMPLETE"
# The clean Hugging Face run is the reference scorer itself, on the same rows without Spark
# (hf_clean below): an independent oracle, and one Spark job less on a 2-core machine.
JOBS = ("hf:faulty", "sparknlp:clean", "sparknlp:faulty")


# --- processes, from /proc --------------------------------------------------------------------

def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a live process, None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return fields[0], int(fields[1])


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def descendants(root: int) -> list[int]:
    """Live (non-zombie) processes below root."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) and stat[0] != "Z":
            children.setdefault(stat[1], []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def python_workers(root: int) -> list[int]:
    """Python workers under root: the children of a `pyspark.daemon` (forks of it)."""
    below = descendants(root)
    daemons = {pid for pid in below if "pyspark.daemon" in _cmdline(pid)}
    return sorted(pid for pid in below
                  if pid in daemons and (stat := _stat(pid)) and stat[1] in daemons)


def _wait_for(condition, timeout: float, what: str,
              process: subprocess.Popen | None = None) -> Any:
    """condition()'s first truthy value; fails when the process ends or time runs out first."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if value := condition():
            return value
        if process is not None and process.poll() is not None:
            raise AssertionError(f"process ended (code {process.returncode}) before {what}")
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def _kill_tree(process: subprocess.Popen, extra: list[int] = ()) -> None:
    """SIGKILL the process group we started, then any recorded process that left it (the
    pyspark daemon makes its own group)."""
    pids = [*descendants(process.pid), *extra]
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    process.wait(timeout=60)


def _env() -> dict[str, str]:
    return {**os.environ, "PATH": f"{BIN}:{os.environ.get('PATH', '')}", "HF_HUB_OFFLINE": "1"}


# --- outputs ----------------------------------------------------------------------------------

def snapshot(folder: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file under folder."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _labels(folder: Path) -> dict[str, tuple[str, str | None, list[float] | None]]:
    rows = pq.read_table(folder, columns=["id", "status", "label", "probabilities"]).to_pylist()
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids)), "an id was written more than once"
    return {row["id"]: (row["status"], row["label"], row["probabilities"]) for row in rows}


# --- worker kill ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def fault_corpus(default_corpus_path, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("faults") / "corpus.parquet"
    pq.write_table(pq.read_table(default_corpus_path).slice(0, FAULT_ROWS), path)
    return path


@pytest.fixture(scope="module")
def fault_runs(fault_corpus) -> dict[str, Any]:
    """Clean and faulty runs of both jobs in one retrying Spark; a worker is killed in each
    faulty run once it has worked for a moment. Returns outputs, events and killed pids."""
    out = fault_corpus.parent / "runs"
    process = subprocess.Popen([sys.executable, str(DRIVER), str(fault_corpus), str(out), *JOBS],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=_env(), cwd=REPO, start_new_session=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout],
                     daemon=True).start()
    stderr: list[str] = []
    threading.Thread(target=lambda: stderr.extend(process.stderr), daemon=True).start()
    events: dict[tuple[str, str], dict[str, Any]] = {}
    killed: dict[str, int] = {}
    try:
        while process.poll() is None or not lines.empty():
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                continue
            if not line.startswith("{"):
                continue
            event = json.loads(line)
            events[(event["job"], event["event"])] = event
            if event["event"] == "start" and event["job"].endswith(":faulty"):
                killed[event["job"]] = _kill_a_busy_worker(process, event["job"])
        assert process.wait(timeout=60) == 0, "".join(stderr)[-4000:]
    finally:
        if process.poll() is None:
            _kill_tree(process)
    return {"out": out, "events": events, "killed": killed, "stderr": "".join(stderr)}


def _kill_a_busy_worker(process: subprocess.Popen, job: str) -> int:
    """SIGKILL a Python worker of the job once it has had a second to get into its task; a
    worker that ended meanwhile (a short-lived one) is skipped and the next one is tried."""
    while process.poll() is None:
        _wait_for(lambda: python_workers(process.pid), 600, f"a Python worker of {job}",
                  process)
        time.sleep(1.0)  # let it get into its task
        for pid in python_workers(process.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                continue
            return pid
    raise AssertionError(f"{job}: the job ended before a Python worker could be killed")


def _assert_retried_and_equal(fault_runs: dict[str, Any], framework: str,
                              clean: dict[str, tuple[str, str | None, list[float] | None]],
                              tolerance: float) -> None:
    events, out = fault_runs["events"], fault_runs["out"]
    faulty = f"{framework}:faulty"
    assert faulty in fault_runs["killed"]
    assert events[(faulty, "done")]["failed_tasks"] >= 1, fault_runs["stderr"][-3000:]
    after_kill = _labels(out / f"{framework}-faulty")
    assert len(clean) == FAULT_ROWS and sorted(after_kill) == sorted(clean)
    for record_id, (status, label, probabilities) in clean.items():
        other = after_kill[record_id]
        assert other[:2] == (status, label), record_id
        assert max(abs(a - b) for a, b in zip(probabilities, other[2])) < tolerance, record_id
    assert (out / f"{framework}-faulty" / MARKER).is_file()


@pytest.fixture(scope="module")
def hf_clean(settings, fault_corpus) -> dict[str, tuple[str, str | None, list[float] | None]]:
    from hf_reference.scorer import ReferenceScorer

    table = pq.read_table(fault_corpus, columns=["id", "text"]).to_pydict()
    records = ReferenceScorer(settings, threads=1).score(table["id"], table["text"])
    return {r["id"]: (r["status"], r["label"], r["probabilities"]) for r in records}


@pytest.mark.slow
def test_python_worker_killed_in_hf_job_is_retried_exactly_once(fault_runs, hf_clean):
    # Batches differ from the Spark run's (one list vs. two partitions), so padding does too:
    # probabilities agree to float noise, labels exactly.
    _assert_retried_and_equal(fault_runs, "hf", hf_clean, 1e-5)


@pytest.mark.slow
def test_python_worker_killed_in_sparknlp_job_is_retried_exactly_once(fault_runs):
    assert fault_runs["events"][("sparknlp:clean", "done")]["failed_tasks"] == 0
    clean = _labels(fault_runs["out"] / "sparknlp-clean")
    _assert_retried_and_equal(fault_runs, "sparknlp", clean, 1e-6)


# --- interrupt and overwrite -------------------------------------------------------------------

def _submit(scratch: Path, corpus: Path, output: Path, *flags: str) -> list[str]:
    return spark_submit(scratch, "--master", "local[2]", str(REPO / "jobs" / "hf_reference.py"),
                        "--config", str(REPO / "conf" / "default.yaml"),
                        "--input", str(corpus), "--output", str(output), *flags)


@pytest.fixture()
def previous_output(fault_runs, tmp_path) -> Path:
    """A complete HF records folder (the retried run's), copied where a new run will target."""
    target = tmp_path / "runs" / "hf"
    shutil.copytree(fault_runs["out"] / "hf-faulty", target)
    assert (target / MARKER).is_file()
    return target


@pytest.mark.slow
def test_interrupted_overwrite_leaves_the_previous_output_intact(
        spark, previous_output, default_corpus_path, jvm_scratch):
    from spark_pipelines.io.records import RecordsError, read_records

    before = snapshot(previous_output)
    parent = previous_output.parent
    process = subprocess.Popen(_submit(jvm_scratch, default_corpus_path, previous_output,
                                       "--overwrite"),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=_env(),
                               cwd=REPO, start_new_session=True)
    try:
        temps = _wait_for(lambda: [p for p in parent.iterdir() if ".tmp-" in p.name], 600,
                          "the run's temp folder", process)
        _wait_for(lambda: python_workers(process.pid), 600, "a scoring Python worker", process)
        time.sleep(2.0)  # scoring, records not yet published
        assert process.poll() is None, "the run finished before it could be interrupted"
        assert not (temps[0] / MARKER).exists()
    finally:
        _kill_tree(process, python_workers(process.pid))
    assert process.returncode == -signal.SIGKILL
    assert snapshot(previous_output) == before
    siblings = sorted(p.name for p in parent.iterdir() if p != previous_output)
    assert siblings == [temps[0].name], siblings  # the temp folder only, never an ".old-"
    assert not (temps[0] / MARKER).exists() and not (temps[0] / "_fingerprint.json").exists()
    with pytest.raises(RecordsError, match=f"no {MARKER} marker"):
        read_records(spark, str(temps[0]))
    records, _ = read_records(spark, str(previous_output))
    assert records.count() == FAULT_ROWS


@pytest.mark.slow
def test_second_run_without_overwrite_exits_2_and_leaves_the_output(previous_output,
                                                                     fault_corpus, jvm_scratch):
    before = snapshot(previous_output)
    done = subprocess.run(_submit(jvm_scratch, fault_corpus, previous_output), capture_output=True,
                          text=True, env=_env(), cwd=REPO, timeout=300, check=False)
    assert done.returncode == 2, done.stdout[-2000:] + done.stderr[-2000:]
    # spark-submit's PythonRunner merges the job's stderr into its stdout.
    assert (f"error: --output {previous_output}: already exists; pass --overwrite to replace "
            "it") in done.stdout
    assert snapshot(previous_output) == before
    assert sorted(p.name for p in previous_output.parent.iterdir()) == ["hf"]


def test_a_write_that_fails_leaves_the_previous_output_and_no_temp_folder(spark, tmp_path):
    """A task error during the write (not a kill): the temp folder is removed, the old output
    stays published."""
    from pyspark.sql import functions as F

    from parity_core.records import empty_record
    from spark_pipelines.io.records import SPARK_RECORD_SCHEMA, read_records, write_records

    rows = [empty_record(i, "invalid_text", "text is null") for i in ("a", "b", "c")]
    frame = spark.createDataFrame(rows, SPARK_RECORD_SCHEMA)
    target = tmp_path / "records"
    write_records(frame, str(target), {"framework": "test", "run": 1})
    before = snapshot(target)
    failing = frame.withColumn("status", F.when(F.col("id") == "b", F.raise_error(F.lit("boom")))
                               .otherwise(F.col("status")))
    with pytest.raises(Exception, match="boom"):
        write_records(failing, str(target), {"framework": "test", "run": 2}, overwrite=True)
    assert snapshot(target) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["records"]
    records, fingerprint = read_records(spark, str(target))
    assert fingerprint["run"] == 1 and records.count() == 3
