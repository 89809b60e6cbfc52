"""Shared fixtures: one local[2] Spark session with the real Spark NLP jars, the default assets."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.jvm_flags import with_test_jvm_options
from tests.support.paths import REPO

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# C1 only in every spark-submit driver the tests start (tests/support/jvm_flags.py says why);
# not in the session's own JVM (the `spark` fixture), which lives the whole run.
SESSION_SUBMIT_OPTS = os.environ.get("SPARK_SUBMIT_OPTS")
os.environ["SPARK_SUBMIT_OPTS"] = with_test_jvm_options(SESSION_SUBMIT_OPTS or "")


DEFAULT_CONFIG = REPO / "conf" / "default.yaml"


@pytest.fixture(scope="session")
def spark():
    from spark_pipelines.jvm.jars import cached_jars
    from spark_pipelines.jvm.session import get_session

    if not cached_jars():
        pytest.fail("Spark NLP jars are not cached: run `make setup` first")
    # The session JVM keeps the JIT's default (C2): it runs every in-process test for the whole
    # suite, and C1 only made those ~10-40% slower (a full run, tests/support/jvm_flags.py).
    short_lived = os.environ["SPARK_SUBMIT_OPTS"]
    if SESSION_SUBMIT_OPTS is None:
        del os.environ["SPARK_SUBMIT_OPTS"]
    else:
        os.environ["SPARK_SUBMIT_OPTS"] = SESSION_SUBMIT_OPTS
    try:
        session = get_session("hfparity-tests", master="local[2]")
    finally:
        os.environ["SPARK_SUBMIT_OPTS"] = short_lived
    yield session
    session.stop()


@pytest.fixture()
def jvm_scratch():
    """A private java.io.tmpdir for one spark-submit driver, removed after the test."""
    from spark_pipelines.jvm.tmpdir import private_tmpdir

    with private_tmpdir() as path:
        yield path


@pytest.fixture(scope="session")
def project_config():
    from parity_core.config import load_config

    return load_config(DEFAULT_CONFIG)


@pytest.fixture(scope="session")
def settings(project_config):
    from parity_core.settings import derive_settings

    return derive_settings(project_config)


@pytest.fixture(scope="session")
def default_corpus_path(project_config) -> Path:
    path = Path(project_config.checkpoint_path()).parent / "corpus" / "default.parquet"
    if not path.is_file():
        pytest.fail(f"{path} missing: run `make setup` first")
    return path


@pytest.fixture(scope="session")
def default_slice_path(default_corpus_path, tmp_path_factory) -> Path:
    """tests/support/default_slice.py's rows of the default corpus, as parquet (read-only)."""
    from tests.support.default_slice import write_default_slice

    return write_default_slice(default_corpus_path,
                               tmp_path_factory.mktemp("default-slice") / "slice.parquet")


@pytest.fixture(scope="session")
def default_slice_hf(spark, project_config, settings, default_slice_path) -> Path:
    """The Hugging Face job's records of the default slice, made once (read-only)."""
    from spark_pipelines.hf.job import run_hf_reference

    out = default_slice_path.parent / "hf"
    run_hf_reference(spark, project_config, settings, str(default_slice_path), str(out))
    return out


@pytest.fixture(scope="session")
def default_slice_sparknlp(spark, project_config, settings, default_slice_path) -> Path:
    """The Spark NLP job's records of the default slice, made once (read-only)."""
    from spark_pipelines.sparknlp.job import run_sparknlp

    out = default_slice_path.parent / "sparknlp"
    run_sparknlp(spark, project_config, settings, str(default_slice_path), str(out))
    return out


@pytest.fixture(scope="session")
def own_model_check(settings, default_corpus_path, tmp_path_factory):
    """tests/support/own_model.py's `hfparity import` x2 + `hfparity check` flow on a DistilBERT
    made for it, run once per session (read-only: tests write under their own tmp_path)."""
    from tests.support.own_model import run_own_model_check

    return run_own_model_check(settings, default_corpus_path, tmp_path_factory.mktemp("own-model"))
