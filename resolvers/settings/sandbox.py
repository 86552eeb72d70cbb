"""The Sandbox settings section (placeholder: nothing stored yet, the defaults are answered).

Defaults: disabled; a run gets 5 CPU seconds, 512 MB of address space, 10 seconds of wall
clock, 1 MB per written file and at most 16 processes. TRADEGRAPH_SANDBOX_ENABLED=1 (or
true/yes/on) enables it, read on every call so a change takes effect without a restart.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

ENABLED_ENV = "TRADEGRAPH_SANDBOX_ENABLED"


@dataclass(frozen=True, slots=True)
class SandboxSettings:
    """What the sandbox may do: off by default, and the limits of one test run."""

    enabled: bool = False
    cpu_seconds: int = 5
    memory_mb: int = 512
    wall_seconds: float = 10.0
    max_file_mb: int = 1
    max_processes: int = 16


async def get_sandbox_settings(session: AsyncSession) -> SandboxSettings:
    """The sandbox section: the defaults, enabled by the environment override."""
    flag = os.environ.get(ENABLED_ENV, "").strip().lower()
    return SandboxSettings(enabled=flag in {"1", "true", "yes", "on"})
