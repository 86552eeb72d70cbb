"""A job's life under its lease: enqueue, claim, heartbeat, complete, fail, release."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.selectable import ScalarSelect

from resolvers.errors import InvalidInput
from resolvers.jobs.rows import (
    JobView,
    dialect,
    emit,
    finished,
    job_row,
    job_view,
    owned,
    refuse_owner,
    transition,
)
from resolvers.validation import require_text
from storage.base import utcnow
from storage.jobs import Job

PROGRESS_EVENT_SECONDS = 0.5
BACKOFF_BASE_SECONDS = 5.0
BACKOFF_MAX_SECONDS = 300.0


async def enqueue_job(
    session: AsyncSession,
    *,
    kind: str,
    payload: dict[str, Any],
    key: str | None = None,
    max_attempts: int = 3,
    now: datetime | None = None,
) -> JobView:
    """Queue a job; with a key already queued (in any status) answers that job instead."""
    kind = require_text("kind", kind, max_length=80)
    if key is not None:
        key = require_text("key", key, max_length=200)
    if not isinstance(payload, dict):
        raise InvalidInput("payload must be a JSON object", details={"field": "payload"})
    if not 1 <= max_attempts <= 100:
        raise InvalidInput("max_attempts must be 1 to 100", details={"field": "max_attempts"})
    at = now or utcnow()
    insert = postgresql_insert if dialect(session) == "postgresql" else sqlite_insert
    values = dict(kind=kind, key=key, payload=payload, max_attempts=max_attempts)
    statement = insert(Job).values(**values, status="queued", run_after=at, created_at=at)
    if key is not None:
        # one INSERT ... ON CONFLICT DO NOTHING: concurrent twins cannot both insert
        statement = statement.on_conflict_do_nothing(index_elements=[Job.key])
    row = (await session.scalars(statement.returning(Job))).one_or_none()
    if row is None:
        existing = await session.scalar(select(Job).where(Job.key == key))
        assert existing is not None  # the conflict was this key
        return job_view(existing)
    await emit(session, row, "queued")
    return job_view(row)


async def claim_job(
    session: AsyncSession,
    *,
    kinds: Sequence[str],
    owner: str,
    lease_seconds: float,
    now: datetime | None = None,
) -> JobView | None:
    """Lease the oldest due queued job of `kinds` to `owner`; None when there is none."""
    if not kinds:
        return None
    at = now or utcnow()
    due = [Job.status == "queued", Job.kind.in_(list(kinds)), Job.run_after <= at]
    pick = select(Job.id).where(*due).order_by(Job.run_after, Job.id).limit(1)
    target: int | ScalarSelect[int]
    if dialect(session) == "postgresql":
        picked = await session.scalar(pick.with_for_update(skip_locked=True))
        if picked is None:
            return None
        target = picked
    else:
        # an idle poll stays a read: the UPDATE would take SQLite's write lock even for 0 rows
        if await session.scalar(select(Job.id).where(*due).limit(1)) is None:
            return None
        target = pick.scalar_subquery()  # picked and updated in one statement
    row = await transition(
        session,
        target,
        [Job.status == "queued"],
        status="running",
        lease_owner=owner,
        lease_expires_at=at + timedelta(seconds=lease_seconds),
        heartbeat_at=at,
        started_at=at,
        attempts=Job.attempts + 1,
        error=None,
    )
    if row is None:
        return None
    await emit(session, row, "running")
    return job_view(row)


async def heartbeat_job(
    session: AsyncSession,
    *,
    job_id: int,
    owner: str,
    lease_seconds: float,
    progress: float | None = None,
    message: str | None = None,
    now: datetime | None = None,
) -> JobView:
    """Extend `owner`'s lease and record progress; refused (JOB_LEASE_LOST, JOB_CANCELLED)
    when the job is no longer running under that owner, so its worker stops."""
    at = now or utcnow()
    values: dict[str, Any] = {
        "heartbeat_at": at,
        "lease_expires_at": at + timedelta(seconds=lease_seconds),
    }
    if progress is not None:
        if not 0.0 <= progress <= 1.0:
            raise InvalidInput("progress must be between 0 and 1", details={"field": "progress"})
        values["progress"] = progress
    if message is not None:
        values["progress_message"] = message[:500]
    if progress is not None or message is not None:
        values["progress_unreported"] = True
    row = await transition(session, job_id, owned(owner), **values)
    if row is None:
        await refuse_owner(session, job_id, owner)
    last = row.progress_event_at
    if row.progress_unreported and (
        last is None or (at - last).total_seconds() >= PROGRESS_EVENT_SECONDS
    ):
        row.progress_unreported = False
        row.progress_event_at = at
        await session.flush()
        await emit(session, row, "progress")
    return job_view(row)


async def complete_job(
    session: AsyncSession,
    *,
    job_id: int,
    owner: str,
    result: dict[str, Any],
    now: datetime | None = None,
) -> JobView:
    """Record `owner`'s job as succeeded with its result."""
    at = now or utcnow()
    row = await transition(
        session,
        job_id,
        owned(owner),
        **finished(at),
        status="succeeded",
        result=result,
        progress=1.0,
    )
    if row is None:
        await refuse_owner(session, job_id, owner)
    await emit(session, row, "succeeded")
    return job_view(row)


def backoff_seconds(attempts: int) -> float:
    """The wait before a failed job's next attempt: doubling from 5 s, at most 5 min."""
    return min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1))


async def fail_job(
    session: AsyncSession,
    *,
    job_id: int,
    owner: str,
    error: str,
    retry: bool = True,
    now: datetime | None = None,
) -> JobView:
    """Record a failed attempt: re-queued after a backoff while attempts remain (and `retry`),
    otherwise failed for good."""
    at = now or utcnow()
    current = await job_row(session, job_id)
    if current.status != "running" or current.lease_owner != owner:
        await refuse_owner(session, job_id, owner)
    again = retry and current.attempts < current.max_attempts
    values: dict[str, Any] = {"error": error[:10_000]}
    if again:
        wait = timedelta(seconds=backoff_seconds(current.attempts))
        values.update(status="queued", run_after=at + wait, lease_owner=None, lease_expires_at=None)
    else:
        values.update(status="failed", **finished(at))
    # the attempts a decision was made on: a sweep and re-claim meanwhile makes it stale
    unchanged = [*owned(owner), Job.attempts == current.attempts]
    row = await transition(session, job_id, unchanged, **values)
    if row is None:
        await refuse_owner(session, job_id, owner)
    await emit(session, row, "queued" if again else "failed")
    return job_view(row)


async def release_job(
    session: AsyncSession, *, job_id: int, owner: str, now: datetime | None = None
) -> JobView:
    """Give a running job back to the queue at once (its worker is stopping); the
    interrupted attempt does not count."""
    at = now or utcnow()
    row = await transition(
        session,
        job_id,
        owned(owner),
        status="queued",
        lease_owner=None,
        lease_expires_at=None,
        run_after=at,
        attempts=Job.attempts - 1,
    )
    if row is None:
        await refuse_owner(session, job_id, owner)
    await emit(session, row, "released")
    return job_view(row)
