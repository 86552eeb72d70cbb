"""Generated Python is formatted by ruff, like the hand-written code beside it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _ruff() -> list[str]:
    """The ruff of this environment (the one `ruff format --check .` runs), not one on PATH."""
    beside = Path(sys.executable).with_name("ruff")
    return [str(beside)] if beside.exists() else [sys.executable, "-m", "ruff"]


def format_python(text: str, relative: str) -> str:
    """`text` as `ruff format` leaves it, so generated modules pass `ruff format --check`;
    `relative` lets ruff pick the project's settings as for the file itself."""
    done = subprocess.run(
        [*_ruff(), "format", "--stdin-filename", relative, "-"],
        input=text,
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if done.returncode != 0:
        raise RuntimeError(f"ruff format failed on {relative}: {done.stderr.strip()}")
    return done.stdout
