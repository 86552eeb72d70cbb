"""Diagnostics: the snapshot (model-call costs, truncation, health checks) and the
interrupted tasks awaiting resume.

- Cost rollups: model_calls grouped by provider, model and UTC day (SQL GROUP BY), newest
  day first, at most ROLLUP_DAYS days back: calls, failures (ok false), prompt and completion
  tokens, cost_usd (the priced calls' sum) and unpriced (calls with no known price, whose
  cost is counted 0).
- Truncation: datasets whose quality report says truncated (a fetch got less history than
  asked for; the exchange keeps its most recent 5,000 bars), with the range asked and got.
  Answers that were capped are not tracked per answer (nothing records that a read hit a
  cap); the snapshot lists the caps instead (`caps`), so a client knows where an answer stops.
- Health: the checks of GET /api/health/status (resolvers/health.py), with their values.
- Resumable: jobs the sweeper took back from an owner that stopped heartbeating (a crash, a
  kill), still queued (resolvers/jobs list_resumable); brain tasks are jobs of kind
  brain.chat and appear the same way. Resuming one makes it claimable now (run_after now,
  recovered_at cleared, so it leaves the list) with a job.queued event; the next free worker
  runs it. 404 TASK_NOT_FOUND for an unknown id, 409 TASK_NOT_RESUMABLE (details: its
  status) for a job that is not an interrupted queued one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from sqlalchemy import Date, case, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from resolvers.brain.tasks import JOB_KIND as BRAIN_JOB_KIND
from resolvers.errors import Conflict, NotFound
from resolvers.health import HealthComponent, health_components
from resolvers.jobs import list_resumable
from resolvers.jobs.rows import JobView, emit, job_view, transition
from resolvers.lab.services import Lab
from resolvers.pagination import MAX_PAGE
from resolvers.views import View
from storage.base import utcnow
from storage.jobs import Job
from storage.providers import ModelCall
from storage.research.datasets import Dataset

ROLLUP_DAYS = 30
EXCHANGE_HISTORY_BARS = 5_000


class TaskNotFound(NotFound):
    code = "TASK_NOT_FOUND"


class TaskNotResumable(Conflict):
    code = "TASK_NOT_RESUMABLE"


@dataclass(frozen=True, slots=True)
class CostRollup(View):
    """Model calls of one provider and model on one UTC day."""

    provider: str
    model: str
    day: Annotated[str, "the UTC day of the calls' created_at (YYYY-MM-DD)"]
    calls: int
    failures: Annotated[int, "calls that failed (ok false)"]
    prompt_tokens: int
    completion_tokens: int
    cost_usd: Annotated[float, "the priced calls' cost"]
    unpriced: Annotated[int, "calls with no known price (counted at 0 USD)"]


@dataclass(frozen=True, slots=True)
class TruncatedDataset(View):
    """A dataset the exchange's history limit cut short."""

    dataset_id: int
    symbol: str
    timeframe: str
    source: str
    rows: Annotated[int, "bars stored"]
    requested_start: Annotated[str | None, "the start asked for (ISO 8601)"]
    first_available: Annotated[str | None, "the first bar the exchange had (ISO 8601)"]


@dataclass(frozen=True, slots=True)
class AnswerCap(View):
    """A limit an answer stops at (how often it was hit is not recorded)."""

    name: str
    limit: float
    applies_to: Annotated[str, "the answers it caps"]


@dataclass(frozen=True, slots=True)
class TruncationSummary(View):
    """Data cut short by a limit: truncated datasets, and the caps answers stop at."""

    datasets: list[TruncatedDataset]
    caps: list[AnswerCap]
    capped_answers_tracked: Annotated[
        bool, "false: no count is kept of answers that hit a cap; `caps` lists the limits"
    ]


@dataclass(frozen=True, slots=True)
class DiagnosticsSnapshot(View):
    """Model-call costs, truncation and health checks, at one moment."""

    generated_at: datetime
    cost_rollups: Annotated[list[CostRollup], "newest day first, the last 30 days"]
    cost_total_usd: Annotated[float, "the rollups' cost_usd summed"]
    truncation: TruncationSummary
    health: Annotated[list[HealthComponent], "the health checks (GET /api/health/status)"]


@dataclass(frozen=True, slots=True)
class ResumableTask(View):
    """A job interrupted when its owner stopped heartbeating, queued to run again."""

    id: Annotated[str, "the job id"]
    kind: Annotated[str, "the job's kind (brain.chat: a brain task)"]
    brain_task: Annotated[bool, "whether it is a brain task (kind brain.chat)"]
    status: Annotated[str, "queued (resumed jobs leave the list)"]
    attempts: Annotated[int, "runs started so far"]
    max_attempts: int
    progress: Annotated[float, "0..1, where its last run got to"]
    progress_message: Annotated[str, "what it was doing when interrupted"]
    recovered_at: Annotated[datetime | None, "when the sweeper took it back (null once resumed)"]
    run_after: Annotated[datetime, "when a worker may claim it"]
    created_at: datetime


