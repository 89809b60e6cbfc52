"""The fingerprint's torch and transformers versions, read without importing them, are theirs."""

from __future__ import annotations

import subprocess
import sys


def test_declared_versions_equal_the_imported_ones() -> None:
    """Read from source in a fresh Python (nothing imported), compared with the modules' own."""
    code = ("import sys; from hf_reference.versions import package_version; "
            "read = [package_version('torch'), package_version('transformers')]; "
            "assert 'torch' not in sys.modules and 'transformers' not in sys.modules; "
            "print(*read)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    import torch
    import transformers

    assert done.stdout.split() == [torch.__version__, transformers.__version__]


def test_fp32_cpu_check_imports_no_torch() -> None:
    """The default numerics pass the job's pre-Spark check without a torch import."""
    code = ("import sys; from hf_reference.model import check_numerics; "
            "check_numerics('fp32', 'cpu'); assert 'torch' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
