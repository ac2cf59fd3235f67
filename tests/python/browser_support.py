"""Running headless Chromium from the tests: load a page, read its DOM, take a screenshot.

Chromium is Debian's ``chromium`` package, installed by ``scripts/ensure-system.sh``
(``./dev.sh test`` runs it). Missing, it is a skip on a developer's machine and a failure
under CI, as for Octave. Each run gets a fresh profile directory and the flags that keep a
headless browser from reaching the network or starting background services.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import tempfile

import pytest

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--hide-scrollbars", "--virtual-time-budget=3000"]


def chromium() -> str:
    """The chromium executable; skips (fails under CI) when it is missing."""
    found = shutil.which("chromium")
    if found is None:
        message = (
            "chromium is not installed: run scripts/ensure-system.sh (apt-get install chromium)"
        )
        if os.environ.get("CI", "").strip().lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def _run(extra: list[str], url: str) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="scistack-chromium-") as profile:
        return subprocess.run([chromium(), *FLAGS, f"--user-data-dir={profile}", *extra, url],
                              capture_output=True, text=True, timeout=120)


def dump_dom(path: pathlib.Path, fragment: str = "") -> str:
    """The page's DOM after its scripts ran (``--dump-dom``)."""
    result = _run(["--dump-dom"], path.resolve().as_uri() + fragment)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def screenshot(path: pathlib.Path, image: pathlib.Path, fragment: str = "",
               size: tuple[int, int] = (1400, 640)) -> None:
    """A PNG of the page at ``size`` (width, height)."""
    result = _run([f"--screenshot={image}", f"--window-size={size[0]},{size[1]}"],
                  path.resolve().as_uri() + fragment)
    assert result.returncode == 0 and image.exists(), result.stderr[-2000:]
