"""Headless Chromium, as the tests and the docs' screenshot script drive it: one browser
process per call, with a profile folder of the caller's so that calls never share one."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")
"""The browser on the PATH, if any (``.ci/run`` installs it where apt can)."""
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
    "--no-first-run",
)


def chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium with *args* (``--dump-dom URL``, ``--screenshot=…``, …)."""
    if BROWSER is None:
        raise FileNotFoundError("chromium is not on the PATH")
    return subprocess.run(
        [BROWSER, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
