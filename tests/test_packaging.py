"""The wheel (what Databricks and `pip install .` get) holds every package and every Java source.

Built from a copy of the tree, so the clone gains no build/ or egg-info; expected contents come
from the tree itself, so a new subpackage or Java file can never be left out unnoticed.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile

import pytest

from tests.support.paths import REPO

PACKAGES = ("parity_core", "hf_reference", "spark_pipelines", "jobs")
NOT_COPIED = shutil.ignore_patterns(".git", ".venv", "out", "dist", "build", "*.egg-info",
                                    "__pycache__", ".pytest_cache", ".ruff_cache")


def expected_files() -> set[str]:
    """Every module of every package folder (one with __init__.py), every .java file and every
    template of the report page."""
    expected = set()
    for top in PACKAGES:
        for init in (REPO / top).rglob("__init__.py"):
            expected.update(str(p.relative_to(REPO)) for p in init.parent.glob("*.py"))
    expected.update(str(p.relative_to(REPO))
                    for p in (REPO / "spark_pipelines").rglob("java/**/*.java"))
    expected.update(str(p.relative_to(REPO))
                    for p in (REPO / "spark_pipelines" / "report" / "templates").glob("*"))
    return expected


@pytest.mark.slow
def test_wheel_holds_every_package_and_java_source(tmp_path):
    source = tmp_path / "src"
    shutil.copytree(REPO, source, ignore=NOT_COPIED)
    wheels = tmp_path / "wheels"
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                           "--no-build-isolation", "-q", "-w", str(wheels), str(source)],
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    [wheel] = wheels.glob("hf_sparknlp_parity-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    expected = expected_files()
    assert len(expected) > 40 and any(name.endswith(".java") for name in expected)
    assert sorted(expected - names) == []
