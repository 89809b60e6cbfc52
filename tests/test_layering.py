"""The layering the code is organised by, checked rather than promised.

parity_core is the neutral contract (no pyspark, torch or transformers, and none of the other
packages); hf_reference is the Hugging Face producer and never loads pyspark; the join
(spark_pipelines/compare, spark_pipelines/io, jobs/compare.py) never loads torch or
transformers, so a compare-only machine needs neither. Imports are checked in a fresh
interpreter each (what other tests loaded does not count), the join is also run end to end
without the counterfactual, and the sources are parsed so an import inside a function counts
too. Modules are found on disk, so a new or deleted one needs no change here.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterable
from pathlib import Path

import pytest

from tests.support.paths import REPO

SPARK = ("pyspark", "py4j", "sparknlp")
HF = ("torch", "transformers")
OTHER_PACKAGES = ("hf_reference", "spark_pipelines", "jobs")


def modules_in(folder: str) -> list[str]:
    """Dotted names of every module under a package folder (its __init__ included)."""
    root = REPO / folder
    names = []
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(REPO).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    assert names, f"{folder}: no modules found"
    return names


def python_files(*folders: str) -> list[Path]:
    return [path for folder in folders for path in sorted((REPO / folder).rglob("*.py"))]


def imported_names(path: Path) -> set[str]:
    """Every module a file imports anywhere (top level or inside a function), plus string
    arguments of importlib.import_module / __import__."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            first = node.args[0]
            if name in ("import_module", "__import__") and isinstance(first, ast.Constant) \
                    and isinstance(first.value, str):
                found.add(first.value)
    return found


def top_level(name: str) -> str:
    return name.split(".")[0]


def run_fresh(script: str, timeout: float = 600) -> dict:
    """Run `script` in a new interpreter with the repo on its path; its last stdout line is
    JSON, returned."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "HFPARITY_DRIVER_MEMORY": "1g"}
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


IMPORT_EACH = """
import importlib, json, sys
banned = {banned!r}
modules = {modules!r}
first = {{}}
for module in modules:
    importlib.import_module(module)
    for name in sorted(sys.modules):
        root = name.split(".")[0]
        if root in banned and root not in first:
            first[root] = module
print(json.dumps(first))
"""


def first_importers(modules: Iterable[str], banned: Iterable[str]) -> dict[str, str]:
    """{banned package: the first module whose import loaded it}, in a fresh interpreter."""
    return run_fresh(IMPORT_EACH.format(banned=sorted(banned), modules=list(modules)))


def compare_path_modules() -> list[str]:
    """The join's modules: compare/ and io/, jobs.compare and every project module it imports
    (its lazy imports included), except the counterfactual's Hugging Face re-run."""
    named = {n for n in imported_names(REPO / "jobs" / "compare.py")
             if top_level(n) in ("parity_core", "spark_pipelines", "jobs")}
    existing = {m for folder in ("parity_core", "spark_pipelines", "jobs")
                for m in modules_in(folder)}
    assert named <= existing, f"jobs/compare.py imports missing modules {named - existing}"
    return [*modules_in("spark_pipelines/compare"), *modules_in("spark_pipelines/report"),
            *modules_in("spark_pipelines/io"),
            "jobs.compare", *sorted(named)]


def test_hf_reference_never_loads_spark():
    assert first_importers(modules_in("hf_reference"), SPARK) == {}


def test_parity_core_loads_neither_spark_nor_hugging_face_nor_the_other_packages():
    found = first_importers(modules_in("parity_core"), (*SPARK, *HF, *OTHER_PACKAGES))
    assert found == {}


def test_compare_path_imports_load_no_torch():
    assert first_importers(compare_path_modules(), HF) == {}


@pytest.mark.parametrize(("folders", "banned"), [
    (("parity_core",), (*SPARK, *HF, *OTHER_PACKAGES)),
    (("hf_reference",), (*SPARK, "spark_pipelines", "jobs")),
    (("spark_pipelines/compare", "spark_pipelines/report", "spark_pipelines/io"), HF),
])
def test_sources_import_nothing_across_the_layers(folders, banned):
    offending = {
        str(path.relative_to(REPO)): sorted(n for n in imported_names(path)
                                            if top_level(n) in banned)
        for path in python_files(*folders)
    }
    assert {path: names for path, names in offending.items() if names} == {}


def test_jobs_compare_source_imports_no_hugging_face():
    names = imported_names(REPO / "jobs" / "compare.py")
    assert not {n for n in names if top_level(n) in HF}


def test_static_check_sees_an_import_inside_a_function(tmp_path):
    source = tmp_path / "lazy.py"
    source.write_text("def f():\n    import torch.nn\n    from transformers import X\n"
                      "    return __import__('pyspark.sql')\n")
    assert {top_level(n) for n in imported_names(source)} == {"torch", "transformers",
                                                              "pyspark"}


JOIN_WITHOUT_COUNTERFACTUAL = """
import json, sys
from pathlib import Path
from parity_core.config import ProjectConfig
from spark_pipelines.compare.job import run_compare
from spark_pipelines.jvm.session import get_session
from tests.support.tiny_runs import write_tiny_runs

spark = get_session("hfparity-layering", master="local[1]")
runs = write_tiny_runs(spark, Path({folder!r}))
result = run_compare(spark, ProjectConfig(), runs.settings, str(runs.left), str(runs.right),
                     str(runs.corpus), str(Path({folder!r}) / "report"), counterfactual="off")
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "transformers"))
print(json.dumps({{"loaded": loaded, "counterfactual": result.counterfactual,
                  "rows": result.summary.rows, "passed": result.passed}}))
"""


