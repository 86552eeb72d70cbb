"""The job runner: asyncio worker tasks that claim jobs (resolvers/jobs) of the kinds
registered here and run their handlers.

A handler is `async def handler(ctx: JobRunContext, payload: dict) -> dict`: it awaits its
CPU-bound parts through `ctx.executor.submit(fn, *args)` and reports `await ctx.progress(f, m)`.
While it runs, a heartbeat task of its own extends the lease every third of `lease_seconds`
(so a long body in the process pool keeps its job) and writes the latest progress; progress
reported more often is coalesced (one write per PROGRESS_WRITE_SECONDS at most). When a heartbeat
is refused, because the job was cancelled or the sweeper gave it to another owner, the handler's
task is cancelled and nothing more is written for it.

A handler's return value is the job's result. An exception fails the attempt: a DomainError
(bad input, which another attempt would refuse the same way) fails the job for good, anything
else re-queues it with backoff while attempts remain.

Idle workers claim again every `poll_seconds`, and at once when the bus (given one) carries a
job.queued, job.recovered or job.released event from any instance, or on `wake()`.

The sweeper runs once at start (taking back the jobs of an owner that died: a crash, a SIGKILL)
and then every `sweep_seconds`. `stop()` lets running jobs finish for `stop_grace_seconds`, then
cancels them and releases them to the queue, so another instance takes them at once.

Every write is its own short transaction, committed here (the operation boundary) and published
to the bus like a request's events. Owners are `host:pid:random`, unique per process, so several
instances sharing PostgreSQL never mistake each other's leases.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Mapping
from contextlib import suppress
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from resolvers.brain.tasks import JOB_KIND as BRAIN_CHAT
from resolvers.errors import DomainError
from resolvers.jobs import (
    JobCancelled,
    JobView,
    LeaseLost,
    claim_job,
    complete_job,
    fail_job,
    release_job,
    sweep_jobs,
)
from resolvers.lab.inject import with_lab
from resolvers.lab.services import Lab
from resolvers.research.fetch_jobs import JOB_KIND as FETCH
from resolvers.research.gauntlet import JOB_KIND as GAUNTLET_STEP
from resolvers.routines import JOB_KIND as ROUTINE_RUN
from server.brain_jobs import run_brain_chat_job
from server.executors import Executor, ProcessExecutor
from server.fetch_jobs import run_fetch
from server.gauntlet_jobs import run_gauntlet_step
from server.job_context import Handler, JobRunContext, cancel_task, not_json_object
from server.routine_jobs import run_routine_job
from server.settings import Settings
from storage.base import utcnow
from storage.bus import EventBus
from storage.outbox import Publisher, commit_and_publish

log = logging.getLogger("tradegraph.jobs")

T = TypeVar("T")
POLL_SECONDS = 0.5
WAKING_TOPICS = ("job.queued", "job.recovered", "job.released")

# The job kinds the server runs, by kind (the lifespan registers them on its runner); the
# domains built on jobs add theirs here.
JOB_HANDLERS: dict[str, Handler] = {
    GAUNTLET_STEP: run_gauntlet_step,
    FETCH: run_fetch,
    ROUTINE_RUN: run_routine_job,
    BRAIN_CHAT: run_brain_chat_job,
}


def process_owner() -> str:
    """A lease owner unique to this process, even across restarts with a reused pid."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class JobWorkers:
    """Owns the worker and sweeper tasks and the executor; start() after the bus, stop()
    before it."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        publish: Publisher | None,
        *,
        executor: Executor,
        handlers: Mapping[str, Handler] | None = None,
        workers: int = 2,
        lease_seconds: float = 30.0,
        stale_after: float = 60.0,
        sweep_seconds: float = 15.0,
        poll_seconds: float = POLL_SECONDS,
        stop_grace_seconds: float = 10.0,
        owner: str | None = None,
        bus: EventBus | None = None,
        lab: Lab | None = None,
    ) -> None:
        self._sessions = sessions
        self.lab = lab
        self._publish = publish
        self.executor = executor
        self._handlers: dict[str, Handler] = dict(handlers or {})
        self._workers = workers
        self.lease_seconds = lease_seconds
        self._stale_after = stale_after
        self._sweep_seconds = sweep_seconds
        self._poll = poll_seconds
        self._grace = stop_grace_seconds
        self.owner = owner or process_owner()
        self._bus = bus
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._waker: asyncio.Task[None] | None = None
        self._running: dict[int, JobRunContext] = {}

    @classmethod
    def from_settings(
        cls,
        sessions: async_sessionmaker[AsyncSession],
        publish: Publisher | None,
        settings: Settings,
        handlers: Mapping[str, Handler],
        bus: EventBus | None = None,
        lab: Lab | None = None,
    ) -> JobWorkers:
        """The server's runner: the settings' sizes and intervals, a spawned process pool."""
        return cls(
            sessions,
            publish,
            executor=ProcessExecutor(settings.job_pool_size or os.cpu_count() or 1),
            handlers=handlers,
            workers=settings.job_workers,
            lease_seconds=settings.job_lease_seconds,
            stale_after=settings.job_stale_seconds,
            sweep_seconds=settings.job_sweep_seconds,
            stop_grace_seconds=settings.shutdown_grace_seconds,
            bus=bus,
            lab=lab,
        )

    def register(self, kind: str, handler: Handler) -> None:
        """Run jobs of `kind` with `handler` (before or after start)."""
        self._handlers[kind] = handler
        self.wake()

    @property
    def running(self) -> bool:
        return any(not task.done() for task in self._tasks)

    @property
    def running_jobs(self) -> list[int]:
        return sorted(self._running)

    def wake(self) -> None:
        """Claim now rather than at the next poll (after an enqueue in this process)."""
        self._wake.set()

    async def write(self, fn: Callable[..., Awaitable[T]], **kwargs: Any) -> T:
        """Run one resolver in a transaction of its own, commit it and publish its events (the
        runner's lab passed to a resolver that takes one)."""
        if self.lab is not None:
            kwargs = with_lab(fn, kwargs, self.lab)
        async with self._sessions() as session:
            out = await fn(session, **kwargs)
            await commit_and_publish(session, self._publish)
            return out

    async def sweep(self) -> list[JobView]:
        """Take back the jobs whose owners stopped heartbeating; answers them."""
        taken = await self.write(sweep_jobs, now=utcnow(), stale_after=self._stale_after)
        if taken:
            log.info("jobs recovered from stopped owners: %s", [job.id for job in taken])
            self.wake()
        return taken

    async def start(self) -> None:
        """Sweep once (jobs left by a process that died), then start the tasks."""
        if self._tasks:
            return
        self._stopping.clear()
        await self.sweep()
        self._tasks = [
            asyncio.create_task(self._work(), name=f"job-worker:{n}") for n in range(self._workers)
        ]
        self._tasks.append(asyncio.create_task(self._sweep_loop(), name="job-sweeper"))
        if self._bus is not None:
            self._waker = asyncio.create_task(self._listen(self._bus), name="job-waker")

    async def stop(self) -> None:
        """Let running jobs finish within the grace period, release the rest, close the pool."""
        self._stopping.set()
        self._wake.set()
        waker, self._waker = self._waker, None
        if waker is not None:
            await cancel_task(waker)
        tasks, self._tasks = self._tasks, []
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=self._grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        await self.executor.close()

    async def _listen(self, bus: EventBus) -> None:
        """Claim as soon as any instance queues a job, rather than at the next poll."""
        while not self._stopping.is_set():
            try:
                async with bus.subscribe(topics=WAKING_TOPICS) as events:
                    async for _event in events:
                        self.wake()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("job waker lost its subscription; polling meanwhile")
                await asyncio.sleep(self._poll)

    async def _sweep_loop(self) -> None:
        while not self._stopping.is_set():
            with suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._sweep_seconds)
            if self._stopping.is_set():
                return
            try:
                await self.sweep()
            except Exception:
                log.exception("job sweep failed; retrying")

    async def _work(self) -> None:
        while not self._stopping.is_set():
            try:
                job = await self._claim()
            except Exception:
                log.exception("job claim failed; retrying")
                job = None
            if job is not None:
                await self._run(job)
                continue
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll)
            self._wake.clear()

    async def _claim(self) -> JobView | None:
        if not self._handlers:
            return None
        return await self.write(
            claim_job,
            kinds=sorted(self._handlers),
            owner=self.owner,
            lease_seconds=self.lease_seconds,
        )

    async def _run(self, job: JobView) -> None:
        ctx = JobRunContext(
            job,
            self.executor,
            write=self.write,
            owner=self.owner,
            lease_seconds=self.lease_seconds,
        )
        handler = self._handlers[job.kind]
        task = ctx.task = asyncio.create_task(handler(ctx, dict(job.payload)), name=f"job:{job.id}")
        beats = asyncio.create_task(ctx.heartbeats(), name=f"job-heartbeat:{job.id}")
        self._running[job.id] = ctx
        try:
            # shielded: stopping the worker must not cancel the handler before it is decided
            # what happens to the job
            result = await asyncio.shield(task)
        except asyncio.CancelledError:
            await cancel_task(beats)
            if ctx.refusal is not None:
                return  # cancelled, or another owner has it: nothing is ours to write
            current = asyncio.current_task()
            if current is None or not current.cancelling():
                await self._fail(job, RuntimeError("the handler cancelled itself"))
                return
            await cancel_task(task)  # the runner is stopping: give the job back
            await self._settle(release_job, job_id=job.id, owner=self.owner)
            raise
        except Exception as exc:
            await cancel_task(beats)
            await self._fail(job, exc)
        else:
            await cancel_task(beats)
            await self._finish(job, result)
        finally:
            self._running.pop(job.id, None)
            await cancel_task(beats)

    async def _finish(self, job: JobView, result: object) -> None:
        problem = not_json_object(result)
        if problem is not None:
            await self._settle(
                fail_job, job_id=job.id, owner=self.owner, error=problem, retry=False
            )
            return
        await self._settle(complete_job, job_id=job.id, owner=self.owner, result=result)

    async def _fail(self, job: JobView, exc: Exception) -> None:
        permanent = isinstance(exc, DomainError)
        if permanent:
            log.info("job %s (%s) refused: %s", job.id, job.kind, exc)
        else:
            log.exception("job %s (%s) failed (attempt %s)", job.id, job.kind, job.attempts)
        error = f"{type(exc).__name__}: {exc}"
        await self._settle(
            fail_job, job_id=job.id, owner=self.owner, error=error, retry=not permanent
        )

    async def _settle(self, fn: Callable[..., Awaitable[JobView]], **kwargs: Any) -> None:
        """Write a job's outcome; a job taken away meanwhile keeps its new owner's state."""
        try:
            await self.write(fn, **kwargs)
        except (LeaseLost, JobCancelled) as refusal:
            log.info("job %s: outcome dropped (%s)", kwargs["job_id"], refusal.code)
        except Exception:
            log.exception("job %s: its outcome could not be written", kwargs["job_id"])
