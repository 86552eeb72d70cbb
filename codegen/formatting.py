"""Generated Python is formatted by ruff, like the hand-written code beside it."""

from __future__ import annotations

import subprocess
import sys


def format_python(text: str, *, path: str) -> str:
    """`text` as `ruff format` writes it (configured by pyproject.toml, as `path`)."""
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--stdin-filename", path, "-"],
        input=text,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"ruff could not format generated {path}: {done.stderr.strip()}")
    return done.stdout
