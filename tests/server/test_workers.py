"""The job runner end to end, in-process: handlers run on threads and in the real process pool,
heartbeats keep leases, cancellation and lease loss stop handlers, a stop releases its jobs,
a dead owner's job is recovered at start, and the lifespan starts the runner."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import server.lifespan
from resolvers.errors import InvalidInput
from resolvers.jobs import JobView, cancel_job, claim_job, enqueue_job, get_job, sweep_jobs
from server.app import create_app
from server.executors import ProcessExecutor, ThreadExecutor
from server.job_context import Handler, JobRunContext
from server.settings import Settings, SettingsError, load_settings
from server.workers import JobWorkers
from storage.base import utcnow
from storage.bus import EventBus
from storage.engine import create_engine, create_session_factory
from storage.events import Event
from storage.outbox import EventMessage, commit_and_publish
from tests.server import job_crash_child
from tests.server.job_bodies import sum_of_squares

WAIT_SECONDS = 20.0
ROOT = Path(__file__).resolve().parents[2]
Factory = async_sessionmaker[AsyncSession]


async def eventually(check: Callable[[], Awaitable[bool]], within: float = WAIT_SECONDS) -> None:
    """Wait (bounded) until `check()` holds."""
    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


async def job(factory: Factory, job_id: int) -> JobView:
    async with factory() as session:
        return await get_job(session, job_id=job_id)


async def status_is(factory: Factory, job_id: int, status: str) -> None:
    async def check() -> bool:
        return (await job(factory, job_id)).status == status

    await eventually(check)


async def enqueue(factory: Factory, kind: str, payload: dict[str, Any], **kw: Any) -> int:
    async with factory() as session:
        queued = await enqueue_job(session, kind=kind, payload=payload, **kw)
        await session.commit()
    return queued.id


async def topics(factory: Factory, job_id: int) -> list[str]:
    async with factory() as session:
        rows = await session.scalars(
            select(Event.topic).where(Event.entity_id == str(job_id)).order_by(Event.id)
        )
        return list(rows)


class Published:
    """A publisher that keeps what it was given."""

    def __init__(self) -> None:
        self.messages: list[EventMessage] = []

    async def __call__(self, messages: list[EventMessage]) -> None:
        self.messages.extend(messages)


@pytest.fixture
async def runners(session_factory: Factory) -> AsyncIterator[Callable[..., JobWorkers]]:
    """Builds started-later runners on the test database; stops them all afterwards."""
    made: list[JobWorkers] = []

    def make(handlers: dict[str, Handler], **kw: Any) -> JobWorkers:
        options: dict[str, Any] = {
            "executor": ThreadExecutor(),
            "workers": 2,
            "lease_seconds": 3.0,
            "stale_after": 60.0,
            "sweep_seconds": 0.2,
            "poll_seconds": 0.05,
            "stop_grace_seconds": 2.0,
        }
        options.update(kw)
        publish = options.pop("publish", None)
        runner = JobWorkers(session_factory, publish, handlers=handlers, **options)
        made.append(runner)
        return runner

    yield make
    for runner in made:
        await runner.stop()


async def square(ctx: JobRunContext, payload: dict[str, Any]) -> dict[str, Any]:
    await ctx.progress(0.5, "halfway")
    out = await ctx.executor.submit(sum_of_squares, payload["n"])
    return dict(out)


class TestRun:
    async def test_a_handler_runs_on_threads_and_its_events_are_published(
        self, session_factory: Factory, runners: Callable[..., JobWorkers]
    ) -> None:
        published = Published()
        runner = runners({"square": square}, publish=published)
        await runner.start()
        job_id = await enqueue(session_factory, "square", {"n": 1000})
        runner.wake()
        await status_is(session_factory, job_id, "succeeded")
        done = await job(session_factory, job_id)
        assert done.result is not None and done.result["total"] == sum(i * i for i in range(1000))
        assert done.attempts == 1 and done.progress == 1.0
        assert await topics(session_factory, job_id) == [
            "job.queued",
            "job.running",
            "job.progress",
            "job.succeeded",
        ]
        sent = [m.topic for m in published.messages if m.entity_id == str(job_id)]
        assert sent == ["job.running", "job.progress", "job.succeeded"]

    async def test_the_process_pool_runs_the_body_in_another_process(
        self, session_factory: Factory, runners: Callable[..., JobWorkers]
    ) -> None:
        runner = runners({"square": square}, executor=ProcessExecutor(1))
        await runner.start()
        job_id = await enqueue(session_factory, "square", {"n": 200_000})
        await status_is(session_factory, job_id, "succeeded")
        result = (await job(session_factory, job_id)).result
        assert result is not None and result["total"] == sum(i * i for i in range(200_000))
        assert result["pid"] != os.getpid()
        await runner.stop()  # closes the pool

    async def test_heartbeats_keep_a_long_body_s_lease(
        self, session_factory: Factory, runners: Callable[..., JobWorkers]
    ) -> None:
        async def slow(ctx: JobRunContext, payload: dict[str, Any]) -> dict[str, Any]:
            import time

            await ctx.executor.submit(time.sleep, 1.5)  # blocks a thread, not the loop
            return {}

        # without heartbeats the 0.6 s lease would expire and the 0.2 s sweeper re-queue it
        runner = runners({"slow": slow}, lease_seconds=0.6, stale_after=0.5)
        await runner.start()
        job_id = await enqueue(session_factory, "slow", {})
        await status_is(session_factory, job_id, "succeeded")
        assert (await job(session_factory, job_id)).attempts == 1
        assert "job.recovered" not in await topics(session_factory, job_id)

    async def test_rapid_progress_is_coalesced_and_the_last_value_written(
        self, session_factory: Factory, runners: Callable[..., JobWorkers]
    ) -> None:
        reported = asyncio.Event()
        release = asyncio.Event()

        async def chatty(ctx: JobRunContext, payload: dict[str, Any]) -> dict[str, Any]:
            for step in range(1, 101):
                await ctx.progress(step / 200, f"step {step}")
            reported.set()
            await release.wait()
            return {}

        # a 30 s lease heartbeats every 10 s: only the coalescing write can show 0.5 soon
        runner = runners({"chatty": chatty}, lease_seconds=30.0)
        await runner.start()
        job_id = await enqueue(session_factory, "chatty", {})
        await asyncio.wait_for(reported.wait(), WAIT_SECONDS)

        async def latest_written() -> bool:
            current = await job(session_factory, job_id)
            return current.progress == 0.5 and current.progress_message == "step 100"

        await eventually(latest_written, within=2.0)
        release.set()
        await status_is(session_factory, job_id, "succeeded")
        assert (await topics(session_factory, job_id)).count("job.progress") <= 3

    async def test_a_domain_error_fails_for_good_and_a_bad_result_too(
        self, session_factory: Factory, runners: Callable[..., JobWorkers]
    ) -> None:
        async def refuse(ctx: JobRunContext, payload: dict[str, Any]) -> dict[str, Any]:
            raise InvalidInput("no such strategy")

        async def odd(ctx: JobRunContext, payload: dict[str, Any]) -> Any:
            return ["not", "an", "object"]

        runner = runners({"refuse": refuse, "odd": odd})
        await runner.start()
        refused = await enqueue(session_factory, "refuse", {})
        answered = await enqueue(session_factory, "odd", {})
        await status_is(session_factory, refused, "failed")
        await status_is(session_factory, answered, "failed")
        failed = await job(session_factory, refused)
        assert failed.attempts == 1 and "no such strategy" in (failed.error or "")
        assert "not a JSON object" in ((await job(session_factory, answered)).error or "")

    async def test_an_exception_re_queues_with_backoff(
        self, session_factory: Factory, runners: Callable[..., JobWorkers]
    ) -> None:
        async def boom(ctx: JobRunContext, payload: dict[str, Any]) -> dict[str, Any]:
            raise RuntimeError("flaky")

        runner = runners({"boom": boom})
        await runner.start()
        job_id = await enqueue(session_factory, "boom", {})
        await eventually(lambda: _has(session_factory, job_id, "job.queued", 2))
        again = await job(session_factory, job_id)
        assert again.status == "queued" and again.error == "RuntimeError: flaky"
        assert again.run_after > utcnow() + timedelta(seconds=3)


async def test_a_job_queued_anywhere_wakes_the_runner_through_the_bus(
    session_factory: Factory, runners: Callable[..., JobWorkers]
) -> None:
    bus = EventBus("memory://", session_factory)
    await bus.start()
    try:
        runner = runners({"square": square}, poll_seconds=600, bus=bus)
        await runner.start()
        await asyncio.sleep(0.1)  # the workers' first claim found nothing: they wait now
        async with session_factory() as session:  # a request on another instance, say
            queued = await enqueue_job(session, kind="square", payload={"n": 3})
            await commit_and_publish(session, bus.publish)
        await status_is(session_factory, queued.id, "succeeded")  # well before a poll
        await runner.stop()
    finally:
        await bus.stop()


async def _has(factory: Factory, job_id: int, topic: str, count: int = 1) -> bool:
    return (await topics(factory, job_id)).count(topic) >= count


class Blocker:
    """A handler that waits until cancelled, recording that it started and how it ended."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.cancelled = asyncio.Event()

    async def __call__(self, ctx: JobRunContext, payload: dict[str, Any]) -> dict[str, Any]:
        self.started.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            self.cancelled.set()
            raise
        return {}


