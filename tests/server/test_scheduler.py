"""The scheduler runner, pass by pass on a hand-moved clock: due jobs run once per interval in
their own transaction with their events published, paused jobs are skipped, failures are
recorded and retried, a running job is never started twice; on PostgreSQL one instance runs a
job per interval."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from resolvers.control import start_system, stop_system
from resolvers.lab.services import Lab, build_lab
from resolvers.scheduler import ensure_jobs, get_job, list_jobs
from server.scheduler import MIN_PAUSE_SECONDS, POLL_SECONDS, Job, JobContext, Scheduler
from storage.engine import create_engine, create_session_factory
from storage.events import Event
from storage.outbox import EventMessage, append_event

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


async def tick(session: AsyncSession, ctx: JobContext) -> None:
    """The test job: one event per run, stamped with the run's start."""
    await append_event(
        session, topic="test.tick", entity_id=None, payload={"at": ctx.started_at.isoformat()}
    )


async def explode(session: AsyncSession, ctx: JobContext) -> None:
    await append_event(session, topic="test.tick", entity_id=None, payload={})
    raise RuntimeError("exchange on fire")


async def ticks(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        stmt = select(func.count()).where(Event.topic == "test.tick")
        return int(await session.scalar(stmt) or 0)


async def job(sessions: async_sessionmaker[AsyncSession], job_id: str) -> Any:
    async with sessions() as session:
        return next(j for j in await list_jobs(session) if j.id == job_id)


@pytest.fixture
async def jobs_ready(session_factory: async_sessionmaker[AsyncSession]) -> None:
    async with session_factory() as session:
        await ensure_jobs(session)
        await session.commit()


def scheduler(
    sessions: async_sessionmaker[AsyncSession],
    jobs: dict[str, Job],
    clock: Clock,
    published: list[EventMessage] | None = None,
) -> Scheduler:
    async def publish(messages: list[EventMessage]) -> None:
        if published is not None:
            published.extend(messages)

    lab: Lab = build_lab()
    return Scheduler(sessions, publish, lab, jobs, wall=clock)


async def one_pass(runner: Scheduler) -> list[str]:
    started = await runner.run_pass()
    await runner.settle()
    return started


@pytest.mark.usefixtures("jobs_ready")
class TestPasses:
    async def test_a_due_job_runs_once_per_interval(self, session_factory: Any) -> None:
        clock, published = Clock(), []
        runner = scheduler(session_factory, {"market_ticks": Job(tick)}, clock, published)
        assert await one_pass(runner) == ["market_ticks"]
        assert await one_pass(runner) == []  # not due again yet
        clock.advance(0.5)
        assert await one_pass(runner) == []
        clock.advance(0.5)
        assert await one_pass(runner) == ["market_ticks"]
        assert await ticks(session_factory) == 2
        assert [m.topic for m in published] == ["test.tick", "test.tick"]
        row = await job(session_factory, "market_ticks")
        assert (row.runs, row.last_status, row.last_run_at) == (2, "ok", clock.now)

    async def test_the_loop_waits_until_the_next_job_is_due_at_most_a_poll(
        self, session_factory: Any
    ) -> None:
        clock = Clock()
        runner = scheduler(session_factory, {"market_ticks": Job(tick)}, clock)
        assert runner._pause() == POLL_SECONDS  # nothing read yet
        await one_pass(runner)  # runs now; the 1 s job is due again in 1 s
        await runner.run_pass()
        assert runner._pause() == POLL_SECONDS
        clock.advance(0.97)
        assert runner._pause() == pytest.approx(0.03)
        clock.advance(0.1)
        assert runner._pause() == MIN_PAUSE_SECONDS  # overdue: right away

    async def test_jobs_without_a_callable_are_left_alone(self, session_factory: Any) -> None:
        runner = scheduler(session_factory, {"pipeline": Job(tick)}, Clock())
        assert await one_pass(runner) == ["pipeline"]
        assert (await job(session_factory, "market_ticks")).runs == 0

    async def test_a_paused_system_skips_halting_jobs_only(self, session_factory: Any) -> None:
        clock = Clock()
        jobs = {"market_ticks": Job(tick), "exchange_reconcile": Job(tick)}
        runner = scheduler(session_factory, jobs, clock)
        async with session_factory() as session:
            await stop_system(session, lab=build_lab())
            await session.commit()
        assert sorted(await one_pass(runner)) == ["exchange_reconcile", "market_ticks"]
        assert await ticks(session_factory) == 1  # the reconcile job only
        skipped = await job(session_factory, "market_ticks")
        assert (skipped.last_status, skipped.runs, skipped.last_run_at) == ("skipped", 0, T0)

        async with session_factory() as session:
            await start_system(session, lab=build_lab())
            await session.commit()
        clock.advance(1)
        assert "market_ticks" in await one_pass(runner)
        assert (await job(session_factory, "market_ticks")).last_status == "ok"

    async def test_a_failure_is_recorded_rolled_back_and_retried(
        self, session_factory: Any
    ) -> None:
        clock, published = Clock(), []
        runner = scheduler(session_factory, {"market_ticks": Job(explode)}, clock, published)
        await one_pass(runner)
        row = await job(session_factory, "market_ticks")
        assert (row.last_status, row.runs, row.failures) == ("error", 1, 1)
        assert row.last_error == "RuntimeError: exchange on fire"
        assert await ticks(session_factory) == 0 and published == []  # nothing half-written
        clock.advance(1)
        assert await one_pass(runner) == ["market_ticks"]
        assert (await job(session_factory, "market_ticks")).failures == 2

    async def test_a_running_job_is_not_started_twice(self, session_factory: Any) -> None:
        clock, running, release = Clock(), asyncio.Event(), asyncio.Event()
        started = []

        async def slow(session: AsyncSession, ctx: JobContext) -> None:
            started.append(ctx.started_at)
            running.set()
            await release.wait()

        runner = scheduler(session_factory, {"market_ticks": Job(slow)}, clock)
        assert await runner.run_pass() == ["market_ticks"]
        await running.wait()
        clock.advance(10)
        assert await runner.run_pass() == []  # still running, although due again
        release.set()
        await runner.settle()
        assert started == [T0]

    async def test_own_session_jobs_get_the_factory(self, session_factory: Any) -> None:
        async def standalone(ctx: JobContext) -> None:
            async with ctx.sessions() as session:
                await append_event(session, topic="test.tick", entity_id=None, payload={})
                await session.commit()

        runner = scheduler(
            session_factory, {"agent_tick": Job(standalone, own_sessions=True)}, Clock()
        )
        await one_pass(runner)
        assert await ticks(session_factory) == 1
        assert (await job(session_factory, "agent_tick")).last_status == "ok"

    async def test_a_disabled_job_does_not_run(self, session_factory: Any) -> None:
        async with session_factory() as session:
            (await get_job(session, job_id="market_ticks")).enabled = False
            await session.commit()
        runner = scheduler(session_factory, {"market_ticks": Job(tick)}, Clock())
        assert await one_pass(runner) == []


def test_jobs_must_be_in_the_catalog(session_factory: Any) -> None:
    with pytest.raises(ValueError, match="catalog"):
        scheduler(session_factory, {"nope": Job(tick)}, Clock())


async def test_postgres_runs_a_job_once_across_instances(postgres_url: str) -> None:
    """Two instances' passes at the same moment: one runs the job, the other finds it done."""
    engines = [create_engine(postgres_url), create_engine(postgres_url)]
    factories = [create_session_factory(engine) for engine in engines]
    try:
        async with factories[0]() as session:
            await ensure_jobs(session)
            await session.commit()
        gate = asyncio.Event()

        async def waits(session: AsyncSession, ctx: JobContext) -> None:
            await tick(session, ctx)
            await gate.wait()  # hold the job's lock while the other instance tries

        clock = Clock()
        runners = [scheduler(f, {"market_ticks": Job(waits)}, clock) for f in factories]
        assert await runners[0].run_pass() == ["market_ticks"]
        await asyncio.sleep(0.2)  # let the first run take its lock
        await one_pass(runners[1])  # skips: the lock is taken
        gate.set()
        await runners[0].settle()
        await one_pass(runners[1])  # after the commit: the job is no longer due
        assert await ticks(factories[0]) == 1
        assert (await job(factories[0], "market_ticks")).runs == 1
    finally:
        for engine in engines:
            await engine.dispose()
