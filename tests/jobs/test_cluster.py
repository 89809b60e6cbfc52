"""The three jobs on a real standalone cluster, submitted exactly as docs/cluster.md tells users.

A master and two workers (separate JVMs, loopback only) run docs/cluster.md's "standalone" command
block verbatim; the same three jobs' library calls on the test's local[2] session (the two
producers' records are the session's, tests/conftest.py) are the baseline, and the two reports
and the two pairs of record sets must be equal row for row. Commands run from a scratch folder
with a PATH that does not contain the venv, so nothing may depend on the working directory or on
an activated venv. Wall times per job are printed (`pytest -s`).
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path
from string import Template
from typing import Any

import pyarrow.parquet as pq
import pytest

from spark_pipelines.report.model import Summary
from tests.support.paths import REPO
from tests.support.standalone import standalone_cluster
from tests.support.submit import COPY_KINDS, copy_kinds, model_copies

pytestmark = pytest.mark.slow

CLUSTER_DOC = REPO / "docs" / "cluster.md"
MARKER = "<!-- standalone commands: tests/jobs/test_cluster.py runs this block verbatim -->"
ASSIGNMENT = re.compile(r"^([A-Z_][A-Z0-9_]*)=")
TOLERANCE = 1e-6
JOB_TIMEOUT_S = 900


def cluster_commands() -> list[str]:
    """The logical commands (continuation lines joined) of docs/cluster.md's standalone block."""
    text = CLUSTER_DOC.read_text(encoding="utf-8")
    assert MARKER in text, f"{CLUSTER_DOC} lost the marker {MARKER!r}"
    block = text.split(MARKER, 1)[1].split("```bash\n", 1)[1].split("\n```", 1)[0]
    commands: list[str] = []
    current = ""
    for line in block.splitlines():
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        current += line + "\n"
        if not line.rstrip().endswith("\\"):
            commands.append(current.rstrip())
            current = ""
    assert not current, "docs/cluster.md's standalone block ends in a continuation line"
    return commands


def job_name(command: str) -> str | None:
    match = re.search(r"/jobs/(\w+)\.py", command)
    return match.group(1) if match else None


def submit_env(**values: str) -> dict[str, str]:
    """This process's environment without the venv on PATH or any Spark/Python overrides."""
    venv_bin = (REPO / ".venv" / "bin").resolve()
    dropped = ("SPARK_HOME", "PYSPARK_PYTHON", "PYSPARK_DRIVER_PYTHON", "PYSPARK_SUBMIT_ARGS",
               "PYTHONPATH", "VIRTUAL_ENV", "SPARK_CONF_DIR")
    env = {key: value for key, value in os.environ.items() if key not in dropped}
    env["PATH"] = os.pathsep.join(
        part for part in env.get("PATH", "").split(os.pathsep)
        if part and Path(part).resolve() != venv_bin
    )
    env["SPARK_LOCAL_IP"] = "127.0.0.1"  # this machine only: keep the driver on loopback too
    env.update(values)
    return env


