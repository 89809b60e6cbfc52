"""spark_pipelines/sparknlp imports in one direction, and never another module's private name.

The sources are parsed (an import inside a function counts too), so a circle that Python only
tolerates because one side imports lazily is still caught.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support.paths import REPO

PACKAGE = "spark_pipelines.sparknlp"
PROJECT = ("parity_core", "hf_reference", "spark_pipelines", "jobs")


def _imports(path: Path) -> list[tuple[str, str]]:
    """(module, name) for every `from module import name` in the file; (module, "") for plain
    `import module`."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.extend((node.module, alias.name) for alias in node.names)
        elif isinstance(node, ast.Import):
            found.extend((alias.name, "") for alias in node.names)
    return found


def _package_graph() -> dict[str, set[str]]:
    folder = REPO / PACKAGE.replace(".", "/")
    graph = {}
    for path in sorted(folder.glob("*.py")):
        name = f"{PACKAGE}.{path.stem}"
        graph[name] = {module for module, _ in _imports(path)
                       if module.startswith(PACKAGE + ".") and module != name}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle as a path (first module repeated at the end), or None."""
    state: dict[str, str] = {}

    def visit(node: str, trail: list[str]) -> list[str] | None:
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return [*trail[trail.index(nxt):], nxt]
            if nxt not in state and (found := visit(nxt, [*trail, nxt])):
                return found
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start, [start])):
            return found
    return None


def test_the_cycle_finder_finds_a_circle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycle(graph) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_sparknlp_modules_import_in_one_direction():
    graph = _package_graph()
    assert f"{PACKAGE}.pipeline" in graph and f"{PACKAGE}.deploy_run" in graph
    assert _cycle(graph) is None, f"import circle: {' -> '.join(_cycle(graph))}"
    # The order the modules' docstrings promise: deployment at the bottom, deploy_run on top.
    assert f"{PACKAGE}.deployment" in graph[f"{PACKAGE}.pipeline"]
    assert f"{PACKAGE}.pipeline" in graph[f"{PACKAGE}.deploy_run"]
    assert not graph[f"{PACKAGE}.deployment"] - {f"{PACKAGE}.import_model"}


def test_no_private_name_crosses_a_module_of_sparknlp():
    folder = REPO / PACKAGE.replace(".", "/")
    crossing = [f"{path.name}: from {module} import {name}"
                for path in sorted(folder.glob("*.py"))
                for module, name in _imports(path)
                if module.startswith(PROJECT) and name.startswith("_") and name != "__future__"]
    assert crossing == []
