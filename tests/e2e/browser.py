"""A real headless browser for e2e tests: Debian's chromium driven by playwright.

Playwright's own browser download cannot run here (`playwright install` fetches a build from
outside the package registries), so tests drive Debian's chromium at /usr/bin/chromium. Where
it is missing and we are root, `chromium_path()` installs it with apt-get; otherwise, as when
playwright itself is not installed, the test is skipped with a reason naming what is missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
APT_ENV = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}


def _apt(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["apt-get", *args], env=APT_ENV, capture_output=True, text=True, timeout=900
    )


def chromium_path() -> Path:
    """/usr/bin/chromium, installed from Debian's packages first where that is possible."""
    if CHROMIUM.exists():
        return CHROMIUM
    if shutil.which("apt-get") is None:
        pytest.skip(f"{CHROMIUM} is missing and there is no apt-get to install Debian's chromium")
    if os.geteuid() != 0:
        pytest.skip(f"{CHROMIUM} is missing: run `apt-get install -y chromium` as root")
    installed = _apt("install", "-y", "chromium")
    if installed.returncode != 0:  # a fresh machine's package lists may not name it yet
        _apt("update")
        installed = _apt("install", "-y", "chromium")
    if not CHROMIUM.exists():
        tail = (installed.stdout + installed.stderr).strip().splitlines()[-3:]
        pytest.skip(f"apt-get install -y chromium did not provide {CHROMIUM}: {' / '.join(tail)}")
    return CHROMIUM


def playwright_api() -> Any:
    """playwright's sync API module, or a skip naming the missing package."""
    return pytest.importorskip(
        "playwright.sync_api",
        reason="playwright (PyPI) is not installed: pip install -e '.[dev]' (make test does)",
    )


@contextmanager
def browser_page(profile: Path) -> Iterator[Any]:
    """A page in a headless chromium with a fresh user data dir at `profile`."""
    sync_api = playwright_api()
    chromium = chromium_path()
    with sync_api.sync_playwright() as driver:
        context = driver.chromium.launch_persistent_context(
            str(profile), executable_path=str(chromium), headless=True, args=ARGS
        )
        try:
            yield context.new_page()
        finally:
            context.close()
