"""The sandbox settings section: whether subprocess runs are allowed, and their limits.

The sandbox (POST /api/sandbox/test and friends) reads them on every request through
`get_sandbox_settings(session)`, so a PUT /api/settings/sandbox takes effect on the next run,
no restart. Disabled by default (the seed: everything that spawns a subprocess answers 503
until enabled under Settings -> Sandbox).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.settings.fields import FieldSpec, load_stored

SECTION = "sandbox"

FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("enabled", "bool", False,
              "allow subprocess runs (/api/sandbox/test); off: they answer 503"),
    FieldSpec("cpu_seconds", "int", 10, "CPU time limit of one run, seconds (RLIMIT_CPU)",
              1, 600),
    FieldSpec("memory_mb", "int", 512, "address-space limit of one run, MiB (RLIMIT_AS)",
              64, 16_384),
    FieldSpec("wall_seconds", "int", 30, "wall-clock limit of one run, seconds (then killed)",
              1, 3_600),
    FieldSpec("max_file_mb", "int", 10, "largest file a run may write, MiB (RLIMIT_FSIZE)",
              1, 1_024),
    FieldSpec("max_processes", "int", 16, "processes a run may have at once (RLIMIT_NPROC)",
              1, 1_024),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class SandboxSettings:
    """The sandbox's current settings (defaults until PUT /api/settings/sandbox).

    enabled: False (the default) means every subprocess route answers 503.
    cpu_seconds: CPU seconds one run may use (default 10, 1..600).
    memory_mb: address space of one run in MiB (default 512, 64..16384).
    wall_seconds: wall-clock seconds before a run is killed (default 30, 1..3600).
    max_file_mb: largest file one run may write, MiB (default 10, 1..1024).
    max_processes: processes one run may hold at once (default 16, 1..1024).
    """

    enabled: bool = False
    cpu_seconds: int = 10
    memory_mb: int = 512
    wall_seconds: int = 30
    max_file_mb: int = 10
    max_processes: int = 16


async def get_sandbox_settings(session: AsyncSession) -> SandboxSettings:
    """The sandbox settings now stored (each field its default until set)."""
    values = (await load_stored(session, SECTION, FIELDS)).values
    return SandboxSettings(
        enabled=bool(values["enabled"]),
        cpu_seconds=int(values["cpu_seconds"] or 0),
        memory_mb=int(values["memory_mb"] or 0),
        wall_seconds=int(values["wall_seconds"] or 0),
        max_file_mb=int(values["max_file_mb"] or 0),
        max_processes=int(values["max_processes"] or 0),
    )