class TestStop:
    async def test_cancelling_a_running_job_stops_its_handler(
        self, session_factory: Factory, runners: Callable[..., JobWorkers]
    ) -> None:
        blocker = Blocker()
        runner = runners({"block": blocker}, lease_seconds=0.6)
        await runner.start()
        job_id = await enqueue(session_factory, "block", {})
        await asyncio.wait_for(blocker.started.wait(), WAIT_SECONDS)
        async with session_factory() as session:
            await cancel_job(session, job_id=job_id)
            await session.commit()
        await asyncio.wait_for(blocker.cancelled.wait(), WAIT_SECONDS)
        await eventually(lambda: _idle(runner))
        assert (await job(session_factory, job_id)).status == "cancelled"
        assert (await topics(session_factory, job_id))[-1] == "job.cancelled"

    async def test_a_lost_lease_stops_the_handler_and_leaves_the_new_owner_s_state(
        self, session_factory: Factory, runners: Callable[..., JobWorkers]
    ) -> None:
        blocker = Blocker()
        runner = runners({"block": blocker}, workers=1, lease_seconds=0.6)
        await runner.start()
        job_id = await enqueue(session_factory, "block", {})
        await asyncio.wait_for(blocker.started.wait(), WAIT_SECONDS)
        async with session_factory() as session:  # as if this process had stalled
            later = utcnow() + timedelta(seconds=5)
            await sweep_jobs(session, now=later, stale_after=60)
            await claim_job(session, kinds=["block"], owner="other", lease_seconds=60, now=later)
            await session.commit()
        await asyncio.wait_for(blocker.cancelled.wait(), WAIT_SECONDS)
        await eventually(lambda: _idle(runner))
        taken = await job(session_factory, job_id)
        assert taken.status == "running" and taken.lease_owner == "other"

    async def test_stop_releases_running_jobs_to_the_queue(
        self, session_factory: Factory, runners: Callable[..., JobWorkers]
    ) -> None:
        blocker = Blocker()
        runner = runners({"block": blocker}, stop_grace_seconds=0.2)
        await runner.start()
        job_id = await enqueue(session_factory, "block", {})
        await asyncio.wait_for(blocker.started.wait(), WAIT_SECONDS)
        await runner.stop()
        assert blocker.cancelled.is_set() and not runner.running
        released = await job(session_factory, job_id)
        assert released.status == "queued" and released.attempts == 0
        assert released.lease_owner is None
        assert (await topics(session_factory, job_id))[-1] == "job.released"


