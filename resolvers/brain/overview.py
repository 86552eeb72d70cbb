"""GET /api/brain/overview: the brain's state, what it is doing, and what needs attention.

state: `paused` while the system is paused (POST /api/system/stop), else `working` while a
brain task runs, else `idle`. activity: the running tasks, how many are queued, the last
finished one. attention, built from rows each time (nothing cached), in this order:

    approval_overdue     high    a pending approval past its deadline (since: the deadline)
    approval_pending     medium  a pending approval (since: created); the oldest first
    gate_failing         medium  an active strategy whose next stage's readiness gates fail
                                 (since: its last transition); only the GATE_CHECKS most
                                 recently updated active strategies short of live are checked,
                                 since the screen gates rerun a backtest each
    skill_declining      medium  a skill declining in paper or live (resolvers/skills.py)
    demotion             high    a lifecycle transition to an earlier stage in the last
                                 DEMOTION_DAYS days (since: when)

At most ATTENTION_PER_KIND items of each kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.brain.tasks import JOB_KIND, BrainTask, task_view
from resolvers.control import is_paused
from resolvers.jobs import job_view
from resolvers.lab.services import Lab
from resolvers.readiness import readiness_of
from resolvers.skills import list_declining_skills
from resolvers.views import OneOf, View
from storage.approvals import Approval
from storage.base import utcnow
from storage.jobs import FINISHED, Job
from storage.strategies import STAGES, LifecycleTransition, Strategy

GATE_CHECKS = 10
ATTENTION_PER_KIND = 20
DEMOTION_DAYS = 7
ATTENTION_KINDS = (
    "approval_overdue",
    "approval_pending",
    "gate_failing",
    "skill_declining",
    "demotion",
)
SEVERITIES = ("low", "medium", "high")


@dataclass(frozen=True, slots=True)
class AttentionItem(View):
    """One thing the brain thinks an operator should look at, from a real row."""

    kind: Annotated[str, OneOf(ATTENTION_KINDS)]
    severity: Annotated[str, OneOf(SEVERITIES)]
    title: str
    entity_type: Annotated[str, OneOf(("approval", "strategy", "skill"))]
    entity_id: str
    since: Annotated[datetime | None, "since when (created, deadline, last transition)"]


@dataclass(frozen=True, slots=True)
class BrainActivity(View):
    """What the brain is doing: its running tasks, its queue, its last finished task."""

    running: list[BrainTask]
    queued: Annotated[int, "brain tasks waiting for a worker"]
    last_finished: BrainTask | None


@dataclass(frozen=True, slots=True)
class BrainOverview(View):
    """The brain's state, current activity and attention list."""

    state: Annotated[str, OneOf(("idle", "working", "paused"))]
    activity: BrainActivity
    attention: list[AttentionItem]


async def get_brain_overview(session: AsyncSession, *, lab: Lab) -> BrainOverview:
    """The overview, read now."""
    activity = await _activity(session)
    paused = await is_paused(session)
    state = "paused" if paused else "working" if activity.running else "idle"
    now = utcnow()
    attention = [
        *await _approvals(session, now),
        *await _gates(session, lab),
        *await _skills(session),
        *await _demotions(session, now),
    ]
    return BrainOverview(state, activity, attention)


async def _activity(session: AsyncSession) -> BrainActivity:
    brain = Job.kind == JOB_KIND
    running = (
        await session.scalars(select(Job).where(brain, Job.status == "running").order_by(Job.id))
    ).all()
    queued = await session.scalar(select(func.count()).where(brain, Job.status == "queued"))
    last = await session.scalar(
        select(Job)
        .where(brain, Job.status.in_(FINISHED))
        .order_by(Job.finished_at.desc(), Job.id.desc())
        .limit(1)
    )
    return BrainActivity(
        [task_view(job_view(row)) for row in running],
        int(queued or 0),
        None if last is None else task_view(job_view(last)),
    )


async def _approvals(session: AsyncSession, now: datetime) -> list[AttentionItem]:
    pending = select(Approval).where(Approval.status == "pending")
    overdue = pending.where(Approval.deadline.is_not(None), Approval.deadline < now)
    late = (
        await session.scalars(overdue.order_by(Approval.deadline).limit(ATTENTION_PER_KIND))
    ).all()
    late_ids = {row.id for row in late}
    waiting = (
        await session.scalars(
            pending.order_by(Approval.id).limit(ATTENTION_PER_KIND + len(late_ids))
        )
    ).all()
    items = [
        AttentionItem(
            "approval_overdue",
            "high",
            f"Approval {r.id} ({r.type}) is past its deadline: {r.summary[:120]}",
            "approval",
            str(r.id),
            r.deadline,
        )
        for r in late
    ]
    items += [
        AttentionItem(
            "approval_pending",
            "medium",
            f"Approval {r.id} ({r.type}) waits for a decision: {r.summary[:120]}",
            "approval",
            str(r.id),
            r.created_at,
        )
        for r in waiting
        if r.id not in late_ids
    ][:ATTENTION_PER_KIND]
    return items


async def _gates(session: AsyncSession, lab: Lab) -> list[AttentionItem]:
    stmt = (
        select(Strategy)
        .where(Strategy.status == "active", Strategy.stage != STAGES[-1])
        .order_by(Strategy.updated_at.desc(), Strategy.id.desc())
        .limit(GATE_CHECKS)
    )
    items = []
    now = lab.clock.now()
    for strategy in (await session.scalars(stmt)).all():
        readiness = await readiness_of(session, strategy=strategy, lab=lab, now=now)
        failing = [g.name for g in readiness.gates if not g.passed]
        if readiness.target is None or not failing:
            continue
        since = await session.scalar(
            select(func.max(LifecycleTransition.created_at)).where(
                LifecycleTransition.strategy_id == strategy.id
            )
        )
        items.append(
            AttentionItem(
                "gate_failing",
                "medium",
                f"Strategy {strategy.id} ({strategy.name}) fails {', '.join(failing)} for "
                f"{readiness.target}",
                "strategy",
                str(strategy.id),
                since,
            )
        )
    return items


async def _skills(session: AsyncSession) -> list[AttentionItem]:
    declining = await list_declining_skills(session)
    return [
        AttentionItem(
            "skill_declining",
            "medium",
            f"Skill {d.name} declines in {d.phase}: rolling Sharpe "
            f"{d.rolling_sharpe:.2f} against {d.expectation:.2f} in backtests",
            "skill",
            d.name,
            None,
        )
        for d in declining.skills[:ATTENTION_PER_KIND]
    ]


async def _demotions(session: AsyncSession, now: datetime) -> list[AttentionItem]:
    stmt = (
        select(LifecycleTransition)
        .where(
            LifecycleTransition.from_stage.is_not(None),
            LifecycleTransition.created_at >= now - timedelta(days=DEMOTION_DAYS),
        )
        .order_by(LifecycleTransition.created_at.desc())
    )
    items = []
    for row in (await session.scalars(stmt)).all():
        if row.from_stage not in STAGES or row.to_stage not in STAGES:
            continue
        if STAGES.index(row.to_stage) < STAGES.index(row.from_stage):
            items.append(
                AttentionItem(
                    "demotion",
                    "high",
                    f"Strategy {row.strategy_id} was moved back from {row.from_stage} to "
                    f"{row.to_stage}: {row.reason[:120]}",
                    "strategy",
                    str(row.strategy_id),
                    row.created_at,
                )
            )
        if len(items) >= ATTENTION_PER_KIND:
            break
    return items
