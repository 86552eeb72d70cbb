"""The scheduler's job catalog and rows: each background job's schedule and its last run.

The runner (server/scheduler.py) re-reads these rows on every pass, so a PATCH takes effect on
the next pass, without a restart. Intervals are wall-clock seconds, 0.1 s to 24 h. A job never
run is due at once; afterwards it is due `interval_seconds` after its last run started.

Jobs that trade or move strategies halt while the system is paused (each pass records them as
`skipped`); the reconciliation report and the event pruning keep running. `runs` counts the
passes that ran the job (skips excluded), `failures` those that raised.

Retention (events_prune): live-feed events (topics `live.*`: ticks, fills, indicator updates,
regime changes) older than 24 hours are deleted; a client resuming with an older `since` gets
what is left. Every other event is kept, and so is the newest event (see prune_live_events).

Routines (routines, every 5 s): queues each cron routine whose occurrence has come, once
(resolvers/routines.py says how: compare-and-set, DST, missed occurrences skipped). It halts
while the system is paused. Its row in GET /api/scheduler lists the routines (`routines`:
name, cron, timezone, status, next_run_at, last run status); every other job's list is empty.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import InvalidInput, NotFound
from resolvers.lab.live import topic_for
from resolvers.routines import ROUTINE_STATUS, RUN_STATUS, list_routines
from resolvers.views import Choices, View, from_row, to_payload
from storage.control import SchedulerJob as SchedulerJobRow
from storage.events import Event
from storage.outbox import append_event

MIN_INTERVAL = 0.1
MAX_INTERVAL = 86_400.0
LIVE_RETENTION = timedelta(hours=24)
REGIME_TOPIC = topic_for("regime")
LIVE_PREFIX = "live."
SCHEDULER_JOB_STATUS = Choices("SchedulerJobStatus", ("ok", "error", "skipped"))
JOB_STATUSES = SCHEDULER_JOB_STATUS.values
ERROR_LENGTH = 500


@dataclass(frozen=True, slots=True)
class JobDefinition:
    interval_seconds: float
    description: str
    halts_when_paused: bool


JOBS: dict[str, JobDefinition] = {
    "market_ticks": JobDefinition(
        1.0, "Price ticks and regime changes on the live feed.", halts_when_paused=True
    ),
    "paper_tick": JobDefinition(
        60.0, "One step of the running paper session.", halts_when_paused=True
    ),
    "agent_tick": JobDefinition(
        60.0, "One step of every Halyrd trading agent.", halts_when_paused=True
    ),
    "pipeline": JobDefinition(
        300.0,
        "Promote strategies whose gates pass, or queue them for approval (autonomy mode).",
        halts_when_paused=True,
    ),
    "approvals_triage": JobDefinition(
        5.0,
        "Classify new approvals, decide them as the approval mode says, escalate overdue ones.",
        halts_when_paused=True,  # an automatic approval runs its action (moves a strategy)
    ),
    "exchange_reconcile": JobDefinition(
        300.0,
        "Compare open trades with the exchange's positions and report differences (no repair).",
        halts_when_paused=False,
    ),
    "events_prune": JobDefinition(
        3600.0, "Delete live-feed events older than 24 hours.", halts_when_paused=False
    ),
    "routines": JobDefinition(
        5.0,
        "Queue the cron routines whose next occurrence has come (resolvers/routines.py).",
        halts_when_paused=True,
    ),
    "health_watch": JobDefinition(
        30.0,
        "Check every component's health and record an alert when one degrades or recovers.",
        halts_when_paused=False,
    ),
    "skills_watch": JobDefinition(
        3600.0,
        "Notify when a skill is declining in paper or live (at most daily per skill and phase).",
        halts_when_paused=False,
    ),
}
ROUTINES_JOB = "routines"


@dataclass(frozen=True, slots=True)
class ScheduledRoutine(View):
    """A routine as the scheduler's `routines` job sees it: its schedule and its last run."""

    id: int
    name: str
    cron: str
    timezone: str
    status: Annotated[str, ROUTINE_STATUS]
    next_run_at: Annotated[datetime | None, "the next occurrence (UTC); null unless active"]
    last_run_status: Annotated[str | None, RUN_STATUS]
    last_run_at: Annotated[datetime | None, "when the last run was queued"]