async def _idle(runner: JobWorkers) -> bool:
    return not runner.running_jobs


async def test_a_dead_owner_s_job_is_recovered_at_start_and_completed(
    session_factory: Factory, runners: Callable[..., JobWorkers]
) -> None:
    """The crash: an owner claimed the job and was killed; it never heartbeats again."""
    crashed_at = utcnow() - timedelta(seconds=120)
    job_id = await enqueue(session_factory, "square", {"n": 10}, now=crashed_at)
    async with session_factory() as session:
        dead = await claim_job(
            session, kinds=["square"], owner="host:1:dead", lease_seconds=30, now=crashed_at
        )
        await session.commit()
    assert dead is not None and dead.id == job_id
    # no periodic sweep within the test: only the start-up sweep can recover it
    runner = runners({"square": square}, sweep_seconds=3600)
    await runner.start()
    await status_is(session_factory, job_id, "succeeded")
    done = await job(session_factory, job_id)
    assert done.attempts == 2 and done.result is not None and done.result["total"] == 285
    assert await topics(session_factory, job_id) == [
        "job.queued",
        "job.running",
        "job.recovered",
        "job.running",
        "job.progress",
        "job.succeeded",
    ]


async def test_a_job_killed_mid_run_is_recovered_after_restart(
    database_url: str, session_factory: Factory, runners: Callable[..., JobWorkers]
) -> None:
    """A real process runs the job and is SIGKILLed mid-run; the next runner's start-up sweep
    takes the job back once its lease has expired, and runs it to the end."""
    job_id = await enqueue(session_factory, job_crash_child.KIND, {})
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.server.job_crash_child", database_url, env=env
    )
    try:

        async def reached() -> bool:
            return (await job(session_factory, job_id)).progress_message == "started"

        await eventually(reached)
    finally:
        child.send_signal(signal.SIGKILL)
        await asyncio.wait_for(child.wait(), WAIT_SECONDS)
    orphan = await job(session_factory, job_id)
    assert orphan.status == "running" and orphan.lease_expires_at is not None
    await asyncio.sleep(max(0.0, (orphan.lease_expires_at - utcnow()).total_seconds()) + 0.1)

    async def finish(ctx: JobRunContext, payload: dict[str, Any]) -> dict[str, Any]:
        return {"finished_by": "restart"}

    runner = runners({job_crash_child.KIND: finish}, sweep_seconds=3600)
    await runner.start()
    await status_is(session_factory, job_id, "succeeded")
    done = await job(session_factory, job_id)
    assert done.attempts == 2 and done.result == {"finished_by": "restart"}
    assert done.lease_owner is None and orphan.lease_owner != runner.owner
    assert "job.recovered" in await topics(session_factory, job_id)


