"""Component health (`GET /api/health/status`) and its alerts (`GET /api/health/alerts`).

Each component answers a status: ok, degraded, down, or disabled (not run by this process,
by its settings: no alert, and it does not count against the overall status):
- database: a real `SELECT 1` round trip, timed (latency_ms); degraded at DB_SLOW_MS or more,
  down when it fails.
- event_bus: the broker connection; degraded while it is lost (the events table stands in,
  storage/bus.py).
- scheduler: whether its loop runs (down when stopped); value: seconds since the newest
  scheduler job run (scheduler_jobs.last_run_at), null before the first.
- job_workers: whether the workers run (down when stopped); value: jobs queued and due;
  degraded while the oldest due queued job has waited JOB_WAIT_DEGRADED_SECONDS or more.
- paper_service: value: running paper sessions; degraded when one runs while the scheduler
  that ticks it does not.
- bots: value: bots running; degraded when any has failed, or bots should run while the
  supervisor does not.
- provider_lab (always ok: in-process) and provider_openai (ok when configured, else
  disabled). A status read never calls a provider's network: a round trip per read would be
  neither cheap nor bounded (a model call, recorded in model_calls, is the real probe).

The processes are the ones this server runs (server/lifespan.py registers them on
`lab.running`); one the settings leave off is disabled. The overall status is the worst of the
non-disabled components (down, then degraded, then ok).

Alerts: `watch_health` (the scheduler's `health_watch` job, every HEALTH_WATCH_SECONDS)
compares each component's status with its last alerted one (storage/health.py; none yet: ok)
and records an alert when it changed between ok, degraded and down: `recovered` when it came
back to ok, else `degraded` (it left ok, or went from degraded to down or back), with the events
health.degraded and health.recovered (entity id: the component). disabled counts as ok (a
component switched off is no outage). A GET is a read and records nothing, so alerts come only
while the scheduler runs (once it stops, its own next check cannot run; the status read still
says scheduler down).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import InvalidInput
from resolvers.lab.services import Lab
from resolvers.paper_engine import running_sessions
from resolvers.views import Choices, View, from_row, to_payload
from storage.base import utcnow
from storage.bots import Bot
from storage.control import SchedulerJob
from storage.health import ALERT_KINDS, HEALTH_STATUSES, HealthAlert
from storage.jobs import Job
from storage.outbox import append_event

HEALTH_STATUS = Choices(
    "HealthState",
    HEALTH_STATUSES,
    "ok; degraded (works, with a problem); down (not working); disabled (not run here)",
)
ALERT_KIND = Choices("HealthAlertKind", ALERT_KINDS)
DB_SLOW_MS = 1000.0
JOB_WAIT_DEGRADED_SECONDS = 300.0
HEALTH_WATCH_SECONDS = 30.0
ALERTS_DEFAULT, ALERTS_MAX = 50, 500
_RANK = {"disabled": 0, "ok": 0, "degraded": 1, "down": 2}


@dataclass(frozen=True, slots=True)
class HealthComponent(View):
    """One component's health check and the value it measured."""

    name: Annotated[
        str,
        "database, event_bus, scheduler, job_workers, paper_service, bots, provider_lab, "
        "provider_openai",
    ]
    status: Annotated[str, HEALTH_STATUS]
    latency_ms: Annotated[float | None, "the check's round trip (database), else null"]
    value: Annotated[float | None, "what the check measured, in `unit` (null: nothing)"]
    unit: Annotated[str | None, "what `value` counts"]
    detail: Annotated[str, "the check's finding in words"]


@dataclass(frozen=True, slots=True)
class HealthStatus(View):
    """Every component's health, and the worst of them."""

    status: Annotated[str, HEALTH_STATUS, "the worst non-disabled component's status"]
    checked_at: datetime
    components: list[HealthComponent]


@dataclass(frozen=True, slots=True)
class HealthAlertView(View):
    """A component's status changed: it degraded or recovered."""

    rest_name = "HealthAlert"
    graphql_name = "HealthAlert"

    id: int
    component: Annotated[str, "the component's name (HealthComponent.name)"]
    kind: Annotated[str, ALERT_KIND]
    status: Annotated[str, HEALTH_STATUS, "its status now"]
    previous: Annotated[str, HEALTH_STATUS, "its status before"]
    detail: Annotated[str, "the check's finding when the status changed"]
    created_at: datetime