def run_bash(script: str, env: dict[str, str], cwd: Path, log: Path) -> tuple[int, str]:
    """Run a script in its own process group (killed whole on timeout); (exit code, stdout)."""
    with log.open("w") as err:
        process = subprocess.Popen(["bash", "-eu", "-o", "pipefail", "-c", script], cwd=cwd,
                                   env=env, stdout=subprocess.PIPE, stderr=err, text=True,
                                   start_new_session=True)
        try:
            out, _ = process.communicate(timeout=JOB_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            pytest.fail(f"timed out after {JOB_TIMEOUT_S} s:\n{script}\n{log.read_text()[-3000:]}")
    log.with_suffix(".out").write_text(out)
    return process.returncode, out


def run_block(commands: list[str], env: dict[str, str], cwd: Path, logs: Path
              ) -> tuple[dict[str, float], dict[str, int], dict[str, str]]:
    """Run the documented commands in order, carrying assignments.

    Returns wall seconds and exit code per step, and the environment with the assignments.
    """
    env = dict(env)
    seconds: dict[str, float] = {}
    codes: dict[str, int] = {}
    for index, command in enumerate(commands):
        name = job_name(command) or f"step{index}"
        log = logs / f"{index:02d}-{name}.log"
        assignment = ASSIGNMENT.match(command)
        script = command + (f'\nprintf %s "${{{assignment.group(1)}}}"' if assignment else "")
        started = time.perf_counter()
        code, out = run_bash(script, env, cwd, log)
        seconds[name] = time.perf_counter() - started
        codes[name] = code
        allowed = (0, 1) if name == "compare" else (0,)
        failure = (f"exit {code}: {command}\n--- stdout\n{out[-2000:]}\n"
                   f"--- stderr ({log})\n{log.read_text()[-4000:]}")
        assert code in allowed, failure
        output = re.search(r"--output (\S+)", command)
        if output:  # exit 1 is also what an uncaught exception gives: the output must be whole
            folder = Path(Template(output.group(1)).substitute(env))
            assert (folder / "_HFPARITY_COMPLETE").is_file(), failure
        if assignment:
            env[assignment.group(1)] = out
    return seconds, codes, env



def table_rows(folder: Path) -> dict[str, dict[str, Any]]:
    rows = pq.read_table(folder).to_pylist()
    by_id = {row["id"]: row for row in rows}
    assert len(by_id) == len(rows), f"{folder}: duplicate ids"
    return by_id


def differences(left: Any, right: Any, where: str) -> list[str]:
    """Where two parquet values differ: floats beyond TOLERANCE, anything else unequal."""
    if isinstance(left, float) and isinstance(right, float):
        if math.isnan(left) and math.isnan(right):
            return []
        return [] if abs(left - right) <= TOLERANCE else [f"{where}: {left!r} != {right!r}"]
    if isinstance(left, dict) and isinstance(right, dict) and left.keys() == right.keys():
        return [d for key in left for d in differences(left[key], right[key], f"{where}.{key}")]
    if isinstance(left, list) and isinstance(right, list) and len(left) == len(right):
        return [d for i, (a, b) in enumerate(zip(left, right))
                for d in differences(a, b, f"{where}[{i}]")]
    return [] if left == right else [f"{where}: {left!r} != {right!r}"]


def assert_same_rows(cluster: Path, local: Path) -> int:
    ours, theirs = table_rows(cluster), table_rows(local)
    assert sorted(ours) == sorted(theirs), f"{cluster.name}: different ids"
    found = [d for key in sorted(ours) for d in differences(ours[key], theirs[key], key)]
    assert not found, f"{cluster.name}: cluster vs local[2]:\n" + "\n".join(found[:20])
    return len(ours)


def check_probe(probe: Path, workers: Path, submit_cwd: Path) -> None:
    """Executors ran the venv's Python from their own folders and imported the --py-files zip."""
    seen = json.loads(probe.read_text())
    tasks = seen["tasks"]
    assert seen["driver_cwd"] == str(submit_cwd)
    assert {task["python"] for task in tasks} == {str(REPO / ".venv" / "bin" / "python")}
    for task in tasks:
        for module in ("spark_pipelines", "hf_reference"):
            assert "hfparity-py.zip" in task[module], f"{module} from {task[module]}, not the zip"
        assert Path(task["cwd"]).is_relative_to(workers), task["cwd"]
    worker_dirs = {Path(task["cwd"]).relative_to(workers).parts[0] for task in tasks}
    assert worker_dirs == {"work0", "work1"}, f"tasks ran only in {worker_dirs}"


def check_printed(logs: Path, out: Path) -> None:
    """What each documented job printed: its one-line summary; the compare job's verdict line
    ends with where the report is; the Spark NLP job warned about nothing (its driver's temp
    folder is the block's SCRATCH) but recorded its settings warnings; no job mentioned
    java.io.tmpdir (the shared-temp-folder note is for drivers without one of their own)."""
    printed = {log.stem.split("-", 1)[1]: log.read_text() for log in logs.glob("*-*.out")}
    errors = {log.stem.split("-", 1)[1]: log.read_text() for log in logs.glob("*-*.log")}
    assert "sparknlp_pipeline:" in printed["sparknlp_pipeline"]
    verdict = [x for x in printed["compare"].splitlines() if x.startswith("hfparity compare:")]
    assert len(verdict) == 1 and verdict[0].startswith(("hfparity compare: PASS",
                                                        "hfparity compare: FAIL")), verdict
    assert verdict[0].endswith(f"report {out}/report/index.html"), verdict
    for name in ("hf_reference", "sparknlp_pipeline", "compare"):
        assert "java.io.tmpdir" not in printed[name] + errors[name], name
    fingerprint = json.loads((out / "sparknlp" / "_fingerprint.json").read_text())
    assert fingerprint["framework"] == "sparknlp" and fingerprint["warnings"]


def run_locally(spark: Any, config: Any, settings: Any, corpus: Path, records: dict[str, Path],
                out: Path) -> tuple[dict[str, float], dict[str, int]]:
    """The baseline: the three jobs' library calls on the test session (local[2]), with the
    settings the documented block passes (conf/default.yaml, counterfactual auto). The block itself
    is proven by the cluster run; re-submitting it locally would only add three JVM starts.
    The two producers' records are the session's (tests/conftest.py: the same library calls on
    the same slice, made once for every test that reads them); the join runs here."""
    from spark_pipelines.compare.job import run_compare

    started = time.perf_counter()
    result = run_compare(spark, config, settings, str(records["hf"]), str(records["sparknlp"]),
                         str(corpus), str(out / "report"), counterfactual="auto")
    return {"compare": time.perf_counter() - started}, {"compare": 0 if result.passed else 1}


def test_three_jobs_on_standalone_cluster_equal_local(tmp_path, default_slice_path, spark,
                                                      project_config, settings, default_slice_hf,
                                                      default_slice_sparknlp):
    commands = cluster_commands()
    assert [job_name(c) for c in commands if job_name(c)] == [
        "hf_reference", "sparknlp_pipeline", "compare"]
    corpus = default_slice_path  # the session's slice: edge cases and the first snippets
    rows = pq.read_metadata(corpus).num_rows
    elsewhere = tmp_path / "submit-cwd"  # not the clone: jobs must not rely on the cwd
    elsewhere.mkdir()
    cluster_dir = tmp_path / "cluster"
    cluster_dir.mkdir()
    runs = {"cluster": tmp_path / "out-cluster", "local": tmp_path / "out-local"}
    local_records = {"hf": default_slice_hf, "sparknlp": default_slice_sparknlp}
    seconds: dict[str, dict[str, float]] = {}
    codes: dict[str, dict[str, int]] = {}

    first = next(i for i, command in enumerate(commands) if job_name(command))
    last = max(i for i, command in enumerate(commands) if job_name(command))
    prepare, jobs, cleanup = commands[:first], commands[first:last + 1], commands[last + 1:]
    assert cleanup == ['rm -rf "$SCRATCH"'], cleanup
    probe_out = tmp_path / "probe.json"
    probe = (jobs[0].split("$REPO/jobs/")[0]
             + f"$REPO/tests/support/executor_probe.py {probe_out} 2")

    cluster_tmp = cluster_dir / "jvm-tmp"  # the master's, workers' and executors' java.io.tmpdir
    with standalone_cluster(cluster_dir, workers=2, cores=1, memory="3g",
                            java_tmpdir=cluster_tmp) as master:
        env = submit_env(REPO=str(REPO), CORPUS=str(corpus), OUT=str(runs["cluster"]),
                         MASTER=master)
        logs = tmp_path / "logs-cluster"
        logs.mkdir()
        _, _, env = run_block(prepare, env, elsewhere, logs)  # zip, --jars list, SCRATCH
        code, _ = run_bash(probe, env, elsewhere, logs / "probe.log")
        assert code == 0, (logs / "probe.log").read_text()[-4000:]
        check_probe(probe_out, cluster_dir, elsewhere)
        seconds["cluster"], codes["cluster"], _ = run_block(jobs, env, elsewhere, logs)
        # The Spark NLP driver's model copies went to the block's SCRATCH (its java.io.tmpdir)
        # and nowhere the cluster's JVMs keep theirs: executors load the model from Spark's
        # fetched files and copy nothing. Then the block's last line removes SCRATCH.
        scratch = Path(env["SCRATCH"])
        assert copy_kinds(model_copies(scratch)) == COPY_KINDS, sorted(
            p.name for p in scratch.iterdir())
        assert not model_copies(cluster_tmp), sorted(model_copies(cluster_tmp))
        run_block(cleanup, env, elsewhere, logs)
    assert not scratch.exists()
    check_printed(logs, runs["cluster"])

    seconds["local"], codes["local"] = run_locally(spark, project_config, settings, corpus,
                                                   local_records, runs["local"])

    print(f"\n[cluster test] {rows} rows; wall seconds, standalone (2 workers x 1 core) "
          "vs the same jobs in this test's local[2] session (producers: the session's runs):")
    for name in ("hf_reference", "sparknlp_pipeline", "compare"):
        local = seconds["local"].get(name)
        print(f"  {name:<18} {seconds['cluster'][name]:7.1f}  "
              f"{'shared' if local is None else f'{local:7.1f}'}")
    assert codes["cluster"]["compare"] == codes["local"]["compare"]
    for records in ("hf", "sparknlp"):
        count = assert_same_rows(runs["cluster"] / records, local_records[records])
        assert count == rows, f"{records}: {count} records for {rows} corpus rows"
    report_rows = assert_same_rows(runs["cluster"] / "report" / "rows",
                                   runs["local"] / "report" / "rows")
    assert report_rows == rows
    summaries = {name: Summary.from_json((run / "report" / "summary.json").read_text())
                 for name, run in runs.items()}
    for key in ("rows", "status_counts", "confusion"):
        assert getattr(summaries["cluster"], key) == getattr(summaries["local"], key), key
    for run in runs.values():
        assert (run / "report" / "index.html").is_file()
    for index in range(2):  # kept on failure, for the executors' logs
        shutil.rmtree(cluster_dir / f"work{index}")  # every app copied all jars: ~300 MB each
    shutil.rmtree(cluster_tmp)
