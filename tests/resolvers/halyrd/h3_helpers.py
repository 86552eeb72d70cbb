"""Agents, orders and row counts for the account, risk, signing and lifecycle tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.halyrd.config import parse_config
from resolvers.trades import open_trade
from storage.engine import create_engine, create_session_factory
from storage.events import Event
from storage.halyrd import AgentOrder, JournalEntry
from storage.trades import Trade
from storage.trading_agents import TradingAgent

T0 = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday, midnight UTC
DEFAULT_PHASE = {"PAPER": "paper", "ELIGIBLE": "paper", "LIVE": "live", "DEMOTED": "paper"}
DEFAULT_SESSION = {"PAPER": "none", "ELIGIBLE": "none", "LIVE": "active", "DEMOTED": "revoked"}


@asynccontextmanager
async def postgres_session(url: str) -> AsyncIterator[AsyncSession]:
    """A session on the migrated PostgreSQL schema of the `postgres_url` fixture."""
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session:
            yield session
    finally:
        await engine.dispose()


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


async def make_agent(
    session: AsyncSession,
    *,
    agent_id: str = "h3",
    status: str = "PAPER",
    config: dict[str, Any] | None = None,
    twak_session: str | None = None,
    window_started_at: datetime = T0,
    status_changed_at: datetime = T0,
    running: bool = True,
    name: str = "Test agent",
) -> TradingAgent:
    """An agent (the running one unless `running` is false) in `status` with its usual phase
    and signing session."""
    row = TradingAgent(
        id=agent_id,
        name=name,
        status=status,
        phase=DEFAULT_PHASE[status],
        market_mode="spot",
        is_running=running,
        config=parse_config(config).to_dict(),
        window_started_at=window_started_at,
        status_changed_at=status_changed_at,
        twak_session=twak_session or DEFAULT_SESSION[status],
    )
    session.add(row)
    await session.flush()
    return row


async def add_trade(
    session: AsyncSession,
    agent: TradingAgent,
    symbol: str,
    side: str,
    size: float,
    entry: float,
    *,
    fees: float = 0.0,
    phase: str = "paper",
    at: datetime = T0,
) -> Trade:
    """An open trade of the agent, through resolvers.trades."""
    return await open_trade(
        session,
        symbol=symbol,
        side=side,
        size=size,
        entry_price=entry,
        trading_agent_id=agent.id,
        fees=fees,
        phase=phase,
        opened_at=at,
    )


async def add_order(
    session: AsyncSession,
    agent: TradingAgent,
    *,
    ts: datetime,
    notional: float,
    symbol: str = "BTC-USD",
    price: float = 1000.0,
    side: str = "buy",
    phase: str = "paper",
    intent: str = "entry",
    status: str = "filled",
) -> AgentOrder:
    """An order row as the order pipeline writes it (size = notional / price)."""
    row = AgentOrder(
        trading_agent_id=agent.id,
        ts=ts,
        symbol=symbol,
        side=side,
        size=notional / price,
        price=price,
        notional=notional,
        phase=phase,
        intent=intent,
        status=status,
    )
    session.add(row)
    await session.flush()
    return row


async def record_counts(session: AsyncSession, agent_id: str) -> tuple[int, int]:
    """(journal entries, outbox events) written for the agent so far."""
    journal = await session.scalar(
        select(func.count(JournalEntry.id)).where(JournalEntry.trading_agent_id == agent_id)
    )
    events = await session.scalar(select(func.count(Event.id)).where(Event.entity_id == agent_id))
    return int(journal or 0), int(events or 0)


async def status_events(session: AsyncSession, agent_id: str) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(Event.payload)
        .where(Event.entity_id == agent_id, Event.topic == "halyrd.status")
        .order_by(Event.id)
    )
    return [dict(payload) for (payload,) in rows.all()]
