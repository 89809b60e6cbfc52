"""The report as a person sees it: headless Chromium renders index.html to a PNG, tesseract
reads it back (both Debian packages), so a test checks what is on screen, not the HTML text."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


def chromium(tmp: Path, *args: str) -> subprocess.CompletedProcess:
    """Run Debian's headless Chromium with a profile under `tmp`."""
    binary = shutil.which("chromium")
    if binary is None:
        pytest.fail("Debian's chromium is not installed (apt-get install -y chromium)")
    return subprocess.run(
        [binary, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         "--no-first-run", "--disable-dev-shm-usage", f"--user-data-dir={tmp / 'profile'}",
         *args], capture_output=True, text=True, timeout=180, check=False)


def screenshot(page: Path, tmp: Path, width: int = 1280, height: int = 2000) -> Path:
    """A PNG of the page's top `height` pixels."""
    shot = tmp / f"{page.parent.name}-shot.png"
    done = chromium(tmp, f"--screenshot={shot}", f"--window-size={width},{height}",
                    page.as_uri())
    assert shot.is_file(), f"chromium wrote no screenshot: {done.stderr[-2000:]}"
    return shot


def ocr(shot: Path) -> str | None:
    """The text tesseract reads on the image, whitespace collapsed; None without tesseract."""
    tesseract = shutil.which("tesseract")
    if tesseract is None:
        return None
    out = subprocess.run([tesseract, str(shot), "stdout", "--psm", "3"],
                         capture_output=True, text=True, timeout=180, check=True).stdout
    return " ".join(out.split())