async def race_two_runners(factory: Factory, make: Callable[..., JobWorkers]) -> None:
    """Two runners (separate owners, 3 workers each) over 24 jobs: each job runs exactly once,
    and both runners get some."""
    runs: Counter[int] = Counter()

    def counting(name: str) -> Handler:
        async def handler(ctx: JobRunContext, payload: dict[str, Any]) -> dict[str, Any]:
            runs[ctx.job.id] += 1
            await asyncio.sleep(0.01)
            return {"by": name}

        return handler

    first = make({"count": counting("first")}, workers=3)
    second = make({"count": counting("second")}, workers=3)
    ids = [await enqueue(factory, "count", {"n": n}) for n in range(24)]
    await asyncio.gather(first.start(), second.start())
    for job_id in ids:
        await status_is(factory, job_id, "succeeded")
    assert runs == Counter(dict.fromkeys(ids, 1))
    results = [(await job(factory, job_id)).result or {} for job_id in ids]
    assert {result["by"] for result in results} == {"first", "second"}


async def test_two_runners_on_one_database_run_each_job_once(
    session_factory: Factory, runners: Callable[..., JobWorkers]
) -> None:
    await race_two_runners(session_factory, runners)


async def test_two_runners_on_postgres_run_each_job_once(postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    factory = create_session_factory(engine)
    made: list[JobWorkers] = []

    def make(handlers: dict[str, Handler], **kw: Any) -> JobWorkers:
        options: dict[str, Any] = {"executor": ThreadExecutor(), "poll_seconds": 0.05}
        made.append(JobWorkers(factory, None, handlers=handlers, **options, **kw))
        return made[-1]

    try:
        await race_two_runners(factory, make)
    finally:
        for runner in made:
            await runner.stop()
        await engine.dispose()


async def test_the_lifespan_runs_registered_kinds(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def echo(ctx: JobRunContext, payload: dict[str, Any]) -> dict[str, Any]:
        return {"echo": payload}

    monkeypatch.setattr(server.lifespan, "JOB_HANDLERS", {"test.echo": echo})
    app = create_app(settings.model_copy(update={"jobs": True}))
    async with app.router.lifespan_context(app):
        runner: JobWorkers = app.state.job_workers
        assert runner.running
        factory: Factory = app.state.services.session_factory
        job_id = await enqueue(factory, "test.echo", {"x": 1})
        runner.wake()
        await status_is(factory, job_id, "succeeded")
        assert (await job(factory, job_id)).result == {"echo": {"x": 1}}
    assert not runner.running


async def test_the_runner_stays_off_when_switched_off(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"jobs": False}))
    async with app.router.lifespan_context(app):
        assert not app.state.job_workers.running


def test_staleness_shorter_than_two_heartbeats_is_refused() -> None:
    with pytest.raises(SettingsError, match="TRADEGRAPH_JOB_STALE_SECONDS"):
        load_settings(job_lease_seconds=90, job_stale_seconds=30)
