"""The agents' runtime loop: one step per agent per tick, a failing agent does not stop the
others, and on PostgreSQL an agent another instance is stepping is skipped, not doubled."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import server.halyrd_runner as runner
from resolvers.halyrd.agents import spawn_agent
from resolvers.market.feed import MarketFeed
from resolvers.trading_agents import ensure_seed_agent
from server.demo import MARKET_ORIGIN
from storage.engine import create_engine, create_session_factory
from storage.halyrd import AgentEquity
from storage.locks import lock_key, try_transaction_lock

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


async def _agents(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session:
        await ensure_seed_agent(session)
        await spawn_agent(session, name="Scout")
        await session.commit()


async def _snapshots(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    async with sessions() as session:
        rows = await session.execute(
            select(AgentEquity.trading_agent_id, func.count()).group_by(
                AgentEquity.trading_agent_id
            )
        )
        return {agent: count for agent, count in rows}


async def test_every_agent_steps_once_per_tick(session_factory: Any) -> None:
    await _agents(session_factory)
    feed = MarketFeed(seed=7, origin=MARKET_ORIGIN)
    await runner.step_all(session_factory, None, feed, NOW)
    assert await _snapshots(session_factory) == {"seed": 1, "scout": 1}


async def test_a_failing_agent_does_not_stop_the_others(
    session_factory: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    await _agents(session_factory)
    real = runner.step_agent

    async def flaky(session: AsyncSession, *, agent_id: str, **kw: Any) -> Any:
        if agent_id == "seed":
            raise RuntimeError("exchange on fire")
        return await real(session, agent_id=agent_id, **kw)

    monkeypatch.setattr(runner, "step_agent", flaky)
    await runner.step_all(session_factory, None, MarketFeed(seed=7, origin=MARKET_ORIGIN), NOW)
    assert await _snapshots(session_factory) == {"scout": 1}
    assert "agent seed: step" in caplog.text


def test_lock_keys_are_stable_and_distinct() -> None:
    assert lock_key("halyrd.step:seed") == lock_key("halyrd.step:seed")
    assert lock_key("halyrd.step:seed") != lock_key("halyrd.step:scout")


async def test_sqlite_always_grants_the_lock(session: AsyncSession) -> None:
    assert await try_transaction_lock(session, "x") and await try_transaction_lock(session, "x")


async def test_postgres_skips_an_agent_another_instance_is_stepping(postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    sessions = create_session_factory(engine)
    try:
        await _agents(sessions)
        async with sessions() as holder:
            assert await try_transaction_lock(holder, "halyrd.step:seed")
            async with sessions() as other:
                assert not await try_transaction_lock(other, "halyrd.step:seed")
            feed = MarketFeed(seed=7, origin=MARKET_ORIGIN)
            await runner.step_all(sessions, None, feed, NOW)
            assert await _snapshots(sessions) == {"scout": 1}  # seed was skipped
            await holder.rollback()  # the other instance finishes: the lock is free again
        await runner.step_all(sessions, None, feed, NOW)
        assert await _snapshots(sessions) == {"seed": 1, "scout": 1}
    finally:
        await engine.dispose()
