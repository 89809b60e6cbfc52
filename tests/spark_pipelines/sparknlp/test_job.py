"""The Spark NLP job end to end through spark-submit (slow), on the session's slice of the default
corpus (tests/support/default_slice.py: its edge cases and first snippets): what is asserted is
one record per corpus row and where the model copies go, which needs no more rows."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import REPO
from tests.support.submit import model_copies, spark_submit

# Spark NLP 5.5.3 copies a model into java.io.tmpdir twice per load (spark_pipelines/jvm/tmpdir.py).
COPY_KINDS = {"bert_sequence_classification_onnx", "onnx"}


def copy_kinds(copies: set[str]) -> set[str]:
    """`<12 hex>_bert_sequence_classification_onnx<n>` -> bert_sequence_classification_onnx."""
    return {name.split("_", 1)[1].rstrip("0123456789") for name in copies}



@pytest.mark.slow
def test_job_scores_default_corpus(default_slice_path, tmp_path):
    import pyarrow.parquet as pq

    from spark_pipelines.jvm.tmpdir import private_tmpdir

    bin_dir = Path(sys.executable).parent
    out = tmp_path / "records"
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ.get('PATH', '')}"}
    with private_tmpdir() as scratch:  # the driver's java.io.tmpdir, as jobs/demo.py gives it
        command = spark_submit(scratch, "--master", "local[2]",
                               str(REPO / "jobs" / "sparknlp_pipeline.py"), "--config",
                               str(REPO / "conf" / "default.yaml"), "--input",
                               str(default_slice_path), "--output", str(out))
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        assert done.returncode == 0, done.stderr[-3000:]
        assert "sparknlp_pipeline:" in done.stdout
        rows_in = pq.read_metadata(default_slice_path).num_rows
        table = pq.read_table(out, columns=["id", "status"])
        assert table.num_rows == rows_in
        fingerprint = json.loads((out / "_fingerprint.json").read_text())
        assert fingerprint["framework"] == "sparknlp" and fingerprint["warnings"]
        # The model load's two copies landed in the driver's own temp folder, so the job had
        # nothing to warn about.
        assert copy_kinds(model_copies(scratch)) == COPY_KINDS, sorted(
            p.name for p in scratch.iterdir())
        assert "java.io.tmpdir" not in done.stdout + done.stderr
        again = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        assert again.returncode == 2 and "--overwrite" in again.stdout + again.stderr
    assert not scratch.exists()  # and they went with it



def test_shared_temp_folder_note_names_the_folder_and_the_flag():
    from spark_pipelines.jvm.tmpdir import private_tmpdir, shared_tmpdir_note

    note = shared_tmpdir_note("/srv/tmp")
    assert note is not None and "(/srv/tmp)" in note
    assert "spark.driver.extraJavaOptions=-Djava.io.tmpdir=" in note
    with private_tmpdir() as folder:
        assert shared_tmpdir_note(str(folder)) is None
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