def _component(
    name: str,
    status: str,
    detail: str,
    *,
    value: float | None = None,
    unit: str | None = None,
    latency_ms: float | None = None,
) -> HealthComponent:
    return HealthComponent(name, status, latency_ms, value, unit, detail)


def _probe(lab: Lab, name: str) -> bool | None:
    """Whether the process runs the component (None: not run here)."""
    check: Callable[[], bool] | None = lab.running.get(name)
    return None if check is None else bool(check())


async def _database(session: AsyncSession) -> HealthComponent:
    started = time.perf_counter()
    try:
        await session.execute(text("SELECT 1"))
    except Exception as exc:  # any failure of the round trip is the finding
        return _component("database", "down", f"SELECT 1 failed: {type(exc).__name__}")
    ms = round((time.perf_counter() - started) * 1000, 3)
    status = "degraded" if ms >= DB_SLOW_MS else "ok"
    return _component("database", status, "SELECT 1 answered", latency_ms=ms)


def _event_bus(lab: Lab) -> HealthComponent:
    connected = _probe(lab, "event_bus")
    if connected is None:
        return _component("event_bus", "disabled", "no event bus in this process")
    if connected:
        return _component("event_bus", "ok", "broker connected")
    return _component("event_bus", "degraded", "broker not connected: the events table stands in")


async def _scheduler(session: AsyncSession, lab: Lab, now: datetime) -> HealthComponent:
    last = await session.scalar(select(func.max(SchedulerJob.last_run_at)))
    age = None if last is None else round((now - _aware(last)).total_seconds(), 3)
    unit = "seconds since the newest job run"
    running = _probe(lab, "scheduler")
    if running is None:
        return _component("scheduler", "disabled", "scheduler off (settings)", value=age, unit=unit)
    if not running:
        return _component("scheduler", "down", "scheduler not running", value=age, unit=unit)
    return _component("scheduler", "ok", "scheduler running", value=age, unit=unit)


async def _job_workers(session: AsyncSession, lab: Lab, now: datetime) -> HealthComponent:
    due = (Job.status == "queued", Job.run_after <= now)
    queued, oldest = (
        await session.execute(select(func.count(), func.min(Job.run_after)).where(*due))
    ).one()
    busy = await session.scalar(select(func.count()).where(Job.status == "running"))
    waited = 0.0 if oldest is None else (now - _aware(oldest)).total_seconds()
    detail = f"{queued} queued and due, {busy} running"
    unit = "jobs queued and due"
    running = _probe(lab, "job_workers")
    if running is None:
        status, detail = "disabled", f"job workers off (settings); {detail}"
    elif not running:
        status, detail = "down", f"job workers not running; {detail}"
    elif waited >= JOB_WAIT_DEGRADED_SECONDS:
        status, detail = "degraded", f"{detail}; the oldest due job waited {waited:.0f} s"
    else:
        status = "ok"
    return _component("job_workers", status, detail, value=float(queued), unit=unit)


async def _paper_service(session: AsyncSession, lab: Lab) -> HealthComponent:
    sessions = await running_sessions(session)
    unit = "paper sessions running"
    if not sessions:
        return _component("paper_service", "ok", "no paper session running", value=0, unit=unit)
    detail = f"paper session {sessions[0].id} running"
    if _probe(lab, "scheduler") is not True:
        status, detail = "degraded", f"{detail}, but no scheduler ticks it"
    else:
        status = "ok"
    return _component("paper_service", status, detail, value=len(sessions), unit=unit)


