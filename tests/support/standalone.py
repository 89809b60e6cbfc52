"""A real Spark standalone cluster on loopback: one master and workers, each its own JVM.

Started with the classes the pyspark distribution ships (`bin/spark-class`), stopped even when
a test fails.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import pyspark

from tests.support.jvm_flags import with_test_jvm_options

SPARK_HOME = Path(pyspark.__file__).parent
START_TIMEOUT_S = 180  # a JVM start takes over a minute on a loaded 2-core machine


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def master_status(webui_port: int) -> dict | None:
    """The master's JSON status page, or None while it is not serving yet."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{webui_port}/json/", timeout=5) as reply:
            return json.load(reply)
    except (OSError, ValueError):
        return None


def _wait_until(ready: Callable[[], bool], what: str, log: Path, process: subprocess.Popen,
                timeout: float) -> None:
    """Poll `ready()`; fail with the log's tail if the JVM exits or time runs out.

    Readiness is read from the master's status page, not from log lines: set-up's
    log4j2.properties keeps Spark's logs at warn level, which hides the INFO announcements.
    """
    deadline = time.time() + timeout
    while time.time() < deadline:
        if ready():
            return
        if process.poll() is not None:
            raise RuntimeError(f"{what}: exited {process.returncode}:\n{_tail(log)}")
        time.sleep(0.5)
    raise TimeoutError(f"{what}: not ready after {timeout} s:\n{_tail(log)}")


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:] if log.is_file() else ""


@contextmanager
def standalone_cluster(workdir: Path, workers: int = 2, cores: int = 1, memory: str = "3g",
                       java_tmpdir: Path | None = None):
    """Yield the master URL of a running cluster; kill every JVM on exit.

    java_tmpdir: the java.io.tmpdir of the master, the workers and the executors they start
    (executors inherit the workers' environment), so a test can look at what they leave there
    without looking at the machine's shared temp folder.
    """
    env = {**os.environ, "SPARK_HOME": str(SPARK_HOME), "SPARK_LOCAL_IP": "127.0.0.1",
           "SPARK_NO_DAEMONIZE": "1"}
    # C1 only for the master, the workers and the executors they start (they inherit the
    # workers' environment): tests/support/jvm_flags.py.
    options = with_test_jvm_options(env.get("JAVA_TOOL_OPTIONS", "")).split()
    if java_tmpdir is not None:
        java_tmpdir.mkdir(parents=True, exist_ok=True)
        options.append(f"-Djava.io.tmpdir={java_tmpdir}")
    env["JAVA_TOOL_OPTIONS"] = " ".join(options)
    port, webui_port = free_port(), free_port()
    url = f"spark://127.0.0.1:{port}"
    spark_class = str(SPARK_HOME / "bin" / "spark-class")
    processes: list[subprocess.Popen] = []
    try:
        log = workdir / "master.log"
        master = subprocess.Popen(
            [spark_class, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
             "--port", str(port), "--webui-port", str(webui_port)],
            stdout=log.open("w"), stderr=subprocess.STDOUT, env=env,
        )
        processes.append(master)
        _wait_until(lambda: (master_status(webui_port) or {}).get("status") == "ALIVE",
                    "master", log, master, START_TIMEOUT_S)
        for index in range(workers):
            log = workdir / f"worker{index}.log"
            (workdir / f"work{index}").mkdir(exist_ok=True)
            worker = subprocess.Popen(
                [spark_class, "org.apache.spark.deploy.worker.Worker", url, "--host",
                 "127.0.0.1", "--cores", str(cores), "--memory", memory, "--webui-port",
                 str(free_port()), "--work-dir", str(workdir / f"work{index}")],
                stdout=log.open("w"), stderr=subprocess.STDOUT, env=env,
            )
            processes.append(worker)
            _wait_until(lambda n=index + 1: (master_status(webui_port) or {}).get(
                "aliveworkers", 0) >= n, f"worker {index}", log, worker, START_TIMEOUT_S)
        yield url
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
