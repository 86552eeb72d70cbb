"""Agents, feeds and record reads for the market, quote, order and runtime tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.halyrd.config import parse_config
from resolvers.halyrd.market import MarketFeed
from storage.events import Event
from storage.halyrd import AgentEquity, AgentOrder, JournalEntry, RiskBlock
from storage.trades import Trade
from storage.trading_agents import TradingAgent

ORIGIN = datetime(2026, 1, 1, tzinfo=UTC)
T0 = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday, midnight UTC, 60 days of bars after ORIGIN
SEED = 11
PHASES = {"PAPER": "paper", "ELIGIBLE": "paper", "LIVE": "live", "DEMOTED": "paper"}
SESSIONS = {"PAPER": "none", "ELIGIBLE": "none", "LIVE": "active", "DEMOTED": "revoked"}


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
    row = TradingAgent(
        id=agent_id,
        name=f"Agent {agent_id}",
        status=status,
        phase=PHASES[status],
        market_mode="spot",
        is_running=running,
        config=parse_config(config).to_dict(),
        window_started_at=T0,
        status_changed_at=T0,
        twak_session=twak_session or SESSIONS[status],
    )
    session.add(row)
    await session.flush()
    return row


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
