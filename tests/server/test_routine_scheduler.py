"""The scheduler's routines job, as the server wires it: due routines are queued on its pass,
and a system stop pauses them (the job is recorded skipped and nothing is queued)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from resolvers.control import start_system, stop_system
from resolvers.lab.services import Lab
from resolvers.routines import create_routine, list_routines
from resolvers.scheduler import ensure_jobs, list_jobs
from server.jobs import JOBS
from server.scheduler import Scheduler
from storage.routines import RoutineRun

Factory = async_sessionmaker[AsyncSession]


class Wall:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def test_the_routines_job_queues_due_routines_and_halts_when_stopped(
    session_factory: Factory, lab: Lab
) -> None:
    wall = Wall(datetime(2026, 6, 1, 8, 59, 50, tzinfo=UTC))
    async with session_factory() as session:
        await ensure_jobs(session)
        await create_routine(session, name="r", cron="0 9 * * *", prompt="hi", now=wall.now)
        await stop_system(session, reason="test", lab=lab)
        await session.commit()
    scheduler = Scheduler(session_factory, None, lab, {"routines": JOBS["routines"]}, wall=wall)

    wall.now = datetime(2026, 6, 1, 9, 0, 1, tzinfo=UTC)
    assert await scheduler.run_pass() == ["routines"]
    await scheduler.settle()
    async with session_factory() as session:
        job = next(j for j in await list_jobs(session) if j.id == "routines")
        assert job.last_status == "skipped"
        assert list(await session.scalars(select(RoutineRun))) == []
        await start_system(session, lab=lab)
        await session.commit()

    wall.now = datetime(2026, 6, 1, 9, 0, 30, tzinfo=UTC)  # within the 60 s lateness
    assert await scheduler.run_pass() == ["routines"]
    await scheduler.settle()
    async with session_factory() as session:
        job = next(j for j in await list_jobs(session) if j.id == "routines")
        assert job.last_status == "ok", job.last_error
        [routine] = await list_routines(session)
        assert routine.last_run is not None and routine.last_run.origin == "schedule"
        assert routine.next_run_at == datetime(2026, 6, 2, 9, tzinfo=UTC)
        assert [r.routines[0].last_run_status for r in [job]] == ["queued"]
