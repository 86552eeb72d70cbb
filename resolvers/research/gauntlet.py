"""The gauntlet: a strategy's run through the verdict battery, one step per test, as jobs.

Decisions where the seed is silent (it documents the routes and that a step with no progress
for one minute is stale and recovered):
- One workflow per strategy at a time. POST .../workflow answers the strategy's latest
  workflow unless it was cancelled; otherwise it creates one and starts it: the workflow is
  `running` and its first step queued. The battery's data and parameters are fixed when the
  workflow is created (`dataset`, `family`, `params`), so every step judges the same thing.
- Steps run one at a time, in the battery's order (sample_size first, lookahead last), each
  as one job of kind `gauntlet.step` (resolvers/jobs.py): leased, heartbeated, recovered when
  its worker dies, run again from scratch (every test is deterministic under its seed, so a
  recovered step gives the result an uninterrupted one would). A failing test does not stop
  the run: the gauntlet reports every test, and it is `passed` only when all passed, else
  `failed` (`error` on a step means the test could not run; its message says why).
- `resume` (optionally `max_steps`, at least 1) sets the workflow running again from its next
  pending step and lets it start at most that many steps before it pauses (`paused`); without
  `max_steps` it runs to the end. Resuming a running workflow only resets its budget.
  `cancel` stops it: queued and running steps go back to pending (their jobs are cancelled, a
  running one at its next heartbeat) and the workflow is `cancelled`; resume continues it.
- `retry` re-runs one finished step (passed, failed, error or cancelled); the workflow runs
  again for that step (its budget becomes one more step when it was not running) and its
  outcome is recomputed when no step is left to run.
- Every change is an event: `gauntlet.workflow` and `gauntlet.step` topics, the payloads the
  views' REST JSON, plus `job.*` events of the job table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import Conflict, InvalidInput, NotFound
from resolvers.jobs import cancel_job, enqueue_job
from resolvers.lab.services import Lab
from resolvers.quant.battery import TEST_NAMES
from resolvers.quant.strategies import validate_params
from resolvers.research.outcomes import TestOutcome
from resolvers.research.sources import choose_source, load_source
from resolvers.research.verdict import (
    VERDICT_CAPITAL,
    Judged,
    battery_seed,
    count_trials_for,
    record_judged,
)
from resolvers.strategies import strategy_row
from resolvers.views import Choices, View, from_row, to_payload
from storage.base import utcnow
from storage.outbox import append_event
from storage.research.gauntlet import GauntletStep, GauntletWorkflow

JOB_KIND = "gauntlet.step"
WORKFLOW_STATUS = Choices(
    "GauntletStatus",
    ("running", "paused", "passed", "failed", "cancelled"),
    "running: a step is queued or running; paused: its step budget is spent; passed or "
    "failed: every step finished (passed only if every test passed); cancelled: stopped",
)
STEP_STATUS = Choices(
    "GauntletStepStatus",
    ("pending", "queued", "running", "passed", "failed", "error", "cancelled"),
    "passed or failed: the test's verdict; error: the test could not run (see error)",
)
FINISHED_STEP = ("passed", "failed", "error", "cancelled")
ACTIVE_STEP = ("queued", "running")


@dataclass(frozen=True, slots=True)
class GauntletStepView(View):
    """One robustness test of a gauntlet run, as a job: status, progress, result, timings."""

    rest_name = "GauntletStep"
    graphql_name = "GauntletStep"

    id: int
    workflow_id: int
    position: Annotated[int, "its place in the battery's order, from 0"]
    name: Annotated[str, "the verdict test it runs (GET /verdict/guide)"]
    status: Annotated[str, STEP_STATUS]
    progress: Annotated[float, "0 to 1 within the current attempt"]
    message: Annotated[str, "what the step is doing, or why it ended"]
    attempts: Annotated[int, "runs started, recovered and retried ones included"]
    job_id: Annotated[int | None, "the job running it (GET it on the job table's events)"]
    result: Annotated[TestOutcome | None, "the test's outcome once it ran"]
    error: Annotated[str | None, "why the test could not run (status error)"]
    queued_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class GauntletWorkflowView(View):
    """A strategy's gauntlet run: the battery's tests as steps, what it judges and how far it
    got."""

    rest_name = "GauntletWorkflow"
    graphql_name = "GauntletWorkflow"

    id: int
    strategy_id: int
    status: Annotated[str, WORKFLOW_STATUS]
    family: Annotated[str, "the strategy family judged (fixed at creation)"]
    params: Annotated[dict[str, float], "the parameters judged (fixed at creation)"]
    dataset: Annotated[dict[str, str | float | None], "the bars it runs on (fixed at creation)"]
    step_budget: Annotated[int | None, "steps the current resume may still start; null: all"]
    steps: list[GauntletStepView]
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None


def step_view(row: GauntletStep) -> GauntletStepView:
    """The REST/GraphQL form of a step row."""
    return from_row(GauntletStepView, row)


async def steps_of(session: AsyncSession, workflow_id: int) -> list[GauntletStep]:
    rows = await session.execute(
        select(GauntletStep)
        .where(GauntletStep.workflow_id == workflow_id)
        .order_by(GauntletStep.position)
    )
    return list(rows.scalars())


async def workflow_row(session: AsyncSession, workflow_id: int) -> GauntletWorkflow:
    row = await session.get(GauntletWorkflow, workflow_id)
    if row is None:
        raise NotFound(f"gauntlet workflow {workflow_id} not found", details={"id": workflow_id})
    return row


def workflow_view(row: GauntletWorkflow, steps: list[GauntletStep]) -> GauntletWorkflowView:
    return from_row(GauntletWorkflowView, row, steps=[step_view(s) for s in steps])


async def emit_changes(
    session: AsyncSession, row: GauntletWorkflow, steps: list[GauntletStep], *changed: GauntletStep
) -> GauntletWorkflowView:
    """A `gauntlet.step` event per changed step, then the workflow's; answers its view."""
    for step in changed:
        await append_event(
            session,
            topic="gauntlet.step",
            entity_id=str(step.id),
            payload=to_payload(step_view(step)),
        )
    view = workflow_view(row, steps)
    await append_event(
        session, topic="gauntlet.workflow", entity_id=str(row.id), payload=to_payload(view)
    )
    return view


