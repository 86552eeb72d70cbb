"""The job queue's resolvers on SQLite (and the claim race on PostgreSQL): idempotent enqueue,
claim order and atomicity, leases, backoff, the sweeper, cancel and retry, and the events."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from resolvers.errors import DomainError
from resolvers.jobs import (
    PROGRESS_EVENT_SECONDS,
    cancel_job,
    claim_job,
    complete_job,
    enqueue_job,
    fail_job,
    get_job,
    heartbeat_job,
    list_jobs,
    list_resumable,
    release_job,
    retry_job,
    sweep_jobs,
)
from storage.engine import create_engine, create_session_factory
from storage.events import Event
from storage.jobs import Job

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
LEASE = 30.0


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


async def topics(session: AsyncSession, job_id: int) -> list[str]:
    rows = await session.scalars(
        select(Event.topic)
        .where(Event.entity_id == str(job_id), Event.topic.like("job.%"))
        .order_by(Event.id)
    )
    return list(rows)


async def claim(session: AsyncSession, owner: str = "a", seconds: float = 0.0) -> int:
    job = await claim_job(session, kinds=["k"], owner=owner, lease_seconds=LEASE, now=at(seconds))
    assert job is not None
    return job.id


class TestEnqueue:
    async def test_a_key_answers_the_existing_job(self, session: AsyncSession) -> None:
        first = await enqueue_job(session, kind="k", payload={"n": 1}, key="k:1", now=T0)
        again = await enqueue_job(session, kind="k", payload={"n": 2}, key="k:1", now=T0)
        other = await enqueue_job(session, kind="k", payload={}, key="k:2", now=T0)
        await session.commit()
        assert again.id == first.id and again.payload == {"n": 1}
        assert other.id != first.id
        assert len((await session.scalars(select(Job))).all()) == 2
        assert await topics(session, first.id) == ["job.queued"]

    async def test_without_a_key_every_call_queues(self, session: AsyncSession) -> None:
        a = await enqueue_job(session, kind="k", payload={}, now=T0)
        b = await enqueue_job(session, kind="k", payload={}, now=T0)
        assert a.id != b.id and a.status == b.status == "queued"

    async def test_bad_input_is_refused(self, session: AsyncSession) -> None:
        with pytest.raises(DomainError) as caught:
            await enqueue_job(session, kind="k", payload={}, max_attempts=0)
        assert caught.value.code == "VALIDATION_ERROR"
        with pytest.raises(DomainError):
            await enqueue_job(session, kind=" ", payload={})


class TestClaim:
    async def test_oldest_due_job_of_the_kinds_first(self, session: AsyncSession) -> None:
        late = await enqueue_job(session, kind="k", payload={}, now=at(5))
        early = await enqueue_job(session, kind="k", payload={}, now=at(1))
        await enqueue_job(session, kind="other", payload={}, now=at(0))
        first = await claim_job(session, kinds=["k"], owner="a", lease_seconds=LEASE, now=at(6))
        second = await claim_job(session, kinds=["k"], owner="a", lease_seconds=LEASE, now=at(6))
        none = await claim_job(session, kinds=["k"], owner="a", lease_seconds=LEASE, now=at(6))
        assert first is not None and first.id == early.id
        assert second is not None and second.id == late.id
        assert none is None
        assert first.status == "running" and first.attempts == 1 and first.lease_owner == "a"
        assert first.lease_expires_at == at(6 + LEASE) and first.started_at == at(6)
        assert await topics(session, early.id) == ["job.queued", "job.running"]

    async def test_a_job_not_due_yet_waits(self, session: AsyncSession) -> None:
        await enqueue_job(session, kind="k", payload={}, now=at(10))
        assert await claim_job(session, kinds=["k"], owner="a", lease_seconds=1, now=at(9)) is None
        assert await claim_job(session, kinds=[], owner="a", lease_seconds=1, now=at(11)) is None

    async def test_two_claimers_on_one_sqlite_file_never_share_a_job(
        self, database_url: str
    ) -> None:
        engines = [create_engine(database_url) for _ in range(2)]
        factories = [create_session_factory(engine) for engine in engines]
        try:
            ids = await _race(factories, jobs=30)
        finally:
            for engine in engines:
                await engine.dispose()
        assert_disjoint_and_complete(ids, 30)


async def _race(factories: list[async_sessionmaker[AsyncSession]], *, jobs: int) -> list[set[int]]:
    async with factories[0]() as session:
        for n in range(jobs):
            await enqueue_job(session, kind="k", payload={"n": n}, now=T0)
        await session.commit()

    async def claimer(factory: async_sessionmaker[AsyncSession], owner: str) -> set[int]:
        claimed: set[int] = set()
        while True:
            async with factory() as session:
                job = await claim_job(
                    session, kinds=["k"], owner=owner, lease_seconds=LEASE, now=at(1)
                )
                await session.commit()
            if job is None:
                return claimed
            assert job.lease_owner == owner
            claimed.add(job.id)
            await asyncio.sleep(0)

    return list(await asyncio.gather(*(claimer(f, f"w{i}") for i, f in enumerate(factories))))


def assert_disjoint_and_complete(ids: list[set[int]], jobs: int) -> None:
    assert not ids[0] & ids[1]
    assert len(ids[0] | ids[1]) == jobs
    assert ids[0] and ids[1], "both claimers should have won some jobs"


async def test_two_workers_on_postgres_never_claim_one_job_twice(postgres_url: str) -> None:
    engines = [create_engine(postgres_url) for _ in range(2)]
    factories = [create_session_factory(engine) for engine in engines]
    try:
        ids = await _race(factories, jobs=60)
        async with factories[0]() as session:
            rows = (await session.scalars(select(Job))).all()
    finally:
        for engine in engines:
            await engine.dispose()
    assert_disjoint_and_complete(ids, 60)
    assert all(row.attempts == 1 and row.status == "running" for row in rows)


class TestHeartbeat:
    async def test_a_lost_lease_is_refused(self, session: AsyncSession) -> None:
        await enqueue_job(session, kind="k", payload={}, now=T0)
        job_id = await claim(session, "a")
        await sweep_jobs(session, now=at(LEASE + 1), stale_after=60)
        assert await claim(session, "b", LEASE + 2) == job_id
        with pytest.raises(DomainError) as caught:
            await heartbeat_job(session, job_id=job_id, owner="a", lease_seconds=LEASE)
        assert caught.value.code == "JOB_LEASE_LOST"
        with pytest.raises(DomainError) as finishing:
            await complete_job(session, job_id=job_id, owner="a", result={})
        assert finishing.value.code == "JOB_LEASE_LOST"
        beat = await heartbeat_job(
            session, job_id=job_id, owner="b", lease_seconds=LEASE, now=at(40)
        )
        assert beat.lease_expires_at == at(40 + LEASE) and beat.heartbeat_at == at(40)

    async def test_a_cancelled_job_is_refused_with_its_own_code(
        self, session: AsyncSession
    ) -> None:
        await enqueue_job(session, kind="k", payload={}, now=T0)
        job_id = await claim(session)
        await cancel_job(session, job_id=job_id)
        with pytest.raises(DomainError) as caught:
            await heartbeat_job(session, job_id=job_id, owner="a", lease_seconds=LEASE)
        assert caught.value.code == "JOB_CANCELLED"

    async def test_progress_events_are_throttled_but_the_last_value_goes_out(
        self, session: AsyncSession
    ) -> None:
        await enqueue_job(session, kind="k", payload={}, now=T0)
        job_id = await claim(session)

        async def beat(progress: float | None, seconds: float) -> None:
            await heartbeat_job(
                session,
                job_id=job_id,
                owner="a",
                lease_seconds=LEASE,
                progress=progress,
                message=None if progress is None else f"at {progress}",
                now=at(seconds),
            )

        await beat(0.1, 1.0)
        for n in range(2, 10):  # eight more within the interval: no event each
            await beat(n / 10, 1.0 + n * 0.01)
        await beat(None, 1.0 + PROGRESS_EVENT_SECONDS)  # a bare heartbeat carries them out
        await beat(None, 5.0)  # nothing new to say
        events = (
            await session.scalars(
                select(Event).where(Event.topic == "job.progress").order_by(Event.id)
            )
        ).all()
        assert [e.payload["progress"] for e in events] == [0.1, 0.9]
        assert events[-1].payload["progress_message"] == "at 0.9"
        with pytest.raises(DomainError) as caught:
            await beat(1.5, 6.0)
        assert caught.value.code == "VALIDATION_ERROR"


class TestFinish:
    async def test_complete_records_the_result(self, session: AsyncSession) -> None:
        job = await enqueue_job(session, kind="k", payload={}, now=T0)
        await claim(session)
        done = await complete_job(session, job_id=job.id, owner="a", result={"x": 1}, now=at(2))
        assert done.status == "succeeded" and done.result == {"x": 1} and done.progress == 1.0
        assert done.finished_at == at(2) and done.lease_owner is None
        assert await topics(session, job.id) == ["job.queued", "job.running", "job.succeeded"]

    async def test_fail_backs_off_then_fails_after_max_attempts(
        self, session: AsyncSession
    ) -> None:
        job = await enqueue_job(session, kind="k", payload={}, max_attempts=2, now=T0)
        await claim(session, seconds=0)
        again = await fail_job(session, job_id=job.id, owner="a", error="boom", now=at(1))
        assert again.status == "queued" and again.error == "boom" and again.run_after == at(6)
        assert await claim_job(session, kinds=["k"], owner="a", lease_seconds=1, now=at(5)) is None
        assert await claim(session, seconds=6) == job.id
        failed = await fail_job(session, job_id=job.id, owner="a", error="boom2", now=at(7))
        assert failed.status == "failed" and failed.attempts == 2 and failed.error == "boom2"
        assert await topics(session, job.id) == [
            "job.queued",
            "job.running",
            "job.queued",
            "job.running",
            "job.failed",
        ]

    async def test_fail_without_retry_is_final(self, session: AsyncSession) -> None:
        job = await enqueue_job(session, kind="k", payload={}, now=T0)
        await claim(session)
        failed = await fail_job(session, job_id=job.id, owner="a", error="bad", retry=False)
        assert failed.status == "failed" and failed.attempts == 1

    async def test_release_gives_the_attempt_back(self, session: AsyncSession) -> None:
        job = await enqueue_job(session, kind="k", payload={}, now=T0)
        await claim(session)
        released = await release_job(session, job_id=job.id, owner="a", now=at(3))
        assert released.status == "queued" and released.attempts == 0
        assert released.lease_owner is None and released.run_after == at(3)
        assert (await topics(session, job.id))[-1] == "job.released"


class TestSweep:
    async def test_expired_lease_and_stale_heartbeat_are_recovered(
        self, session: AsyncSession
    ) -> None:
        expired = await enqueue_job(session, kind="k", payload={}, now=T0)
        stale = await enqueue_job(session, kind="k", payload={}, now=T0)
        fresh = await enqueue_job(session, kind="k", payload={}, now=T0)
        for _ in range(3):
            await claim(session)
        # `stale` holds a long lease but stopped heartbeating; `fresh` beat just now
        await heartbeat_job(session, job_id=stale.id, owner="a", lease_seconds=600, now=at(1))
        await heartbeat_job(session, job_id=fresh.id, owner="a", lease_seconds=600, now=at(60))
        taken = await sweep_jobs(session, now=at(LEASE + 40), stale_after=60)
        assert sorted(job.id for job in taken) == [expired.id, stale.id]
        assert all(job.status == "queued" and job.recovered_at == at(70) for job in taken)
        assert (await get_job(session, job_id=fresh.id)).status == "running"
        assert [job.id for job in await list_resumable(session)] == [expired.id, stale.id]
        assert (await topics(session, expired.id))[-1] == "job.recovered"
        assert await sweep_jobs(session, now=at(LEASE + 40), stale_after=60) == []
        # a recovered job runs again, and is no longer resumable once claimed
        assert await claim(session, "b", 71) == expired.id
        assert [job.id for job in await list_resumable(session)] == [stale.id]

    async def test_a_job_out_of_attempts_fails(self, session: AsyncSession) -> None:
        job = await enqueue_job(session, kind="k", payload={}, max_attempts=1, now=T0)
        await claim(session)
        (taken,) = await sweep_jobs(session, now=at(LEASE + 1), stale_after=60)
        assert taken.id == job.id and taken.status == "failed"
        assert "stopped heartbeating" in (taken.error or "")
        assert (await topics(session, job.id))[-1] == "job.failed"


class TestCancelRetry:
    async def test_cancel_then_retry(self, session: AsyncSession) -> None:
        job = await enqueue_job(session, kind="k", payload={}, now=T0)
        cancelled = await cancel_job(session, job_id=job.id, now=at(1))
        assert cancelled.status == "cancelled" and cancelled.finished_at == at(1)
        assert (await cancel_job(session, job_id=job.id)).status == "cancelled"
        assert await claim_job(session, kinds=["k"], owner="a", lease_seconds=1) is None
        retried = await retry_job(session, job_id=job.id, now=at(2))
        assert retried.status == "queued" and retried.attempts == 0 and retried.finished_at is None
        assert await topics(session, job.id) == ["job.queued", "job.cancelled", "job.queued"]

    async def test_wrong_states_are_refused(self, session: AsyncSession) -> None:
        job = await enqueue_job(session, kind="k", payload={}, now=T0)
        with pytest.raises(DomainError) as caught:
            await retry_job(session, job_id=job.id)
        assert caught.value.code == "INVALID_TRANSITION"
        await claim(session)
        await complete_job(session, job_id=job.id, owner="a", result={})
        with pytest.raises(DomainError) as finished:
            await cancel_job(session, job_id=job.id)
        assert finished.value.code == "INVALID_TRANSITION"
        with pytest.raises(DomainError) as missing:
            await get_job(session, job_id=999)
        assert missing.value.code == "JOB_NOT_FOUND"


async def test_list_jobs_filters(session: AsyncSession) -> None:
    a = await enqueue_job(session, kind="k", payload={}, now=T0)
    b = await enqueue_job(session, kind="other", payload={}, now=T0)
    await claim(session)
    assert [job.id for job in await list_jobs(session)] == [b.id, a.id]
    assert [job.id for job in await list_jobs(session, status="running")] == [a.id]
    assert [job.id for job in await list_jobs(session, kind="other")] == [b.id]
    with pytest.raises(DomainError):
        await list_jobs(session, status="nope")
