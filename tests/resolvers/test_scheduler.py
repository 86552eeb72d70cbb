"""The scheduler's rows: the catalog written once, operator changes kept, bounds, run records,
due times and the live-event retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import InvalidInput, NotFound
from resolvers.scheduler import (
    JOBS,
    ensure_jobs,
    get_job,
    is_due,
    list_jobs,
    prune_live_events,
    record_run,
    update_job,
)
from storage.events import Event
from storage.outbox import append_event

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


class TestEnsure:
    async def test_writes_the_catalog_in_order(self, session: AsyncSession) -> None:
        await ensure_jobs(session)
        jobs = await list_jobs(session)
        assert [j.id for j in jobs] == list(JOBS)
        assert {j.id: j.interval_seconds for j in jobs} == {
            k: v.interval_seconds for k, v in JOBS.items()
        }
        assert all(j.enabled and j.runs == 0 and j.next_run_at is None for j in jobs)
        halting = {j.id for j in jobs if j.halts_when_paused}
        assert halting == {
            "market_ticks",
            "paper_tick",
            "agent_tick",
            "pipeline",
            "approvals_triage",
            "routines",
        }

    async def test_overrides_set_the_first_interval_and_zero_disables(
        self, session: AsyncSession
    ) -> None:
        await ensure_jobs(session, {"agent_tick": 0, "paper_tick": 5})
        agent, paper = (
            await get_job(session, job_id="agent_tick"),
            await get_job(session, job_id="paper_tick"),
        )
        assert (agent.enabled, agent.interval_seconds) == (False, 60.0)
        assert (paper.enabled, paper.interval_seconds) == (True, 5.0)

    async def test_an_operators_change_survives(self, session: AsyncSession) -> None:
        await ensure_jobs(session)
        await update_job(session, job_id="pipeline", enabled=False, interval_seconds=12.5)
        await ensure_jobs(session, {"pipeline": 300})
        row = await get_job(session, job_id="pipeline")
        assert (row.enabled, row.interval_seconds) == (False, 12.5)


class TestUpdate:
    async def test_changes_and_writes_an_event(self, session: AsyncSession) -> None:
        await ensure_jobs(session)
        job = await update_job(session, job_id="market_ticks", interval_seconds=0.25)
        assert (job.interval_seconds, job.enabled) == (0.25, True)
        job = await update_job(session, job_id="market_ticks", enabled=False)
        assert (job.interval_seconds, job.enabled) == (0.25, False)
        stmt = select(func.count()).where(Event.topic == "scheduler.job_updated")
        assert await session.scalar(stmt) == 2

    async def test_unknown_job(self, session: AsyncSession) -> None:
        with pytest.raises(NotFound):
            await update_job(session, job_id="nope", enabled=True)

    @pytest.mark.parametrize("interval", [0.0, 0.05, -1.0, 86_400.5, float("nan"), float("inf")])
    async def test_interval_bounds(self, session: AsyncSession, interval: float) -> None:
        await ensure_jobs(session)
        with pytest.raises(InvalidInput):
            await update_job(session, job_id="pipeline", interval_seconds=interval)
        assert (await get_job(session, job_id="pipeline")).interval_seconds == 300.0

    async def test_needs_a_field(self, session: AsyncSession) -> None:
        with pytest.raises(InvalidInput):
            await update_job(session, job_id="pipeline")

    async def test_a_job_without_its_row_yet_is_created(self, session: AsyncSession) -> None:
        job = await update_job(session, job_id="events_prune", enabled=False)
        assert not job.enabled
        assert [j.id for j in await list_jobs(session)] == list(JOBS)


class TestRuns:
    async def test_counts_and_due_times(self, session: AsyncSession) -> None:
        await ensure_jobs(session)
        row = await get_job(session, job_id="pipeline")
        assert is_due(row, T0)
        await record_run(session, job_id="pipeline", started_at=T0, status="ok", duration_ms=3.0)
        assert not is_due(row, T0 + timedelta(seconds=299))
        assert is_due(row, T0 + timedelta(seconds=300))
        later = T0 + timedelta(seconds=300)
        await record_run(
            session, job_id="pipeline", started_at=later, status="error", error="boom" * 200
        )
        await record_run(session, job_id="pipeline", started_at=later, status="skipped")
        job = next(j for j in await list_jobs(session) if j.id == "pipeline")
        assert (job.runs, job.failures, job.last_status) == (2, 1, "skipped")
        assert job.last_error is not None and len(job.last_error) == 500
        assert job.next_run_at == later + timedelta(seconds=300)

    async def test_a_disabled_job_is_never_due(self, session: AsyncSession) -> None:
        await ensure_jobs(session)
        await update_job(session, job_id="pipeline", enabled=False)
        assert not is_due(await get_job(session, job_id="pipeline"), T0)

    async def test_unknown_status(self, session: AsyncSession) -> None:
        await ensure_jobs(session)
        with pytest.raises(InvalidInput):
            await record_run(session, job_id="pipeline", started_at=T0, status="meh")


class TestPrune:
    async def test_deletes_only_old_live_events(self, session: AsyncSession) -> None:
        for topic in ("live.tick", "live.fill", "trade.opened"):
            old = await append_event(session, topic=topic, entity_id=None, payload={})
            old.created_at = T0 - timedelta(hours=25)
        fresh = await append_event(session, topic="live.tick", entity_id=None, payload={})
        fresh.created_at = T0 - timedelta(hours=23)
        await session.flush()
        assert await prune_live_events(session, now=T0) == 2
        left = (await session.execute(select(Event.topic).order_by(Event.id))).scalars().all()
        assert left == ["trade.opened", "live.tick"]

    async def test_keeps_each_symbols_newest_regime_change(self, session: AsyncSession) -> None:
        kept = []
        for symbol in ("BTC-USD", "ETH-USD"):
            for _ in range(2):
                row = await append_event(session, topic="live.regime", entity_id=symbol, payload={})
                row.created_at = T0 - timedelta(days=3)
            kept.append(row.id)
        tick = await append_event(session, topic="live.tick", entity_id="BTC-USD", payload={})
        tick.created_at = T0 - timedelta(days=3)
        await session.flush()
        assert await prune_live_events(session, now=T0) == 2
        left = (await session.execute(select(Event.id).order_by(Event.id))).scalars().all()
        assert left == [*kept, tick.id]

    async def test_keeps_the_newest_event(self, session: AsyncSession) -> None:
        for _ in range(3):
            row = await append_event(session, topic="live.tick", entity_id=None, payload={})
            row.created_at = T0 - timedelta(days=3)
        await session.flush()
        assert await prune_live_events(session, now=T0) == 2
        assert (await session.execute(select(Event.id))).scalars().all() == [row.id]