async def advance(
    session: AsyncSession, row: GauntletWorkflow, steps: list[GauntletStep], now: datetime
) -> list[GauntletStep]:
    """Queue the next step a running workflow may start, or settle it; the steps it queued."""
    if row.status != "running" or any(s.status in ACTIVE_STEP for s in steps):
        return []
    waiting = next((s for s in steps if s.status in ("pending", "cancelled")), None)
    row.updated_at = now
    if waiting is None:
        row.status = "passed" if all(s.status == "passed" for s in steps) else "failed"
        row.finished_at, row.step_budget = now, None
        return []
    if row.step_budget is not None and row.step_budget <= 0:
        row.status, row.step_budget = "paused", None
        return []
    job = await enqueue_job(
        session, kind=JOB_KIND, payload={"step_id": waiting.id, "workflow_id": row.id}
    )
    waiting.status, waiting.job_id, waiting.queued_at = "queued", job.id, now
    waiting.progress, waiting.message = 0.0, "queued"
    waiting.result, waiting.error, waiting.started_at, waiting.finished_at = None, None, None, None
    if row.step_budget is not None:
        row.step_budget -= 1
    return [waiting]


async def get_gauntlet_workflow(session: AsyncSession, *, workflow_id: int) -> GauntletWorkflowView:
    """One workflow with every step's status, progress, result and timings."""
    row = await workflow_row(session, workflow_id)
    return workflow_view(row, await steps_of(session, workflow_id))


async def resume_gauntlet_workflow(
    session: AsyncSession, *, workflow_id: int, max_steps: int | None = None
) -> GauntletWorkflowView:
    """Run a paused, cancelled or interrupted workflow on from its next step (at most
    `max_steps` more steps when given)."""
    if max_steps is not None and max_steps < 1:
        raise InvalidInput("max_steps must be at least 1", details={"field": "max_steps"})
    row = await workflow_row(session, workflow_id)
    steps = await steps_of(session, workflow_id)
    if not any(s.status in ("pending", "cancelled", *ACTIVE_STEP) for s in steps):
        raise Conflict(
            f"gauntlet workflow {workflow_id} has no step left to run (retry a step instead)",
            code="WORKFLOW_FINISHED",
            details={"id": workflow_id, "status": row.status},
        )
    now = utcnow()
    row.status, row.step_budget, row.finished_at, row.updated_at = "running", max_steps, None, now
    queued = await advance(session, row, steps, now)
    return await emit_changes(session, row, steps, *queued)