@dataclass(frozen=True, slots=True)
class SchedulerJob(View):
    """A background job: its schedule and its last run."""

    id: str
    description: str
    enabled: bool
    interval_seconds: float
    halts_when_paused: bool
    last_run_at: datetime | None
    last_status: Annotated[str | None, SCHEDULER_JOB_STATUS]
    last_error: str | None
    last_duration_ms: float | None
    runs: Annotated[int, "passes that ran the job (skips excluded)"]
    failures: int
    next_run_at: Annotated[datetime | None, "null while disabled or before the first run (due now)"]
    routines: Annotated[
        list[ScheduledRoutine], "the routines job: every routine it schedules; empty on the others"
    ]


def job_view(row: SchedulerJobRow, routines: list[ScheduledRoutine] | None = None) -> SchedulerJob:
    """A job row with its catalog entry; it is due next `interval_seconds` after its last run.
    `routines`: what the routines job schedules (scheduled_routines)."""
    spec = JOBS[row.id]
    due = None
    if row.enabled and row.last_run_at is not None:
        due = row.last_run_at + timedelta(seconds=row.interval_seconds)
    return from_row(
        SchedulerJob,
        row,
        description=spec.description,
        halts_when_paused=spec.halts_when_paused,
        next_run_at=due,
        routines=routines or [],
    )


async def scheduled_routines(session: AsyncSession) -> list[ScheduledRoutine]:
    """Every routine with its schedule and last run, for the routines job's view."""
    return [
        ScheduledRoutine(
            id=r.id,
            name=r.name,
            cron=r.cron,
            timezone=r.timezone,
            status=r.status,
            next_run_at=r.next_run_at,
            last_run_status=None if r.last_run is None else r.last_run.status,
            last_run_at=None if r.last_run is None else r.last_run.queued_at,
        )
        for r in await list_routines(session)
    ]


async def _view(session: AsyncSession, row: SchedulerJobRow) -> SchedulerJob:
    routines = await scheduled_routines(session) if row.id == ROUTINES_JOB else None
    return job_view(row, routines)


def due_at(row: SchedulerJobRow) -> datetime | None:
    """When the job is due (its last run plus its interval); None while disabled."""
    if not row.enabled:
        return None
    if row.last_run_at is None:
        return datetime.min.replace(tzinfo=UTC)
    return row.last_run_at + timedelta(seconds=row.interval_seconds)


def is_due(row: SchedulerJobRow, now: datetime) -> bool:
    due = due_at(row)
    return due is not None and due <= now


