"""The worker's side of a gauntlet step (the job handler in server/gauntlet_steps.py calls
these): start it, report progress, run its test in the process pool, store its outcome and move
the workflow on. A job that lost its step (cancelled, retried under another job, finished) is
stale: every function here then writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.lab.services import Lab
from resolvers.notifications import raise_notification
from resolvers.quant.battery import run_test
from resolvers.quant.battery_setup import BatteryThresholds
from resolvers.quant.market import Candles
from resolvers.research.gauntlet import (
    ACTIVE_STEP,
    advance,
    emit_changes,
    step_view,
    steps_of,
    workflow_row,
)
from resolvers.research.outcomes import TestOutcome
from resolvers.research.sources import StoredBars, read_source
from resolvers.research.verdict import VERDICT_CAPITAL
from resolvers.settings.verdict import effective_thresholds
from resolvers.views import to_payload
from storage.base import utcnow
from storage.outbox import append_event
from storage.research.gauntlet import GauntletStep


@dataclass(frozen=True, slots=True)
class StepWork:
    """What a worker needs to run one step, read when the step starts (picklable: the test
    itself runs in the job executor's process pool)."""

    step_id: int
    workflow_id: int
    name: str
    family: str
    params: dict[str, Any]
    dataset: dict[str, Any]
    trials: int
    trial_sharpes: tuple[float, ...]
    seed: int
    thresholds: BatteryThresholds


def compute_step(work: StepWork, bars: Candles | StoredBars) -> dict[str, Any]:
    """Run the step's verdict test (synchronous numpy; the executor's process pool calls it);
    its result as JSON, exactly what the same test gives inside POST /verdict/run."""
    candles = bars.candles() if isinstance(bars, StoredBars) else bars
    result = run_test(
        work.name,
        candles,
        work.family,
        work.params,
        capital=VERDICT_CAPITAL,
        fraction=1.0,
        trials=work.trials,
        trial_sharpes=list(work.trial_sharpes),
        thresholds=work.thresholds,
        seed=work.seed,
    )
    return result.as_dict()


async def load_step_bars(
    session: AsyncSession, *, dataset: dict[str, Any], lab: Lab
) -> Candles | StoredBars:
    """The bars a step judges (the workflow's, exactly as when it was created); a stored
    dataset's still encoded, for compute_step to decode in the process pool."""
    return await read_source(session, source=dataset, lab=lab)


async def begin_step(
    session: AsyncSession, *, step_id: int, job_id: int, lab: Lab
) -> StepWork | None:
    """Mark a step running for its job and read what it needs; None when the job is stale
    (the step was cancelled, retried under another job, or finished)."""
    step = await session.get(GauntletStep, step_id)
    if step is None or step.job_id != job_id or step.status not in ACTIVE_STEP:
        return None
    row = await workflow_row(session, step.workflow_id)
    if row.status == "cancelled":
        return None
    now = utcnow()
    step.status, step.started_at, step.finished_at = "running", now, None
    step.attempts += 1
    step.progress, step.message = 0.0, "running"
    row.updated_at = now
    await emit_changes(session, row, await steps_of(session, row.id), step)
    return StepWork(
        step_id=step.id,
        workflow_id=row.id,
        name=step.name,
        family=row.family,
        params=dict(row.params),
        dataset=dict(row.dataset),
        trials=row.trials,
        trial_sharpes=tuple(row.trial_sharpes),
        seed=row.seed,
        thresholds=await effective_thresholds(session, lab),  # stored overrides (settings)
    )


async def record_step_progress(
    session: AsyncSession, *, step_id: int, job_id: int, progress: float, message: str
) -> None:
    """A running step's progress (the worker throttles how often)."""
    step = await session.get(GauntletStep, step_id)
    if step is None or step.job_id != job_id or step.status != "running":
        return
    step.progress, step.message = max(0.0, min(1.0, progress)), message[:200]
    await append_event(
        session, topic="gauntlet.step", entity_id=str(step.id), payload=to_payload(step_view(step))
    )


async def finish_step(
    session: AsyncSession,
    *,
    step_id: int,
    job_id: int,
    outcome: TestOutcome | None,
    error: str | None = None,
) -> bool:
    """Store a step's outcome (or why it could not run) and move the workflow on; False when
    the job is stale and nothing was written."""
    step = await session.get(GauntletStep, step_id)
    if step is None or step.job_id != job_id or step.status != "running":
        return False
    row = await workflow_row(session, step.workflow_id)
    steps = await steps_of(session, row.id)
    now = utcnow()
    if outcome is not None:
        step.status = "passed" if outcome["passed"] else "failed"
        step.result, step.error, step.message = dict(outcome), None, outcome["reason"][:200]
    else:
        step.status, step.result = "error", None
        step.error, step.message = error or "the test could not run", "error"
    step.progress, step.finished_at = 1.0, now
    queued = await advance(session, row, steps, now)
    await emit_changes(session, row, steps, step, *queued)
    if step.status in ("failed", "error"):
        await raise_notification(
            session,
            type="gauntlet.step_failed",
            severity="warning",
            source="gauntlet",
            title=f"Gauntlet step {step.name} of workflow {row.id} {step.status}",
            body=step.error or step.message,
            entity_type="gauntlet_step",
            entity_id=str(step.id),
            now=now,
        )
    return True
