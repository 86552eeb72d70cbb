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
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import InvalidInput, NotFound
from resolvers.lab.live import topic_for
from storage.control import SchedulerJob
from storage.events import Event
from storage.outbox import append_event

MIN_INTERVAL = 0.1
MAX_INTERVAL = 86_400.0
LIVE_RETENTION = timedelta(hours=24)
REGIME_TOPIC = topic_for("regime")
LIVE_PREFIX = "live."
JOB_STATUSES = ("ok", "error", "skipped")
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
    "exchange_reconcile": JobDefinition(
        300.0,
        "Compare open trades with the exchange's positions and report differences (no repair).",
        halts_when_paused=False,
    ),
    "events_prune": JobDefinition(
        3600.0, "Delete live-feed events older than 24 hours.", halts_when_paused=False
    ),
}


@dataclass(frozen=True, slots=True)
class JobView:
    """A job row with its catalog entry: what /api/scheduler answers."""

    id: str
    description: str
    enabled: bool
    interval_seconds: float
    halts_when_paused: bool
    last_run_at: datetime | None
    last_status: str | None
    last_error: str | None
    last_duration_ms: float | None
    runs: int
    failures: int

    @property
    def next_run_at(self) -> datetime | None:
        """When the job is due next; None while disabled or before its first run (due now)."""
        if not self.enabled or self.last_run_at is None:
            return None
        return self.last_run_at + timedelta(seconds=self.interval_seconds)


def view(row: SchedulerJob) -> JobView:
    spec = JOBS[row.id]
    return JobView(
        id=row.id,
        description=spec.description,
        enabled=row.enabled,
        interval_seconds=row.interval_seconds,
        halts_when_paused=spec.halts_when_paused,
        last_run_at=row.last_run_at,
        last_status=row.last_status,
        last_error=row.last_error,
        last_duration_ms=row.last_duration_ms,
        runs=row.runs,
        failures=row.failures,
    )


def due_at(row: SchedulerJob) -> datetime | None:
    """When the job is due (its last run plus its interval); None while disabled."""
    if not row.enabled:
        return None
    if row.last_run_at is None:
        return datetime.min.replace(tzinfo=UTC)
    return row.last_run_at + timedelta(seconds=row.interval_seconds)


def is_due(row: SchedulerJob, now: datetime) -> bool:
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
) -> list[SchedulerJob]:
    """Insert the catalog's missing rows; an existing row (an operator's PATCH) is kept.

    `overrides` gives a job's first interval (from settings); 0 creates it disabled, at its
    catalog interval.
    """
    overrides = overrides or {}
    existing = {row.id for row in (await session.execute(select(SchedulerJob))).scalars()}
    for job_id, spec in JOBS.items():
        if job_id in existing:
            continue
        first = overrides.get(job_id, spec.interval_seconds)
        enabled = first > 0
        interval = check_interval(first) if enabled else spec.interval_seconds
        session.add(SchedulerJob(id=job_id, interval_seconds=interval, enabled=enabled))
    await session.flush()
    return await _rows(session)


async def _rows(session: AsyncSession) -> list[SchedulerJob]:
    rows = {row.id: row for row in (await session.execute(select(SchedulerJob))).scalars()}
    return [rows[job_id] for job_id in JOBS if job_id in rows]


async def list_jobs(session: AsyncSession) -> list[JobView]:
    """Every scheduled job, in catalog order."""
    return [view(row) for row in await _rows(session)]


async def get_job(session: AsyncSession, *, job_id: str) -> SchedulerJob:
    if job_id not in JOBS:
        raise NotFound(f"scheduler job {job_id!r} not found", details={"job_id": job_id})
    row = await session.get(SchedulerJob, job_id)
    if row is None:  # a catalog job whose row start-up has not written yet
        row = next(r for r in await ensure_jobs(session) if r.id == job_id)
    return row


async def update_job(
    session: AsyncSession,
    *,
    job_id: str,
    enabled: bool | None = None,
    interval_seconds: float | None = None,
) -> JobView:
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
    payload = {"id": row.id, "enabled": row.enabled, "interval_seconds": row.interval_seconds}
    await append_event(session, topic="scheduler.job_updated", entity_id=row.id, payload=payload)
    return view(row)


async def record_run(
    session: AsyncSession,
    *,
    job_id: str,
    started_at: datetime,
    status: str,
    duration_ms: float | None = None,
    error: str | None = None,
) -> SchedulerJob:
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
