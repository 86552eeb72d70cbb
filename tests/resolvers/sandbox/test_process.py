"""The sandbox's limits, below the scan (which would refuse a fork bomb's `import os` first):
each dangerous program is stopped by its own limit, and a kill ends the whole process group."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from resolvers.sandbox.process import Run, execute, kill_group
from resolvers.sandbox.runs import run_view, sample_closes
from resolvers.settings.sandbox import SandboxSettings

LIMITS = SandboxSettings(enabled=True, cpu_seconds=2, memory_mb=512, wall_seconds=60,
                         max_file_mb=1, max_processes=16)  # fmt: skip
FORK_BOMB = "import os\ndef signals(close):\n    while True:\n        os.fork()\n"
MEMORY_HOG = "def signals(close):\n    hog = bytearray(2**33)\n    return close\n"
BUSY_LOOP = "def signals(close):\n    while True:\n        pass\n"
SLEEPER = "import time\ndef signals(close):\n    while True:\n        time.sleep(0.1)\n"
FORKING_SLEEPER = (
    "import os, time\ndef signals(close):\n    os.fork()\n    while True:\n"
    "        time.sleep(0.1)\n"
)
WRITER = "def signals(close):\n    open('/tmp/sandbox-fsize', 'wb').write(b'x' * 2**22)\n"
NETWORK = (
    "import socket\ndef signals(close):\n    socket.create_connection(('1.1.1.1', 80), timeout=5)\n"
)


async def _run(code: str, settings: SandboxSettings = LIMITS) -> Run:
    run = Run(id="t", settings=settings, started_at=datetime.now(UTC))
    await execute(run, code, sample_closes())
    return run


def _group(pgid: int) -> set[int]:
    """The live (not zombie) processes of a process group, from /proc."""
    members = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.add(int(stat.parent.name))
    return members


async def test_a_clean_strategy_succeeds_with_its_positions() -> None:
    code = (
        "import numpy as np\ndef signals(close):\n    c = np.asarray(close)\n"
        "    return np.sign(c - c.mean())\n"
    )
    view = run_view(await _run(code))
    assert (view.status, view.limit_hit) == ("succeeded", None)
    assert view.result is not None
    assert view.result.bars == len(sample_closes())
    assert view.result.long + view.result.short + view.result.flat == view.result.bars


async def test_a_fork_bomb_is_stopped_by_the_process_limit() -> None:
    view = run_view(await _run(FORK_BOMB))
    assert (view.status, view.limit_hit) == ("failed", "processes"), view


async def test_a_memory_hog_is_stopped_by_the_address_space_limit() -> None:
    view = run_view(await _run(MEMORY_HOG))
    assert (view.status, view.limit_hit) == ("failed", "memory"), view


async def test_an_infinite_loop_is_stopped_by_the_cpu_limit() -> None:
    view = run_view(await _run(BUSY_LOOP))
    assert (view.status, view.limit_hit) == ("failed", "cpu"), view


async def test_a_sleeping_loop_is_stopped_by_the_wall_clock() -> None:
    settings = SandboxSettings(enabled=True, wall_seconds=2)
    view = run_view(await _run(SLEEPER, settings))
    assert (view.status, view.limit_hit) == ("timeout", "wall"), view


async def test_a_big_write_is_stopped_by_the_file_size_limit() -> None:
    view = run_view(await _run(WRITER))
    assert (view.status, view.limit_hit) == ("failed", "file_size"), view


async def test_the_network_is_unreachable() -> None:
    view = run_view(await _run(NETWORK))
    assert view.status == "failed"
    assert view.error is not None
    assert "unreachable" in view.error.lower(), view


async def test_kill_ends_the_whole_process_group() -> None:
    run = Run(id="k", settings=LIMITS, started_at=datetime.now(UTC))
    task = asyncio.create_task(execute(run, FORKING_SLEEPER, sample_closes()))
    for _ in range(1_000):  # until the strategy has forked its child
        if run.process is not None and len(_group(run.process.pid)) >= 2:
            break
        await asyncio.sleep(0.02)
    assert run.process is not None
    pgid = run.process.pid
    assert len(_group(pgid)) >= 2
    run.killed = True
    kill_group(run)
    await task
    assert run_view(run).status == "killed"
    for _ in range(250):
        if not _group(pgid):
            break
        await asyncio.sleep(0.02)
    assert _group(pgid) == set()


async def test_a_run_leaves_no_process_behind() -> None:
    run = await _run(FORKING_SLEEPER, SandboxSettings(enabled=True, wall_seconds=2))
    assert run.process is not None
    # SIGKILL went to the whole group as the run ended; the orphaned child may take a moment
    # to die (a loaded CI machine once listed it right after the run)
    for _ in range(250):
        if not _group(run.process.pid):
            break
        await asyncio.sleep(0.02)
    assert _group(run.process.pid) == set()
