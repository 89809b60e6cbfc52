"""torch's and transformers' version strings without importing them.

The Hugging Face job's driver records them in the run fingerprint but never runs the model;
importing torch and transformers there cost 15 s under load on the 2-core machine (issue 20,
fixed cost). Each package states its version in one source line (torch/version.py,
transformers/__init__.py), read here as the module itself would; an import is the fallback.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
from pathlib import Path

SOURCES = {"torch": "version.py", "transformers": "__init__.py"}


def _declared_version(package: str) -> str | None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    source = Path(next(iter(spec.submodule_search_locations))) / SOURCES[package]
    try:
        tree = ast.parse(source.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return None
    for node in tree.body:
        target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 \
            else node.target if isinstance(node, ast.AnnAssign) else None
        if isinstance(target, ast.Name) and target.id == "__version__" \
                and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return node.value.value
    return None


def package_version(package: str) -> str:
    """`package.__version__` (torch or transformers), importing it only when its source does not
    state the version as a plain string."""
    loaded = sys.modules.get(package)
    if loaded is not None:
        return str(loaded.__version__)
    return _declared_version(package) or str(importlib.import_module(package).__version__)
