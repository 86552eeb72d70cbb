"""Jobs from outside their lease: cancel, retry, the sweeper, and the reads."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import InvalidTransition
from resolvers.jobs.rows import JobView, emit, finished, job_row, job_view, transition
from resolvers.validation import require_choice
from storage.base import utcnow
from storage.jobs import JOB_STATUSES, Job

OUT_OF_ATTEMPTS = "its owner stopped heartbeating, and it has no attempts left"


async def cancel_job(session: AsyncSession, *, job_id: int, now: datetime | None = None) -> JobView:
    """Cancel a queued or running job (a running one's worker stops at its next heartbeat);
    cancelling a cancelled job answers it unchanged."""
    at = now or utcnow()
    row = await transition(
        session,
        job_id,
        [Job.status.in_(("queued", "running"))],
        status="cancelled",
        finished_at=at,
        lease_expires_at=None,
        progress_unreported=False,
    )
    if row is None:
        current = await job_row(session, job_id)
        if current.status == "cancelled":
            return job_view(current)
        raise InvalidTransition(
            f"job {job_id} is {current.status}: only queued or running jobs can be cancelled",
            details={"id": job_id, "status": current.status},
        )
    await emit(session, row, "cancelled")
    return job_view(row)


async def retry_job(session: AsyncSession, *, job_id: int, now: datetime | None = None) -> JobView:
    """Put a failed or cancelled job back in the queue with its attempts reset."""
    at = now or utcnow()
    row = await transition(
        session,
        job_id,
        [Job.status.in_(("failed", "cancelled"))],
        status="queued",
        attempts=0,
        error=None,
        result=None,
        progress=0.0,
        progress_message="",
        lease_owner=None,
        lease_expires_at=None,
        heartbeat_at=None,
        recovered_at=None,
        run_after=at,
        started_at=None,
        finished_at=None,
    )
    if row is None:
        current = await job_row(session, job_id)
        raise InvalidTransition(
            f"job {job_id} is {current.status}: only failed or cancelled jobs can be retried",
            details={"id": job_id, "status": current.status},
        )
    await emit(session, row, "queued")
    return job_view(row)


async def sweep_jobs(session: AsyncSession, *, now: datetime, stale_after: float) -> list[JobView]:
    """Take back running jobs whose lease expired or whose heartbeat is older than
    `stale_after` seconds: re-queued (job.recovered), or failed when their attempts are used
    up; answers the jobs it took back."""
    stale = [
        Job.status == "running",
        or_(
            Job.lease_expires_at < now,
            Job.heartbeat_at < now - timedelta(seconds=stale_after),
        ),
    ]
    taken: list[tuple[Job, str]] = []
    released = {"lease_owner": None, "lease_expires_at": None}
    requeue = {"status": "queued", "recovered_at": now, "run_after": now, **released}
    give_up = {"status": "failed", "error": OUT_OF_ATTEMPTS, **finished(now)}
    for more, values, what in (
        (Job.attempts < Job.max_attempts, requeue, "recovered"),
        (Job.attempts >= Job.max_attempts, give_up, "failed"),
    ):
        statement = (
            update(Job)
            .where(*stale, more)
            .values(**values)
            .returning(Job)
            .execution_options(populate_existing=True, synchronize_session=False)
        )
        taken += [(row, what) for row in (await session.scalars(statement)).all()]
    # events last: on PostgreSQL they take the outbox lock, and a writer holding it must not
    # then wait for a job row that a heartbeat (waiting for that lock) has locked
    for row, what in taken:
        await emit(session, row, what)
    return [job_view(row) for row, _ in taken]


async def get_job(session: AsyncSession, *, job_id: int) -> JobView:
    """One job (404 JOB_NOT_FOUND when unknown)."""
    return job_view(await job_row(session, job_id))


async def list_jobs(
    session: AsyncSession,
    *,
    status: str | None = None,
    kind: str | None = None,
    limit: int = 100,
) -> list[JobView]:
    """Jobs newest first, optionally of one status and/or kind."""
    query = select(Job).order_by(Job.id.desc()).limit(max(1, min(limit, 1000)))
    if status is not None:
        query = query.where(Job.status == require_choice("status", status, JOB_STATUSES))
    if kind is not None:
        query = query.where(Job.kind == kind)
    return [job_view(row) for row in (await session.scalars(query)).all()]


async def list_resumable(session: AsyncSession, *, kind: str | None = None) -> list[JobView]:
    """Queued jobs the sweeper recovered from an owner that died, oldest first."""
    query = select(Job).where(Job.status == "queued", Job.recovered_at.is_not(None))
    if kind is not None:
        query = query.where(Job.kind == kind)
    return [job_view(row) for row in (await session.scalars(query.order_by(Job.id))).all()]
