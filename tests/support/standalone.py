"""A real Spark standalone cluster on loopback: one master and workers, each its own JVM.

Started with the classes the pyspark distribution ships (`bin/spark-class`), stopped even when
a test fails.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import pyspark

SPARK_HOME = Path(pyspark.__file__).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(log: Path, needle: str, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if log.is_file() and needle in log.read_text(errors="replace"):
            return
        if process.poll() is not None:
            tail = log.read_text()[-3000:]
            raise RuntimeError(f"{log.name}: exited {process.returncode}:\n{tail}")
        time.sleep(0.5)
    raise TimeoutError(f"{log.name}: no '{needle}' after {timeout} s:\n{log.read_text()[-3000:]}")


@contextmanager
def standalone_cluster(workdir: Path, workers: int = 2, cores: int = 1, memory: str = "3g"):
    """Yield the master URL of a running cluster; kill every JVM on exit."""
    env = {**os.environ, "SPARK_HOME": str(SPARK_HOME), "SPARK_LOCAL_IP": "127.0.0.1",
           "SPARK_NO_DAEMONIZE": "1"}
    port = free_port()
    url = f"spark://127.0.0.1:{port}"
    spark_class = str(SPARK_HOME / "bin" / "spark-class")
    processes: list[subprocess.Popen] = []
    try:
        log = workdir / "master.log"
        master = subprocess.Popen(
            [spark_class, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
             "--port", str(port), "--webui-port", str(free_port())],
            stdout=log.open("w"), stderr=subprocess.STDOUT, env=env,
        )
        processes.append(master)
        _wait_for(log, "I have been elected leader", master, 60)
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
            _wait_for(log, "Successfully registered with master", worker, 60)
        yield url
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