async def _bots(session: AsyncSession, lab: Lab) -> HealthComponent:
    live = Bot.deleted_at.is_(None)
    grouped = select(Bot.status, func.count()).where(live).group_by(Bot.status)
    counts = {status: count for status, count in await session.execute(grouped)}
    wanted = await session.scalar(select(func.count()).where(live, Bot.desired_state == "running"))
    running, failed = counts.get("running", 0), counts.get("failed", 0)
    detail = f"{running} running, {failed} failed, {wanted} meant to run"
    supervised = _probe(lab, "bots")
    if failed:
        status = "degraded"
    elif wanted and not supervised:
        status, detail = "degraded", f"{detail}; no bot supervisor runs them"
    elif supervised is None and not wanted:
        status = "disabled"
    else:
        status = "ok"
    return _component("bots", status, detail, value=float(running), unit="bots running")


def _providers(lab: Lab) -> list[HealthComponent]:
    openai = lab.config.openai_base_url
    return [
        _component("provider_lab", "ok", "in-process lab analyst"),
        _component("provider_openai", "ok", f"configured: {openai}")
        if openai
        else _component(
            "provider_openai", "disabled", "not configured (TRADEGRAPH_OPENAI_BASE_URL)"
        ),
    ]


def _aware(moment: datetime) -> datetime:
    """SQLite answers naive UTC datetimes from aggregates."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def health_components(
    session: AsyncSession, *, lab: Lab, now: datetime
) -> list[HealthComponent]:
    """Every component's check, in the documented order."""
    return [
        await _database(session),
        _event_bus(lab),
        await _scheduler(session, lab, now),
        await _job_workers(session, lab, now),
        await _paper_service(session, lab),
        await _bots(session, lab),
        *_providers(lab),
    ]


def overall(components: list[HealthComponent]) -> str:
    """The worst non-disabled status (ok when every component is disabled)."""
    worst = max((_RANK[c.status] for c in components), default=0)
    return {0: "ok", 1: "degraded", 2: "down"}[worst]


async def get_health_status(session: AsyncSession, *, lab: Lab) -> HealthStatus:
    """Every component's health now."""
    now = utcnow()
    components = await health_components(session, lab=lab, now=now)
    return HealthStatus(overall(components), now, components)


async def list_health_alerts(
    session: AsyncSession, *, component: str | None = None, limit: int = ALERTS_DEFAULT
) -> list[HealthAlertView]:
    """The newest alerts first, at most `limit` (1 to ALERTS_MAX), optionally of one component."""
    if not 1 <= limit <= ALERTS_MAX:
        raise InvalidInput(
            f"limit must be between 1 and {ALERTS_MAX}", details={"field": "limit", "value": limit}
        )
    query = select(HealthAlert).order_by(HealthAlert.id.desc()).limit(limit)
    if component is not None:
        query = query.where(HealthAlert.component == component)
    return [from_row(HealthAlertView, row) for row in (await session.scalars(query)).all()]


async def _last_statuses(session: AsyncSession) -> dict[str, str]:
    newest = (
        select(HealthAlert.component, func.max(HealthAlert.id).label("id"))
        .group_by(HealthAlert.component)
        .subquery()
    )
    rows = await session.execute(
        select(HealthAlert.component, HealthAlert.status).join(
            newest, HealthAlert.id == newest.c.id
        )
    )
    return {component: status for component, status in rows}


async def record_alerts(
    session: AsyncSession, components: list[HealthComponent], *, now: datetime
) -> list[HealthAlertView]:
    """An alert (and its event) for each component whose status changed since its last alert."""
    known = await _last_statuses(session)
    made = []
    for component in components:
        before = known.get(component.name, "ok")
        rank_now = _RANK[component.status]
        if rank_now == _RANK[before]:
            continue
        kind = "recovered" if rank_now == 0 else "degraded"
        row = HealthAlert(
            component=component.name,
            kind=kind,
            status=component.status,
            previous=before,
            detail=component.detail[:500],
            created_at=now,
        )
        session.add(row)
        await session.flush()
        view = from_row(HealthAlertView, row)
        await append_event(
            session, topic=f"health.{kind}", entity_id=component.name, payload=to_payload(view)
        )
        made.append(view)
    return made


async def watch_health(
    session: AsyncSession, *, lab: Lab, now: datetime | None = None
) -> list[HealthAlertView]:
    """Check every component and record the changes (the scheduler's health_watch job)."""
    at = now or utcnow()
    return await record_alerts(session, await health_components(session, lab=lab, now=at), now=at)
