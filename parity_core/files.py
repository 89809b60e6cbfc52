"""File names every part agrees on, and the one rule for telling a remote path from a local one."""

from __future__ import annotations

COMPLETE_MARKER = "_HFPARITY_COMPLETE"  # written last into a published folder (io/publish.py)
FINGERPRINT_FILE = "_fingerprint.json"  # a records folder's run fingerprint, beside the parquet
MODEL_MANIFEST = "hfparity_manifest.json"  # an imported model's checksums and settings
ROWS_DIR = "rows"  # a report's per-row parquet
SUMMARY_FILE = "summary.json"
REPORT_FILE = "index.html"


def is_remote(path: str) -> bool:
    """A URI Spark reads (hdfs://, s3a://, dbfs:/...) rather than a path on this machine."""
    return "://" in path and not path.startswith("file://")
