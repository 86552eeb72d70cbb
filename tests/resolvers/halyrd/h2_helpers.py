"""Agents, feeds and record reads for the market, quote, order and runtime tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.market.feed import MarketFeed
from storage.events import Event
from storage.halyrd import AgentEquity, AgentOrder, JournalEntry, RiskBlock
from storage.trades import Trade
from storage.trading_agents import TradingAgent
from tests.resolvers.halyrd import h3_helpers

ORIGIN = datetime(2026, 1, 1, tzinfo=UTC)
T0 = h3_helpers.T0  # a Monday, midnight UTC, 60 days of bars after ORIGIN
SEED = 11


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


def make_feed(seed: int = SEED, **kwargs: Any) -> MarketFeed:
    return MarketFeed(seed, ORIGIN, **kwargs)


async def make_agent(
    session: AsyncSession,
    *,
    agent_id: str = "h2",
    status: str = "PAPER",
    config: dict[str, Any] | None = None,
    twak_session: str | None = None,
    running: bool = True,
) -> TradingAgent:
    """An agent in `status` with that status's usual phase and signing session."""
    return await h3_helpers.make_agent(
        session,
        agent_id=agent_id,
        status=status,
        config=config,
        twak_session=twak_session,
        running=running,
        name=f"Agent {agent_id}",
    )


async def orders_of(session: AsyncSession, agent_id: str) -> list[AgentOrder]:
    stmt = select(AgentOrder).where(AgentOrder.trading_agent_id == agent_id)
    return list((await session.execute(stmt.order_by(AgentOrder.id))).scalars())


async def blocks_of(session: AsyncSession, agent_id: str) -> list[RiskBlock]:
    stmt = select(RiskBlock).where(RiskBlock.trading_agent_id == agent_id)
    return list((await session.execute(stmt.order_by(RiskBlock.id))).scalars())


async def journal_of(session: AsyncSession, agent_id: str) -> list[JournalEntry]:
    stmt = select(JournalEntry).where(JournalEntry.trading_agent_id == agent_id)
    return list((await session.execute(stmt.order_by(JournalEntry.id))).scalars())


async def trades_of(session: AsyncSession, agent_id: str) -> list[Trade]:
    stmt = select(Trade).where(Trade.trading_agent_id == agent_id)
    return list((await session.execute(stmt.order_by(Trade.id))).scalars())


async def equity_of(session: AsyncSession, agent_id: str) -> list[AgentEquity]:
    stmt = select(AgentEquity).where(AgentEquity.trading_agent_id == agent_id)
    return list((await session.execute(stmt.order_by(AgentEquity.ts_s))).scalars())


async def events_of(session: AsyncSession, agent_id: str, event_type: str) -> list[dict[str, Any]]:
    """The `{type, ts, data}` payloads of one Halyrd event type for the agent, oldest first."""
    stmt = select(Event.payload).where(
        Event.entity_id == agent_id, Event.topic == f"halyrd.{event_type}"
    )
    rows = (await session.execute(stmt.order_by(Event.id))).all()
    return [dict(payload) for (payload,) in rows]
