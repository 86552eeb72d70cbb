"""One sandbox run: a subprocess of resolvers/sandbox/child.py under resource limits.

Limits, set in the child before it starts Python (preexec_fn): RLIMIT_CPU (SIGXCPU at the
limit, SIGKILL a second later), RLIMIT_AS (address space: an allocation past it is a
MemoryError), RLIMIT_FSIZE, RLIMIT_NPROC, no core files. Its own session and process group
(start_new_session); a wall-clock timeout and a kill end the whole group (os.killpg SIGKILL),
and so does the end of every run, so nothing it forked outlives it. No network: a new network
namespace (unshare CLONE_NEWNET as root, CLONE_NEWUSER|CLONE_NEWNET otherwise) holding only a
downed loopback; where the kernel refuses one the run is refused (fail closed, 503
SANDBOX_ISOLATION_UNAVAILABLE). An empty environment (thread counts of the numeric libraries
pinned to 1) and `python -I`. RLIMIT_NPROC counts every process of the run's user, and Linux
exempts root from it: the child drops to uid/gid 65534 after importing the allowed modules, so
under a root server the limit binds to the run; under another user it counts that user's
processes too (set max_processes above them).

Runs are kept in memory per server process (the last KEEP_RUNS), not in the database: a run
is a live OS process, meaningless after a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import json
import os
import resource
import signal
import sys
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from resolvers.settings.sandbox import SandboxSettings

CHILD = str(Path(__file__).with_name("child.py"))
ROOT = str(Path(__file__).parents[2])
KEEP_RUNS = 100
READ_CAP = 64_000  # bytes of stdout / stderr kept
CLONE_NEWUSER, CLONE_NEWNET = 0x10000000, 0x40000000
ENV = {"PATH": "/usr/bin:/bin", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
       "MKL_NUM_THREADS": "1", "LANG": "C.UTF-8"}  # fmt: skip


class IsolationUnavailable(OSError):
    """The kernel refused the run a network namespace."""


@dataclass
class Run:
    """A run's live state; `outcome` is set once it ended."""

    id: str
    settings: SandboxSettings
    started_at: datetime
    process: asyncio.subprocess.Process | None = None
    killed: bool = False
    timed_out: bool = False
    finished_at: datetime | None = None
    returncode: int | None = None
    report: dict[str, Any] | None = None
    stderr: str = ""

    @property
    def running(self) -> bool:
        return self.finished_at is None


@dataclass
class SandboxRuns:
    """The server process's runs, newest last."""

    runs: OrderedDict[str, Run] = field(default_factory=OrderedDict)

    def add(self, run: Run) -> None:
        self.runs[run.id] = run
        while len(self.runs) > KEEP_RUNS:
            oldest = next(iter(self.runs))
            if self.runs[oldest].running:
                break
            del self.runs[oldest]

    def get(self, run_id: str) -> Run | None:
        return self.runs.get(run_id)


_LIBC = ctypes.CDLL(None, use_errno=True)


def _limits(settings: SandboxSettings) -> Any:
    cpu, memory = settings.cpu_seconds, settings.memory_mb << 20
    files, processes = settings.max_file_mb << 20, settings.max_processes
    flags = CLONE_NEWNET if os.geteuid() == 0 else CLONE_NEWUSER | CLONE_NEWNET

    def apply() -> None:  # runs in the forked child, before exec
        if _LIBC.unshare(flags) != 0:
            raise IsolationUnavailable(ctypes.get_errno(), "no network namespace")
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_FSIZE, (files, files))
        resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


async def _read(stream: asyncio.StreamReader | None) -> bytes:
    kept = b""
    while stream is not None and (chunk := await stream.read(65_536)):
        kept = (kept + chunk)[-READ_CAP:]
    return kept


def kill_group(run: Run) -> None:
    """SIGKILL the run's whole process group (gone already: nothing to do)."""
    if run.process is not None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(run.process.pid, signal.SIGKILL)


async def execute(run: Run, code: str, closes: list[float]) -> None:
    """Start the run's subprocess and wait for it, the group killed at the end (or the wall)."""
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-I", CHILD, ROOT,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env=ENV, cwd="/",
            preexec_fn=_limits(run.settings), start_new_session=True,
        )  # fmt: skip
    except Exception as exc:  # a refused preexec surfaces as a SubprocessError
        run.finished_at = datetime.now(UTC)
        raise IsolationUnavailable(str(exc)) from exc
    run.process = process
    if run.killed:  # killed while it was starting
        kill_group(run)
    readers = asyncio.gather(_read(process.stdout), _read(process.stderr))
    assert process.stdin is not None
    process.stdin.write(json.dumps({"code": code, "closes": closes}).encode())
    try:
        await process.stdin.drain()
        process.stdin.close()
        await asyncio.wait_for(process.wait(), run.settings.wall_seconds)
    except TimeoutError:
        run.timed_out = True
    except (BrokenPipeError, ConnectionResetError):
        pass
    finally:
        kill_group(run)
    run.returncode = await process.wait()
    out, err = await readers
    run.stderr = err.decode(errors="replace")[-2_000:]
    lines = out.decode(errors="replace").strip().splitlines()
    try:
        run.report = json.loads(lines[-1]) if lines else None
    except ValueError:
        run.report = None
    run.finished_at = datetime.now(UTC)
