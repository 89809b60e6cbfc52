"""The Spark NLP job end to end through spark-submit on the whole default corpus (slow)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.support.submit import model_copies, spark_submit

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_job_scores_default_corpus(default_corpus_path, tmp_path, jvm_scratch):
    import pyarrow.parquet as pq

    bin_dir = Path(sys.executable).parent
    out = tmp_path / "records"
    command = spark_submit(jvm_scratch, "--master", "local[2]",
                           str(REPO / "jobs" / "sparknlp_pipeline.py"), "--config",
                           str(REPO / "conf" / "default.yaml"), "--input", str(default_corpus_path),
                           "--output", str(out))
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ.get('PATH', '')}"}
    shared_before = model_copies(Path(tempfile.gettempdir()))
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "sparknlp_pipeline:" in done.stdout
    rows_in = pq.read_metadata(default_corpus_path).num_rows
    table = pq.read_table(out, columns=["id", "status"])
    assert table.num_rows == rows_in
    fingerprint = json.loads((out / "_fingerprint.json").read_text())
    assert fingerprint["framework"] == "sparknlp" and fingerprint["warnings"]
    # Spark NLP's model copies went to the driver's private temp folder, none to the shared one,
    # so the job had nothing to warn about.
    assert model_copies(jvm_scratch), sorted(p.name for p in jvm_scratch.iterdir())
    assert model_copies(Path(tempfile.gettempdir())) == shared_before
    assert "java.io.tmpdir" not in done.stdout + done.stderr
    again = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert again.returncode == 2 and "--overwrite" in again.stdout + again.stderr



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
    assert is_private(str(tmpdir)) and tmpdir.parent == Path(tempfile.gettempdir())
    shared_before = model_copies(tmpdir.parent)
    in_private = model_copies(tmpdir)
    load_classifier(spark, *model_location(project_config))
    assert model_copies(tmpdir) > in_private
    assert model_copies(tmpdir.parent) == shared_before
