"""Where a job's CPU-bound body runs: the `Executor` interface, a process pool (the default, so
the event loop serving the API never computes), and threads of this process (tests, and bodies
that only wait on I/O). Ray or another cluster fits the same two methods."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Protocol, TypeVar

log = logging.getLogger("tradegraph.jobs")

T = TypeVar("T")


class Executor(Protocol):
    """Runs a synchronous function off the event loop."""

    def submit(self, fn: Callable[..., T], *args: Any) -> Awaitable[T]:
        """Start `fn(*args)`; the awaitable gives its return value or raises its exception."""
        ...

    async def close(self) -> None:
        """Stop taking work and end what runs (after the runner stopped its jobs)."""
        ...


class ThreadExecutor:
    """Bodies in this process's default thread pool: no pickling, no start-up cost."""

    def submit(self, fn: Callable[..., T], *args: Any) -> Awaitable[T]:
        return asyncio.get_running_loop().run_in_executor(None, fn, *args)

    async def close(self) -> None:
        return None


class ProcessExecutor:
    """Bodies in a pool of `size` spawned processes, started on first use.

    Spawned, not forked: a fork of a process running an event loop, database connections and
    threads inherits their locks in whatever state they were; spawn starts clean, so a body and
    its arguments must be picklable and importable top-level functions. A call cannot be
    interrupted once it runs: cancelling its job abandons the result, and `close` waits up to
    `grace_seconds` for running calls before terminating the processes.
    """

    def __init__(self, size: int, *, grace_seconds: float = 5.0) -> None:
        if size < 1:
            raise ValueError("a process pool needs at least one process")
        self._size = size
        self._grace = grace_seconds
        self._pool: ProcessPoolExecutor | None = None

    def submit(self, fn: Callable[..., T], *args: Any) -> Awaitable[T]:
        if self._pool is None:
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(max_workers=self._size, mp_context=context)
        return asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        # the pool offers no public way to stop a running call: its processes are reached
        # through the private map, only when they outlive the grace period
        processes = list(getattr(pool, "_processes", {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        done = await asyncio.to_thread(_join, processes, self._grace)
        if not done:
            log.warning("job pool: terminating %d process(es) still running", len(processes))
            for process in processes:
                process.terminate()
            await asyncio.to_thread(_join, processes, self._grace)


def _join(processes: list[Any], timeout: float) -> bool:
    """Wait up to `timeout` seconds in all for the processes; whether they all ended."""
    deadline = time.monotonic() + timeout
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
    return not any(process.is_alive() for process in processes)