def check_interval(value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInput(
            "interval_seconds must be a number", details={"field": "interval_seconds"}
        )
    if not MIN_INTERVAL <= value <= MAX_INTERVAL:
        raise InvalidInput(
            f"interval_seconds must be between {MIN_INTERVAL} and {MAX_INTERVAL:.0f}",
            details={"field": "interval_seconds", "value": value},
        )
    return float(value)


async def ensure_jobs(
    session: AsyncSession, overrides: Mapping[str, float] | None = None
) -> list[SchedulerJobRow]:
    """Insert the catalog's missing rows; an existing row (an operator's PATCH) is kept.

    `overrides` gives a job's first interval (from settings); 0 creates it disabled, at its
    catalog interval.
    """
    overrides = overrides or {}
    existing = {row.id for row in (await session.execute(select(SchedulerJobRow))).scalars()}
    for job_id, spec in JOBS.items():
        if job_id in existing:
            continue
        first = overrides.get(job_id, spec.interval_seconds)
        enabled = first > 0
        interval = check_interval(first) if enabled else spec.interval_seconds
        session.add(SchedulerJobRow(id=job_id, interval_seconds=interval, enabled=enabled))
    await session.flush()
    return await _rows(session)


async def _rows(session: AsyncSession) -> list[SchedulerJobRow]:
    rows = {row.id: row for row in (await session.execute(select(SchedulerJobRow))).scalars()}
    return [rows[job_id] for job_id in JOBS if job_id in rows]


async def list_jobs(session: AsyncSession) -> list[SchedulerJob]:
    """Every scheduled job, in catalog order (the routines job with its routines)."""
    return [await _view(session, row) for row in await _rows(session)]


async def get_job(session: AsyncSession, *, job_id: str) -> SchedulerJobRow:
    if job_id not in JOBS:
        raise NotFound(f"scheduler job {job_id!r} not found", details={"job_id": job_id})
    row = await session.get(SchedulerJobRow, job_id)
    if row is None:  # a catalog job whose row start-up has not written yet
        row = next(r for r in await ensure_jobs(session) if r.id == job_id)
    return row


async def update_job(
    session: AsyncSession,
    *,
    job_id: str,
    enabled: bool | None = None,
    interval_seconds: float | None = None,
) -> SchedulerJob:
    """Switch a job on or off and/or change its interval; the runner applies it next pass."""
    if enabled is None and interval_seconds is None:
        raise InvalidInput(
            "give enabled and/or interval_seconds",
            details={"fields": ["enabled", "interval_seconds"]},
        )
    if enabled is not None and not isinstance(enabled, bool):
        raise InvalidInput("enabled must be true or false", details={"field": "enabled"})
    interval = None if interval_seconds is None else check_interval(interval_seconds)
    row = await get_job(session, job_id=job_id)
    if enabled is not None:
        row.enabled = enabled
    if interval is not None:
        row.interval_seconds = interval
    await session.flush()
    job = await _view(session, row)
    await append_event(
        session, topic="scheduler.job_updated", entity_id=row.id, payload=to_payload(job)
    )
    return job


async def record_run(
    session: AsyncSession,
    *,
    job_id: str,
    started_at: datetime,
    status: str,
    duration_ms: float | None = None,
    error: str | None = None,
) -> SchedulerJobRow:
    """Write a pass's outcome on the job's row (no event: runs are not watched)."""
    if status not in JOB_STATUSES:
        raise InvalidInput(f"unknown run status {status!r}", details={"field": "status"})
    row = await get_job(session, job_id=job_id)
    row.last_run_at = started_at
    row.last_status = status
    if status != "skipped":
        row.runs += 1
        row.last_duration_ms = duration_ms
        row.last_error = None if error is None else error[:ERROR_LENGTH]
    if status == "error":
        row.failures += 1
    await session.flush()
    return row


async def prune_live_events(
    session: AsyncSession, *, now: datetime, older_than: timedelta = LIVE_RETENTION
) -> int:
    """Delete live-feed events written before `now - older_than`; returns how many.

    The newest event always stays, whatever its age: SQLite would hand a deleted highest id out
    again, and a client resuming after it would miss the event that reused it. So does each
    symbol's newest regime change: it is the ticker's memory of the current regime (without
    it the next pass would announce the same regime again, as a first observation).
    """
    cutoff = now - older_than
    newest = select(func.max(Event.id)).scalar_subquery()
    latest_regimes = (
        select(func.max(Event.id)).where(Event.topic == REGIME_TOPIC).group_by(Event.entity_id)
    )
    stmt = delete(Event).where(
        Event.topic.startswith(LIVE_PREFIX),
        Event.created_at < cutoff,
        Event.id < newest,
        Event.id.not_in(latest_regimes),
    )
    result = await session.execute(stmt.execution_options(synchronize_session=False))
    await session.flush()
    return int(getattr(result, "rowcount", 0) or 0)
