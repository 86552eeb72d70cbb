"""Demo data: made by the resolvers, every stage present, the same for the same seed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.demo import seed_demo, stage_for
from storage.approvals import Approval
from storage.engine import create_engine, create_session_factory
from storage.events import Event
from storage.migrate import upgrade_sync
from storage.strategies import STAGES, Strategy
from storage.trades import Trade
from storage.trading_agents import TradingAgent

END = datetime(2026, 11, 1, tzinfo=UTC)


async def _fingerprint(factory: async_sessionmaker[AsyncSession]) -> list[tuple[object, ...]]:
    async with factory() as session:
        rows = await session.execute(
            select(Trade.symbol, Trade.side, Trade.size, Trade.entry_price, Trade.pnl).order_by(
                Trade.id
            )
        )
        return [tuple(r) for r in rows]


async def _seeded(tmp: Path, seed: int) -> async_sessionmaker[AsyncSession]:
    url = f"sqlite+aiosqlite:///{tmp / f'demo{seed}.db'}"
    upgrade_sync(url)
    factory = create_session_factory(create_engine(url))
    assert await seed_demo(factory, None, seed=seed, days=10, end=END)
    return factory


def test_stage_ranking_covers_every_stage() -> None:
    assert {stage_for(rank, 18) for rank in range(18)} == set(STAGES)
    assert stage_for(0, 18) == "live" and stage_for(17, 18) == "quick_screen"


async def test_every_stage_trades_approvals_and_the_seed_agent(tmp_path: Path) -> None:
    factory = await _seeded(tmp_path, 7)
    async with factory() as session:
        stages = set((await session.execute(select(Strategy.stage))).scalars())
        assert stages == set(STAGES)
        statuses = set((await session.execute(select(Approval.status))).scalars())
        assert {"pending", "approved"} <= statuses
        assert await session.get(TradingAgent, "seed") is not None
        agent_trades = await session.scalar(
            select(func.count()).where(Trade.trading_agent_id == "seed")
        )
        assert agent_trades and agent_trades > 0
        events = await session.scalar(select(func.count()).select_from(Event))
        assert events and events > 0
        closed = (await session.execute(select(Trade).where(Trade.status == "closed"))).scalars()
        for trade in closed:
            assert trade.exit_price is not None and trade.pnl is not None
            gross = (trade.exit_price - trade.entry_price) * trade.size
            expected = (gross if trade.side == "buy" else -gross) - trade.fees
            assert abs(trade.pnl - expected) < 1e-6


async def test_same_seed_same_data_and_no_reseed(tmp_path: Path) -> None:
    a = await _seeded(tmp_path, 11)
    other = tmp_path / "other"
    other.mkdir()
    b = await _seeded(other, 11)
    c = await _seeded(tmp_path, 12)
    assert await _fingerprint(a) == await _fingerprint(b)
    assert await _fingerprint(a) != await _fingerprint(c)
    assert not await seed_demo(a, None, seed=11, days=10, end=END)
