"""The background scheduler: one asyncio task running the jobs of resolvers/scheduler.py.

Every pass (about every 0.1 s) re-reads the job rows, so an operator's PATCH (interval,
enabled) applies on the next pass without a restart. A due job (enabled, never run or its
interval elapsed since its last run started) runs in a task of its own, so a slow job delays
no other; a job never runs twice at once in one process. Each run gets its own session and
transaction and commits with commit_and_publish, so the events it writes reach the bus like a
request's. Jobs that manage their own sessions (the Halyrd agents' steps) receive the session
factory instead.

While the system is paused a job that halts (resolvers/scheduler.py JOBS) does nothing and is
recorded `skipped`. An exception is logged (with its traceback on the first failure in a row),
recorded as the run's error, and retried on the next due pass: it never stops the loop.

Several instances on one PostgreSQL database: a run holds the transaction-scoped advisory lock
`job:<id>` and re-reads its row under it, so the instance that gets the lock second finds the
job no longer due and leaves it; one run per interval across the cluster.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from resolvers.control import is_paused
from resolvers.lab.services import Lab
from resolvers.scheduler import JOBS, due_at, is_due, record_run
from storage.base import utcnow
from storage.control import SchedulerJob
from storage.locks import try_transaction_lock
from storage.outbox import Publisher, commit_and_publish, discard_pending

log = logging.getLogger("tradegraph.scheduler")

POLL_SECONDS = 0.1
MIN_PAUSE_SECONDS = 0.005
STOP_GRACE_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class JobContext:
    """What a job may use besides its session: `started_at` is the wall-clock start of the
    run; market time is `lab.clock.now()`."""

    sessions: async_sessionmaker[AsyncSession]
    publish: Publisher | None
    lab: Lab
    started_at: datetime


@dataclass(frozen=True, slots=True)
class Job:
    """A job's callable: `run(session, ctx)` inside the run's transaction, or, with
    `own_sessions`, `run(ctx)` opening and committing its own sessions."""

    run: Callable[..., Awaitable[object]]
    own_sessions: bool = False


class Scheduler:
    """Owns the loop task; start() after the bus, stop() before it."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        publish: Publisher | None,
        lab: Lab,
        jobs: Mapping[str, Job],
        *,
        poll_seconds: float = POLL_SECONDS,
        stop_grace_seconds: float = STOP_GRACE_SECONDS,
        wall: Callable[[], datetime] = utcnow,
    ) -> None:
        unknown = set(jobs) - set(JOBS)
        if unknown:
            raise ValueError(f"jobs missing from the catalog: {sorted(unknown)}")
        self._sessions = sessions
        self._publish = publish
        self._lab = lab
        self._jobs = dict(jobs)
        self._poll = poll_seconds
        self._grace = stop_grace_seconds
        self._wall = wall
        self._running: dict[str, asyncio.Task[None]] = {}
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._next_due: datetime | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        if self._task is None:
            self._stopping.clear()
            self._task = asyncio.create_task(self._loop(), name="scheduler")

    async def stop(self) -> None:
        """End the loop, let runs in flight finish (cancelled after the grace period)."""
        self._stopping.set()
        task, self._task = self._task, None
        if task is not None:
            await task
        pending = list(self._running.values())
        if pending:
            _, late = await asyncio.wait(pending, timeout=self._grace)
            for run in late:
                run.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.run_pass()
            except Exception:
                log.exception("scheduler pass failed; retrying")
            with suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._pause())

    def _pause(self) -> float:
        """Until the next job is due, at most one poll: a PATCH still shows within a poll,
        and a 0.25 s job runs every 0.25 s rather than on the next 0.1 s boundary."""
        if self._next_due is None:
            return self._poll
        wait = (self._next_due - self._wall()).total_seconds()
        return min(self._poll, max(MIN_PAUSE_SECONDS, wait))

    async def run_pass(self) -> list[str]:
        """Start every due job that is not already running; returns their ids."""
        now = self._wall()
        async with self._sessions() as session:
            rows = (await session.execute(select(SchedulerJob))).scalars().all()
        due = [
            row.id
            for row in rows
            if row.id in self._jobs and row.id not in self._running and is_due(row, now)
        ]
        for job_id in due:
            self._running[job_id] = asyncio.create_task(self._run(job_id), name=f"job:{job_id}")
        # a job in flight is due again only after its run records itself: the next pass sees it
        upcoming = [
            at
            for row in rows
            if row.id in self._jobs and row.id not in self._running
            if (at := due_at(row)) is not None
        ]
        self._next_due = min(upcoming, default=None)
        return due

    async def settle(self) -> None:
        """Wait for the runs in flight (tests that drive passes themselves)."""
        await asyncio.gather(*self._running.values(), return_exceptions=True)

    async def _run(self, job_id: str) -> None:
        try:
            await self._execute(job_id)
        except Exception:
            log.exception("job %s: its run could not be recorded", job_id)
        finally:
            self._running.pop(job_id, None)

    async def _execute(self, job_id: str) -> None:
        started = self._wall()
        clock = time.perf_counter()
        async with self._sessions() as session:
            if not await try_transaction_lock(session, f"job:{job_id}"):
                return  # another instance is running it
            row = await session.get(SchedulerJob, job_id, populate_existing=True)
            if row is None or not is_due(row, started):
                return  # run elsewhere meanwhile, or disabled by a PATCH
            failing = row.last_status == "error"
            if JOBS[job_id].halts_when_paused and await is_paused(session):
                await record_run(session, job_id=job_id, started_at=started, status="skipped")
                await commit_and_publish(session, self._publish)
                return
            context = JobContext(self._sessions, self._publish, self._lab, started)
            job = self._jobs[job_id]
            try:
                await (job.run(context) if job.own_sessions else job.run(session, context))
            except Exception as exc:
                discard_pending(session)
                await session.rollback()
                if failing:
                    log.debug("job %s failed again: %s", job_id, exc)
                else:
                    log.exception("job %s failed; retrying when next due", job_id)
                error = f"{type(exc).__name__}: {exc}"
                elapsed = (time.perf_counter() - clock) * 1000
                await record_run(
                    session,
                    job_id=job_id,
                    started_at=started,
                    status="error",
                    duration_ms=elapsed,
                    error=error,
                )
                await commit_and_publish(session, None)
                return
            elapsed = (time.perf_counter() - clock) * 1000
            await record_run(
                session, job_id=job_id, started_at=started, status="ok", duration_ms=elapsed
            )
            await commit_and_publish(session, self._publish)
