"""The brain.chat job: registered with the server's runner, and a task killed mid-run is
listed as resumable once the sweeper took it back, then finishes once, writing one memory."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from resolvers.brain.tasks import (
    JOB_KIND,
    BrainChatResult,
    BrainTask,
    get_brain_chat_task,
    queue_brain_chat,
)
from resolvers.jobs import get_job, list_resumable, sweep_jobs
from resolvers.lab.services import Lab
from server.brain_jobs import run_brain_chat_job
from server.executors import ThreadExecutor
from server.workers import JOB_HANDLERS, JobWorkers
from storage.base import utcnow
from storage.brain import BrainMemory

ROOT = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 20.0
Factory = async_sessionmaker[AsyncSession]


def test_the_server_runs_brain_tasks() -> None:
    assert JOB_HANDLERS[JOB_KIND] is run_brain_chat_job


async def eventually_message(factory: Factory, job_id: int, message: str) -> None:
    deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
    while True:
        async with factory() as session:
            if (await get_job(session, job_id=job_id)).progress_message == message:
                return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"the job never reported {message!r}")
        await asyncio.sleep(0.05)


async def test_a_brain_task_killed_mid_run_is_listed_as_resumable(
    database_url: str, session_factory: Factory, lab: Lab
) -> None:
    async with session_factory() as session:
        task = await queue_brain_chat(session, prompt="Which strategies are there?")
        await session.commit()
    job_id = int(task.task_id)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.server.brain_crash_child", database_url, env=env
    )
    try:
        await eventually_message(session_factory, job_id, "answering")
    finally:
        child.send_signal(signal.SIGKILL)
        await asyncio.wait_for(child.wait(), WAIT_SECONDS)
    async with session_factory() as session:
        orphan = await get_job(session, job_id=job_id)
        assert orphan.status == "running" and orphan.lease_expires_at is not None
        assert await list_resumable(session, kind=JOB_KIND) == []  # still looks alive
    await asyncio.sleep(max(0.0, (orphan.lease_expires_at - utcnow()).total_seconds()) + 0.1)
    async with session_factory() as session:
        taken = await sweep_jobs(session, now=utcnow(), stale_after=60.0)
        await session.commit()
    assert [job.id for job in taken] == [job_id]
    async with session_factory() as session:
        assert [job.id for job in await list_resumable(session, kind=JOB_KIND)] == [job_id]
        polled = await get_brain_chat_task(session, task_id=task.task_id)
        assert isinstance(polled, BrainTask)  # still a 202: queued again, to be resumed
        assert (polled.status, polled.attempts) == ("queued", 1)
        assert (await session.scalars(select(BrainMemory))).all() == []  # killed before step 3

    runner = JobWorkers(
        session_factory, None, executor=ThreadExecutor(), handlers=JOB_HANDLERS, lab=lab,
        poll_seconds=0.05, sweep_seconds=3600,
    )  # fmt: skip
    await runner.start()
    try:
        deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
        while True:
            async with session_factory() as session:
                done = await get_brain_chat_task(session, task_id=task.task_id)
            if isinstance(done, BrainChatResult) or asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.05)
    finally:
        await runner.stop()
    assert isinstance(done, BrainChatResult) and done.status == "succeeded", done
    async with session_factory() as session:
        assert (await get_job(session, job_id=job_id)).attempts == 2
        assert await list_resumable(session, kind=JOB_KIND) == []
        memories = (await session.scalars(select(BrainMemory))).all()
    assert [(m.source, m.source_id) for m in memories] == [("task", task.task_id)]
    assert done.memories_written == [memories[0].id]
