"""Top-level job bodies for the process-pool tests: a spawned process imports them by name."""

from __future__ import annotations

import os


def sum_of_squares(n: int) -> dict[str, int]:
    """CPU work, and the pid of the process that did it."""
    return {"total": sum(i * i for i in range(n)), "pid": os.getpid()}
