"""Zip the project's Python packages for executors that share nothing with the driver.

    python -m spark_pipelines.package            # -> dist/hfparity-py.zip
    spark-submit --py-files dist/hfparity-py.zip jobs/hf_reference.py ...
"""

from __future__ import annotations

import argparse
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("hf_reference", "spark_pipelines")


def build_zip(out: Path) -> Path:
    """A zip of the packages' .py files, stable in order so rebuilds are byte-identical."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for package in PACKAGES:
            for path in sorted((REPO / package).rglob("*.py")):
                info = zipfile.ZipInfo(str(path.relative_to(REPO)), date_time=(2020, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, path.read_bytes())
    tmp.replace(out)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=str(REPO / "dist" / "hfparity-py.zip"))
    args = parser.parse_args(argv)
    print(build_zip(Path(args.out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
