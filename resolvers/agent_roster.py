"""The trading agents on record: lookups by id (`current`: the running one), the event payload
and heartbeats. Below agent creation (resolvers/trading_agents.py) and resolvers/halyrd/."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import NotFound
from storage.base import utcnow
from storage.trading_agents import TradingAgent

SEED_AGENT_ID = "seed"
CURRENT_ALIAS = "current"


def trading_agent_payload(row: TradingAgent) -> dict[str, object]:
    return {"id": row.id, "status": row.status, "phase": row.phase, "market_mode": row.market_mode}


async def get_trading_agent(session: AsyncSession, *, agent_id: str) -> TradingAgent:
    """One trading agent by id; `current` resolves to the running agent."""
    if agent_id == CURRENT_ALIAS:
        stmt = select(TradingAgent).where(TradingAgent.is_running.is_(True)).limit(1)
        row = (await session.execute(stmt)).scalar_one_or_none()
    else:
        row = await session.get(TradingAgent, agent_id)
    if row is None:
        raise NotFound(f"agent {agent_id} not found", details={"id": agent_id})
    return row


async def list_trading_agents(session: AsyncSession) -> list[TradingAgent]:
    """Every trading agent, oldest first."""
    stmt = select(TradingAgent).order_by(TradingAgent.created_at, TradingAgent.id)
    return list((await session.execute(stmt)).scalars())


async def get_trading_agents_by_ids(
    session: AsyncSession, *, ids: Sequence[str]
) -> list[TradingAgent | None]:
    rows = (await session.execute(select(TradingAgent).where(TradingAgent.id.in_(ids)))).scalars()
    found = {row.id: row for row in rows}
    return [found.get(i) for i in ids]


async def record_heartbeat(
    session: AsyncSession, *, agent_id: str, at: datetime | None = None
) -> TradingAgent:
    """Stamp the agent's last heartbeat."""
    row = await get_trading_agent(session, agent_id=agent_id)
    row.last_heartbeat = at or utcnow()
    await session.flush()
    return row
