"""The Spark NLP job's driver: its refusal through spark-submit, where its model copies go in a
session (the whole job through spark-submit is tests/jobs/test_cluster.py's documented run)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import REPO
from tests.support.submit import COPY_KINDS, copy_kinds, model_copies, spark_submit


@pytest.mark.slow
def test_job_refuses_an_existing_output_without_overwrite(default_slice_path, tmp_path,
                                                          jvm_scratch):
    """Through spark-submit: refused before any Spark work, exit 2, the flag named. (The job's
    whole run through spark-submit, and where its model copies go, is asserted on the documented
    cluster run: tests/jobs/test_cluster.py.)"""
    out = tmp_path / "records"
    out.mkdir()
    (out / "part-0.parquet").write_bytes(b"an earlier run")
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ.get('PATH', '')}"}
    command = spark_submit(jvm_scratch, "--master", "local[2]",
                           str(REPO / "jobs" / "sparknlp_pipeline.py"), "--config",
                           str(REPO / "conf" / "default.yaml"), "--input",
                           str(default_slice_path), "--output", str(out))
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 2 and "--overwrite" in done.stdout + done.stderr, done.stderr[-2000:]
    assert (out / "part-0.parquet").read_bytes() == b"an earlier run"


def test_shared_temp_folder_note_names_the_folder_and_the_flag():
    from spark_pipelines.jvm.tmpdir import private_tmpdir, shared_tmpdir_note

    note = shared_tmpdir_note("/srv/tmp")
    assert note is not None and "(/srv/tmp)" in note
    assert "spark.driver.extraJavaOptions=-Djava.io.tmpdir=" in note
    with private_tmpdir() as folder:
        assert shared_tmpdir_note(str(folder)) is None
    # A folder the user gave the driver (docs/cluster.md's mktemp -d) is the advice taken.
    assert shared_tmpdir_note("/tmp/tmp.x1", "-Xss4m -Djava.io.tmpdir=/tmp/tmp.x1") is None
    assert not folder.exists()


def test_in_process_session_keeps_model_copies_in_its_private_temp_folder(spark,
                                                                          project_config):
    from spark_pipelines.jvm.tmpdir import is_private
    from spark_pipelines.sparknlp.pipeline import load_classifier, model_location

    tmpdir = Path(spark.sparkContext._jvm.System.getProperty("java.io.tmpdir"))
    assert is_private(str(tmpdir))
    in_private = model_copies(tmpdir)
    load_classifier(spark, *model_location(project_config))
    # Both copies this load makes are in the session's own folder (removed at exit: below).
    assert copy_kinds(model_copies(tmpdir) - in_private) == COPY_KINDS


IN_PROCESS_SESSION = """
from pathlib import Path
from spark_pipelines.jvm.session import get_session
spark = get_session("hfparity-tmpdir-probe", master="local[1]")
tmpdir = Path(spark.sparkContext._jvm.System.getProperty("java.io.tmpdir"))
(tmpdir / "left-behind").write_text("what a model copy would be")
print(tmpdir)
"""


@pytest.mark.slow
def test_in_process_session_removes_its_private_temp_folder_at_exit():
    from spark_pipelines.jvm.tmpdir import is_private

    env = {**os.environ, "PYTHONPATH": str(REPO), "HFPARITY_DRIVER_MEMORY": "1g"}
    done = subprocess.run([sys.executable, "-c", IN_PROCESS_SESSION], capture_output=True,
                          text=True, env=env, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    tmpdir = Path(done.stdout.strip().splitlines()[-1])
    assert is_private(str(tmpdir))
    assert not tmpdir.exists()