async def cancel_gauntlet_workflow(
    session: AsyncSession, *, workflow_id: int
) -> GauntletWorkflowView:
    """Stop a workflow: its queued or running step is cancelled (resume continues it)."""
    row = await workflow_row(session, workflow_id)
    steps = await steps_of(session, workflow_id)
    if row.status in ("passed", "failed"):
        raise Conflict(
            f"gauntlet workflow {workflow_id} already finished ({row.status})",
            code="WORKFLOW_FINISHED",
            details={"id": workflow_id, "status": row.status},
        )
    if row.status == "cancelled":
        return workflow_view(row, steps)
    now = utcnow()
    stopped = [s for s in steps if s.status in ACTIVE_STEP]
    for step in stopped:
        if step.job_id is not None:
            await cancel_job(session, job_id=step.job_id)
        step.status, step.message, step.finished_at = "cancelled", "cancelled", now
    row.status, row.step_budget, row.updated_at = "cancelled", None, now
    return await emit_changes(session, row, steps, *stopped)


async def retry_gauntlet_step(session: AsyncSession, *, step_id: int) -> GauntletWorkflowView:
    """Run one finished step again; answers its workflow."""
    step = await session.get(GauntletStep, step_id)
    if step is None:
        raise NotFound(f"gauntlet step {step_id} not found", details={"id": step_id})
    if step.status not in FINISHED_STEP:
        raise Conflict(
            f"gauntlet step {step_id} is {step.status}; only a finished step is retried",
            code="STEP_NOT_FINISHED",
            details={"id": step_id, "status": step.status},
        )
    row = await workflow_row(session, step.workflow_id)
    steps = await steps_of(session, row.id)
    now = utcnow()
    target = next(s for s in steps if s.id == step_id)
    target.status, target.result, target.error = "pending", None, None
    target.progress, target.message, target.finished_at = 0.0, "retry requested", None
    if row.status != "running":
        row.status, row.step_budget, row.finished_at = "running", 1, None
    elif row.step_budget is not None:
        row.step_budget += 1
    queued = await advance(session, row, steps, now)
    return await emit_changes(session, row, steps, target, *queued)


async def create_gauntlet_workflow(
    session: AsyncSession, *, strategy_id: int, lab: Lab
) -> GauntletWorkflowView:
    """The strategy's current workflow, or a new one started on its family, parameters and
    research bars (see the module docstring)."""
    strategy = await strategy_row(session, strategy_id=strategy_id)
    params = dict(validate_params(strategy.family, strategy.params))
    latest = await session.scalar(
        select(GauntletWorkflow)
        .where(GauntletWorkflow.strategy_id == strategy.id)
        .order_by(GauntletWorkflow.id.desc())
        .limit(1)
    )
    if (
        latest is not None
        and latest.status != "cancelled"
        and latest.family == strategy.family
        and latest.params == params
    ):
        return workflow_view(latest, await steps_of(session, latest.id))
    source = await choose_source(
        session, symbol=strategy.symbol, timeframe=strategy.timeframe, lab=lab
    )
    judged = Judged(
        candles=await load_source(session, source=source, lab=lab),
        family=strategy.family,
        params=params,
        dataset=source,
        capital=VERDICT_CAPITAL,
        fraction=1.0,
        long_only=False,
        hypothesis_id=strategy.hypothesis_id,
    )
    trials, sharpes, sharpe = await count_trials_for(session, judged)
    await record_judged(session, judged, sharpe)
    now = utcnow()
    row = GauntletWorkflow(
        strategy_id=strategy.id,
        status="running",
        family=strategy.family,
        params=params,
        dataset=source,
        trials=trials,
        trial_sharpes=sharpes,
        seed=battery_seed(strategy.family, params, source),
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    await session.flush()
    steps = [
        GauntletStep(workflow_id=row.id, position=n, name=name, status="pending")
        for n, name in enumerate(TEST_NAMES)
    ]
    session.add_all(steps)
    await session.flush()
    queued = await advance(session, row, steps, now)
    return await emit_changes(session, row, steps, *queued)
