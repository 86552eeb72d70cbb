"""The job rows' shared pieces: the view, the event payload, the refusals, and the one
conditional UPDATE every transition goes through (resolvers/jobs/__init__.py explains why)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, NoReturn

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import ScalarSelect

from resolvers.errors import Conflict, NotFound
from resolvers.notifications import raise_notification
from storage.jobs import Job
from storage.outbox import append_event


class LeaseLost(Conflict):
    """The job is no longer this owner's: re-queued by the sweeper, or claimed by another."""

    code = "JOB_LEASE_LOST"


class JobCancelled(Conflict):
    """The job was cancelled while its owner ran it."""

    code = "JOB_CANCELLED"


@dataclass(frozen=True, slots=True)
class JobView:
    """A queued, running or finished piece of long work.

    Not a `View` yet: no route answers a bare job, and codegen describes every View on every
    surface; the domains built on jobs (the gauntlet's steps) answer views of their own."""

    id: int
    kind: str
    key: str | None
    status: str  # one of storage/jobs.py JOB_STATUSES
    payload: dict[str, Any]
    result: dict[str, Any] | None
    error: str | None
    progress: float
    progress_message: str
    attempts: int
    max_attempts: int
    lease_owner: str | None
    lease_expires_at: datetime | None
    heartbeat_at: datetime | None
    run_after: datetime
    recovered_at: datetime | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


def job_view(row: Job) -> JobView:
    """The API's view of a job row."""
    return JobView(**{name: getattr(row, name) for name in _FIELDS})


_FIELDS = tuple(f.name for f in fields(JobView))


def job_event(row: Job) -> dict[str, Any]:
    """A job event's payload: its state without payload and result (which may be large)."""
    return {
        "id": row.id,
        "kind": row.kind,
        "key": row.key,
        "status": row.status,
        "progress": row.progress,
        "progress_message": row.progress_message,
        "attempts": row.attempts,
        "max_attempts": row.max_attempts,
        "error": row.error,
    }


async def emit(session: AsyncSession, row: Job, what: str) -> None:
    await append_event(session, topic=f"job.{what}", entity_id=str(row.id), payload=job_event(row))
    if what == "failed":  # failed for good (a retried attempt is `queued` again)
        await raise_notification(
            session,
            type="job.failed",
            severity="warning",
            source="jobs",
            title=f"Job {row.id} ({row.kind}) failed",
            body=(row.error or "")[:5000],
            entity_type="job",
            entity_id=str(row.id),
        )


def dialect(session: AsyncSession) -> str:
    bind = session.bind
    return bind.dialect.name if bind is not None else "sqlite"


async def transition(
    session: AsyncSession,
    job_id: int | ScalarSelect[int],
    where: Sequence[ColumnElement[bool]],
    **values: Any,
) -> Job | None:
    """Apply `values` to the job if it still matches `where`; the updated row, else None."""
    statement = (
        update(Job)
        .where(Job.id == job_id, *where)
        .values(**values)
        .returning(Job)
        .execution_options(populate_existing=True, synchronize_session=False)
    )
    return (await session.scalars(statement)).one_or_none()


async def job_row(session: AsyncSession, job_id: int) -> Job:
    row = await session.get(Job, job_id, populate_existing=True)
    if row is None:
        raise NotFound(f"job {job_id} not found", code="JOB_NOT_FOUND", details={"id": job_id})
    return row


async def refuse_owner(session: AsyncSession, job_id: int, owner: str) -> NoReturn:
    row = await job_row(session, job_id)
    details = {"id": job_id, "status": row.status, "lease_owner": row.lease_owner}
    if row.status == "cancelled":
        raise JobCancelled(f"job {job_id} was cancelled", details=details)
    raise LeaseLost(f"job {job_id} is no longer leased to {owner}", details=details)


def owned(owner: str) -> list[ColumnElement[bool]]:
    return [Job.status == "running", Job.lease_owner == owner]


def finished(at: datetime) -> dict[str, Any]:
    return {
        "finished_at": at,
        "lease_owner": None,
        "lease_expires_at": None,
        "progress_unreported": False,
    }
