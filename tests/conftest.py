"""Shared fixtures: one local[2] Spark session with the real Spark NLP jars, the default assets."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = REPO / "conf" / "default.yaml"


@pytest.fixture(scope="session")
def spark():
    from spark_pipelines.jvm.jars import cached_jars
    from spark_pipelines.jvm.session import get_session

    if not cached_jars():
        pytest.fail("Spark NLP jars are not cached: run `make setup` first")
    session = get_session("hfparity-tests", master="local[2]")
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
