"""Make the venv's `bin/spark-submit` work from any shell, activated or not.

pyspark's pip-installed `bin/spark-submit` (and `pyspark`, `spark-class`, ...) source
`bin/find-spark-home` when SPARK_HOME is unset, and that runs `python3` from PATH to import
pyspark. Outside an activated venv, `python3` is the system one, which has no pyspark: the
script crashes (`find_spec("pyspark")` is None) and spark-submit then execs `/bin/spark-class`.
Nothing else depends on PATH: the driver's and executors' Python come from
`spark.pyspark.python` in the venv's spark-defaults.conf (spark_pipelines/jvm/jars.py).
Set-up therefore replaces `bin/find-spark-home` with one that names this venv's pyspark
(a venv is not relocatable anyway: its scripts' shebangs are absolute). A SPARK_HOME already
set in the environment is still honoured, as the original does.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

MARKER = "# Written by `make setup` (spark_pipelines/jvm/submit.py)"


def venv_bin() -> Path:
    """The venv's bin folder (sys.executable unresolved: a venv's python is a symlink)."""
    return Path(sys.executable).parent


def spark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).resolve().parent


def find_spark_home_script(home: Path) -> str:
    return "\n".join([
        "#!/usr/bin/env bash",
        MARKER,
        "# in place of pyspark's, which runs `python3` from PATH and fails outside the venv.",
        "# Sourced by spark-submit, pyspark and spark-class when SPARK_HOME is unset.",
        'if [ -z "${SPARK_HOME}" ]; then',
        f'  export SPARK_HOME="{home}"',
        "fi",
        "",
    ])


def write_find_spark_home(bin_dir: Path | None = None) -> Path | None:
    """Replace bin/find-spark-home next to the venv's spark-submit; None when there is none."""
    bin_dir = bin_dir or venv_bin()
    target = bin_dir / "find-spark-home"
    if not (bin_dir / "spark-submit").is_file() or not target.is_file():
        return None
    text = find_spark_home_script(spark_home())
    if target.read_text(encoding="utf-8", errors="replace") != text:
        tmp = target.with_name(".find-spark-home.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.chmod(tmp, 0o755)
        tmp.replace(target)
    return target


if __name__ == "__main__":
    print(write_find_spark_home())