@pytest.mark.slow
def test_join_run_end_to_end_without_counterfactual_leaves_torch_unloaded(tmp_path):
    seen = run_fresh(JOIN_WITHOUT_COUNTERFACTUAL.format(folder=str(tmp_path / "runs")))
    assert seen["counterfactual"] is False
    assert seen["passed"] is False  # one label of three flipped: the join really compared
    assert (tmp_path / "runs" / "report" / "_HFPARITY_COMPLETE").is_file()
    assert seen["loaded"] == []


# Rooms of the house and the rooms each may import: imports run one way, down this list. A room
# is a package folder; a module belongs to the longest room name that prefixes it.
ALLOWED: dict[str, set[str]] = {
    "parity_core": set(),
    "hf_reference": {"parity_core"},
    "spark_pipelines.jvm": {"parity_core"},
    "spark_pipelines.io": {"parity_core", "spark_pipelines.jvm"},
    "spark_pipelines.report": {"parity_core"},
    "spark_pipelines.sparknlp": {"parity_core", "spark_pipelines.io", "spark_pipelines.jvm"},
    "spark_pipelines.hf": {"parity_core", "hf_reference", "spark_pipelines.io",
                           "spark_pipelines.jvm"},
    "spark_pipelines.explain": {"parity_core", "hf_reference", "spark_pipelines.io",
                                "spark_pipelines.jvm", "spark_pipelines.report",
                                "spark_pipelines.hf"},
    "spark_pipelines.compare": {"parity_core", "hf_reference", "spark_pipelines.io",
                                "spark_pipelines.jvm", "spark_pipelines.report",
                                "spark_pipelines.explain"},
    "spark_pipelines.fix": {"parity_core", "spark_pipelines.io", "spark_pipelines.jvm",
                            "spark_pipelines.report", "spark_pipelines.explain",
                            "spark_pipelines.sparknlp", "spark_pipelines.compare"},
    "spark_pipelines.selection": {"parity_core", "spark_pipelines.io", "spark_pipelines.jvm",
                                  "spark_pipelines.report", "spark_pipelines.hf",
                                  "spark_pipelines.sparknlp", "spark_pipelines.compare"},
    "jobs": {"parity_core", "hf_reference", "spark_pipelines.io", "spark_pipelines.jvm",
             "spark_pipelines.report", "spark_pipelines.explain", "spark_pipelines.sparknlp",
             "spark_pipelines.hf", "spark_pipelines.compare", "spark_pipelines.fix",
             "spark_pipelines.selection"},
    "spark_pipelines": set(),  # the package's __init__ only
}
PROJECT = ("parity_core", "hf_reference", "spark_pipelines", "jobs")


def room_of(module: str) -> str | None:
    for room in sorted(ALLOWED, key=len, reverse=True):
        if module == room or module.startswith(room + "."):
            return room
    return None


def _type_checking_only(tree: ast.AST) -> set[int]:
    """ids of the import nodes under `if TYPE_CHECKING:`: annotations only, never loaded."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(inner) for stmt in node.body for inner in ast.walk(stmt))
    return skipped


def project_imports(path: Path, runtime_only: bool = False) -> set[str]:
    """Project modules a file imports anywhere; `from pkg import name` counts pkg.name when that
    is a module (so `from spark_pipelines.report import schema` is an import of schema).
    runtime_only leaves out imports under `if TYPE_CHECKING:` (they load nothing)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    skipped = _type_checking_only(tree) if runtime_only else set()
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 \
                and top_level(node.module) in PROJECT:
            found.add(node.module)
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                if (REPO / (candidate.replace(".", "/") + ".py")).is_file():
                    found.add(candidate)
    if not runtime_only:
        found.update(n for n in imported_names(path) if top_level(n) in PROJECT)
    else:
        found.update(n for node in ast.walk(tree) if id(node) not in skipped
                     and isinstance(node, ast.Import) for n in (a.name for a in node.names)
                     if top_level(n) in PROJECT)
    return found


def project_modules() -> dict[str, Path]:
    return {name: path for folder in PROJECT for name, path in
            ((".".join(p.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__"), p)
             for p in sorted((REPO / folder).rglob("*.py")))}


def test_every_module_belongs_to_a_room():
    assert sorted(m for m in project_modules() if room_of(m) is None) == []


def test_imports_between_rooms_run_down_the_house():
    climbing = sorted(
        f"{module} -> {name}"
        for module, path in project_modules().items()
        for name in project_imports(path)
        if room_of(name) not in (room_of(module), None)
        and room_of(name) not in ALLOWED[room_of(module)]
    )
    assert climbing == []


def test_no_import_circles_between_modules():
    modules = project_modules()
    # Imports that run: an annotation-only import (under TYPE_CHECKING) loads nothing, so it
    # closes no circle; the direction test above still counts it.
    graph = {m: sorted(n for n in project_imports(p, runtime_only=True)
                       if n in modules and n != m)
             for m, p in modules.items()}
    circles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                circles.append([*stack[stack.index(nxt):], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)
    assert circles == []


def test_the_room_check_sees_a_climbing_import():
    assert room_of("spark_pipelines.report.schema") == "spark_pipelines.report"
    assert "spark_pipelines.explain" not in ALLOWED["spark_pipelines.report"]
    assert "spark_pipelines.compare" not in ALLOWED["spark_pipelines.explain"]