def _task(job: JobView) -> ResumableTask:
    return ResumableTask(
        id=str(job.id),
        kind=job.kind,
        brain_task=job.kind == BRAIN_JOB_KIND,
        status=job.status,
        attempts=job.attempts,
        max_attempts=job.max_attempts,
        progress=job.progress,
        progress_message=job.progress_message,
        recovered_at=job.recovered_at,
        run_after=job.run_after,
        created_at=job.created_at,
    )


def _day(value: object) -> str:
    """The day as YYYY-MM-DD (PostgreSQL answers a date, SQLite a string)."""
    return value.isoformat() if isinstance(value, date) else str(value)[:10]


async def cost_rollups(session: AsyncSession, *, now: datetime) -> list[CostRollup]:
    """model_calls by provider, model and UTC day over the last ROLLUP_DAYS days."""
    day: ColumnElement[Any]
    if session.get_bind().dialect.name == "postgresql":
        day = cast(func.timezone("UTC", ModelCall.created_at), Date)
    else:
        day = func.date(ModelCall.created_at)
    since = now - timedelta(days=ROLLUP_DAYS)
    query = (
        select(
            ModelCall.provider,
            ModelCall.model,
            day.label("day"),
            func.count(),
            func.sum(case((ModelCall.ok.is_(False), 1), else_=0)),
            func.coalesce(func.sum(ModelCall.prompt_tokens), 0),
            func.coalesce(func.sum(ModelCall.completion_tokens), 0),
            func.coalesce(func.sum(ModelCall.cost_usd), 0.0),
            func.sum(case((ModelCall.priced.is_(False), 1), else_=0)),
        )
        .where(ModelCall.created_at >= since)
        .group_by(ModelCall.provider, ModelCall.model, day)
        .order_by(day.desc(), ModelCall.provider, ModelCall.model)
    )
    rows = await session.execute(query)
    return [
        CostRollup(
            provider,
            model,
            _day(on),
            int(calls),
            int(failures or 0),
            int(prompt),
            int(completion),
            round(float(cost), 8),
            int(unpriced or 0),
        )
        for provider, model, on, calls, failures, prompt, completion, cost, unpriced in rows
    ]


async def truncated_datasets(session: AsyncSession) -> list[TruncatedDataset]:
    """Datasets whose quality says truncated, by id (datasets are few: filtered here)."""
    rows = (await session.scalars(select(Dataset).order_by(Dataset.id))).all()
    return [
        TruncatedDataset(
            row.id,
            row.symbol,
            row.timeframe,
            row.source,
            row.rows,
            row.quality.get("requested_start"),
            row.quality.get("first_available"),
        )
        for row in rows
        if row.quality.get("truncated")
    ]


def answer_caps(lab: Lab) -> list[AnswerCap]:
    """The limits answers stop at."""
    config = lab.config
    return [
        AnswerCap("page_size", MAX_PAGE, "paged lists: at most this many items per page"),
        AnswerCap(
            "exchange_history_bars",
            EXCHANGE_HISTORY_BARS,
            "POST /api/fetch: HyperLiquid keeps this many recent bars per coin and timeframe",
        ),
        AnswerCap(
            "fetch_inline_bars",
            config.fetch_inline_bars,
            "POST /api/fetch: a longer range runs as a job (202) instead of answering at once",
        ),
        AnswerCap(
            "hypothesis_fetch_bytes",
            config.fetch_max_bytes,
            "hypotheses from a URL: the page is read up to this many bytes",
        ),
        AnswerCap("spawn_per_run", config.spawn_per_run, "strategies one spawn request may create"),
        AnswerCap("cost_rollup_days", ROLLUP_DAYS, "this snapshot's cost_rollups"),
    ]


async def get_diagnostics_snapshot(session: AsyncSession, *, lab: Lab) -> DiagnosticsSnapshot:
    """Cost rollups, truncation summary and health checks now."""
    now = utcnow()
    rollups = await cost_rollups(session, now=now)
    truncation = TruncationSummary(await truncated_datasets(session), answer_caps(lab), False)
    health = await health_components(session, lab=lab, now=now)
    total = round(sum(r.cost_usd for r in rollups), 8)
    return DiagnosticsSnapshot(now, rollups, total, truncation, health)


async def list_resumable_tasks(session: AsyncSession) -> list[ResumableTask]:
    """Interrupted jobs (brain tasks among them) awaiting resume, oldest first."""
    return [_task(job) for job in await list_resumable(session)]


def _job_id(task_id: str) -> int:
    if not task_id.isdigit():
        raise TaskNotFound(f"no interrupted task {task_id!r}", details={"id": task_id})
    return int(task_id)


async def resume_task(session: AsyncSession, *, task_id: str) -> ResumableTask:
    """Make an interrupted job claimable now (job.queued); see the module docstring."""
    job_id = _job_id(task_id)
    now = utcnow()
    row = await transition(
        session,
        job_id,
        [Job.status == "queued", Job.recovered_at.is_not(None)],
        run_after=now,
        recovered_at=None,
    )
    if row is None:
        current = await session.get(Job, job_id)
        if current is None:
            raise TaskNotFound(f"no interrupted task {task_id!r}", details={"id": task_id})
        raise TaskNotResumable(
            f"task {task_id} is {current.status} and was not interrupted: nothing to resume",
            details={"id": task_id, "status": current.status},
        )
    await emit(session, row, "queued")
    return _task(job_view(row))
