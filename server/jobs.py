"""What each scheduler job calls (the catalog, with intervals and pause rules, is
resolvers/scheduler.py JOBS); and writing the job rows and the control row at start-up."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from resolvers.approval_triage import triage_approvals
from resolvers.control import load_control
from resolvers.health import watch_health
from resolvers.lab.ticker import publish_market
from resolvers.paper import step_paper_service
from resolvers.pipeline import advance_pipeline
from resolvers.reconcile import reconcile_exchange
from resolvers.routines import dispatch_due_routines
from resolvers.scheduler import ensure_jobs, prune_live_events
from resolvers.skill_watch import watch_declining_skills
from server.halyrd_runner import step_all
from server.scheduler import Job, JobContext
from server.settings import Settings


async def market_ticks(session: AsyncSession, ctx: JobContext) -> object:
    return await publish_market(session, lab=ctx.lab, now=ctx.lab.clock.now())


async def paper_tick(session: AsyncSession, ctx: JobContext) -> object:
    return await step_paper_service(session, lab=ctx.lab, now=ctx.lab.clock.now())


async def pipeline(session: AsyncSession, ctx: JobContext) -> object:
    return await advance_pipeline(session, lab=ctx.lab, now=ctx.lab.clock.now())


async def agent_tick(ctx: JobContext) -> None:
    """The Halyrd agents step on wall time; each agent in its own transaction."""
    await step_all(ctx.sessions, ctx.publish, ctx.lab.feed, ctx.started_at)


async def approvals_triage(session: AsyncSession, ctx: JobContext) -> object:
    """Approvals live on wall time (filed and due by it), so the pass runs at the run's start."""
    return await triage_approvals(session, lab=ctx.lab, now=ctx.started_at)


async def exchange_reconcile(session: AsyncSession, ctx: JobContext) -> object:
    return await reconcile_exchange(session, repair=False, lab=ctx.lab)


async def routines(session: AsyncSession, ctx: JobContext) -> list[int]:
    """Routines run on wall time: cron occurrences are wall-clock instants."""
    return await dispatch_due_routines(session, now=ctx.started_at)


async def events_prune(session: AsyncSession, ctx: JobContext) -> int:
    return await prune_live_events(session, now=ctx.started_at)


async def skills_watch(session: AsyncSession, ctx: JobContext) -> int:
    """Skills decline over closed trades: the pass checks the rule as the rows stand now."""
    return await watch_declining_skills(session, now=ctx.started_at)


async def health_watch(session: AsyncSession, ctx: JobContext) -> int:
    """Health is wall-clock: the alerts say when a component changed."""
    return len(await watch_health(session, lab=ctx.lab, now=ctx.started_at))


JOBS: dict[str, Job] = {
    "market_ticks": Job(market_ticks),
    "paper_tick": Job(paper_tick),
    "agent_tick": Job(agent_tick, own_sessions=True),
    "pipeline": Job(pipeline),
    "approvals_triage": Job(approvals_triage),
    "exchange_reconcile": Job(exchange_reconcile),
    "events_prune": Job(events_prune),
    "routines": Job(routines),
    "health_watch": Job(health_watch),
    "skills_watch": Job(skills_watch),
}


def first_intervals(settings: Settings) -> dict[str, float]:
    """Job intervals the settings choose for rows not written yet."""
    return {"agent_tick": settings.agent_tick_seconds}


async def install_jobs(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> None:
    """Write the missing job rows and the control row (so that requests only ever read or
    update them); an instance starting at the same time may win the insert."""
    for _attempt in range(2):
        async with sessions() as session:
            try:
                await load_control(session)
                await ensure_jobs(session, first_intervals(settings))
                await session.commit()
                return
            except IntegrityError:
                await session.rollback()
    raise RuntimeError("could not write the scheduler's job rows")
