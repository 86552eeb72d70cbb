"""What a running job's handler holds: its job, the executor, progress reporting, and the
heartbeat that keeps its lease (server/workers.py runs it)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import suppress
from typing import Any

from resolvers.errors import DomainError
from resolvers.jobs import JobCancelled, JobView, LeaseLost, heartbeat_job
from server.executors import Executor

log = logging.getLogger("tradegraph.jobs")

PROGRESS_WRITE_SECONDS = 0.25
# one resolver call in a committed transaction of its own (JobWorkers.write)
Writer = Callable[..., Awaitable[Any]]
# what runs a job of one kind: (its context, its payload) -> its result, a JSON object
Handler = Callable[["JobRunContext", dict[str, Any]], Coroutine[Any, Any, dict[str, Any]]]


class JobRunContext:
    """What a running handler gets besides its payload."""

    def __init__(
        self,
        job: JobView,
        executor: Executor,
        *,
        write: Writer,
        owner: str,
        lease_seconds: float,
    ) -> None:
        self.job = job
        self.executor = executor
        self._write = write
        self._owner = owner
        self._lease_seconds = lease_seconds
        self._pending: tuple[float | None, str | None] | None = None
        self._write_lock = asyncio.Lock()
        self._last_write = 0.0
        self._wake = asyncio.Event()
        self.refusal: DomainError | None = None  # why the job was taken away, once it was
        self.task: asyncio.Task[dict[str, Any]] | None = None

    async def write(self, fn: Callable[..., Awaitable[Any]], **kwargs: Any) -> Any:
        """Run one resolver in a committed transaction of its own (the lab given to one that
        takes it), publishing its events: how a handler records what it did."""
        return await self._write(fn, **kwargs)

    async def progress(self, fraction: float, message: str | None = None) -> None:
        """Record progress (0..1); written now, or with the next heartbeat if one was recent."""
        self._pending = (min(1.0, max(0.0, fraction)), message)
        loop = asyncio.get_running_loop()
        if loop.time() - self._last_write >= PROGRESS_WRITE_SECONDS:
            await self.beat()
        else:
            self._wake.set()

    async def beat(self) -> None:
        """Extend the lease, with the progress not yet written; on a refusal the handler's
        task is cancelled."""
        async with self._write_lock:
            if self.refusal is not None:
                return
            pending, self._pending = self._pending, None
            progress, message = pending if pending is not None else (None, None)
            self._last_write = asyncio.get_running_loop().time()
            try:
                await self._write(
                    heartbeat_job,
                    job_id=self.job.id,
                    owner=self._owner,
                    lease_seconds=self._lease_seconds,
                    progress=progress,
                    message=message,
                )
            except (LeaseLost, JobCancelled) as refusal:
                self.refusal = refusal
                log.info("job %s: %s; stopping its handler", self.job.id, refusal.code)
                if self.task is not None:
                    self.task.cancel()
            except Exception:
                log.exception("job %s: heartbeat failed; retrying", self.job.id)

    async def heartbeats(self) -> None:
        """Beat every third of the lease, sooner when progress waits to be written."""
        interval = self._lease_seconds / 3
        while self.refusal is None:
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), interval)
            if self._wake.is_set():
                self._wake.clear()
                since = asyncio.get_running_loop().time() - self._last_write
                await asyncio.sleep(max(0.0, PROGRESS_WRITE_SECONDS - since))
            await self.beat()


def not_json_object(result: object) -> str | None:
    """Why a handler's answer cannot be a job's result, if it cannot."""
    if not isinstance(result, dict):
        return f"the handler answered {type(result).__name__}, not a JSON object"
    try:
        json.dumps(result)
    except (TypeError, ValueError) as exc:
        return f"the handler's result is not JSON: {exc}"
    return None


async def cancel_task(task: asyncio.Task[Any]) -> None:
    """Cancel `task` and wait until it has ended."""
    task.cancel()
    with suppress(asyncio.CancelledError):
        await task
