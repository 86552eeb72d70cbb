"""Gauntlet steps on the job table with several runners: each step runs exactly once, on
SQLite and on PostgreSQL (two instances sharing one database)."""

from __future__ import annotations

import asyncio

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from resolvers.lab.services import build_lab
from resolvers.research.gauntlet import create_gauntlet_workflow, get_gauntlet_workflow
from server.executors import ThreadExecutor
from server.workers import JOB_HANDLERS, JobWorkers
from storage.engine import create_engine, create_session_factory
from storage.jobs import Job
from tests.resolvers.factories import make_strategy

Factory = async_sessionmaker[AsyncSession]


async def two_runners_finish_one_gauntlet(first: Factory, second: Factory) -> None:
    """Runners of two instances (one factory each) race for every step of one gauntlet."""
    lab = build_lab()
    factory = first
    async with factory() as session:
        strategy = await make_strategy(session, lab=lab)
        workflow = await create_gauntlet_workflow(session, strategy_id=strategy.id, lab=lab)
        await session.commit()
    runners = [
        JobWorkers(
            sessions, None, executor=ThreadExecutor(), handlers=JOB_HANDLERS, lab=lab,
            workers=2, poll_seconds=0.02, owner=f"instance-{n}",
        )
        for n, sessions in enumerate((first, second))
    ]  # fmt: skip
    for runner in runners:
        await runner.start()
    try:
        for _ in range(1500):
            async with factory() as session:
                view = await get_gauntlet_workflow(session, workflow_id=workflow.id)
            if view.status in ("passed", "failed"):
                break
            await asyncio.sleep(0.02)
    finally:
        for runner in runners:
            await runner.stop()
    assert view.status in ("passed", "failed"), view
    assert [s.attempts for s in view.steps] == [1] * 8
    async with factory() as session:
        jobs = list((await session.execute(select(Job).order_by(Job.id))).scalars())
    assert [(j.status, j.attempts) for j in jobs] == [("succeeded", 1)] * 8


async def test_two_runners_on_sqlite_run_each_step_once(session_factory: Factory) -> None:
    await two_runners_finish_one_gauntlet(session_factory, session_factory)


async def test_two_instances_on_postgres_run_each_step_once(postgres_url: str) -> None:
    engines = [create_engine(postgres_url) for _ in range(2)]
    try:
        await two_runners_finish_one_gauntlet(*(create_session_factory(e) for e in engines))
    finally:
        for engine in engines:
            await engine.dispose()
