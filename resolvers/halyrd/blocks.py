"""Refused orders as the seed lists them: ts, layer, rule, reason, order_ref (and the code),
and every order the agent placed (GraphQL `orders`).

The order pipeline writes one RiskBlock per refused order in the same transaction as the order
and its journal entry; this module only reads them.
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.agent_roster import get_trading_agent
from resolvers.errors import InvalidInput
from storage.halyrd import AgentOrder, RiskBlock

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
Row = TypeVar("Row", RiskBlock, AgentOrder)


async def list_blocks(
    session: AsyncSession, *, agent_id: str, limit: int | None = None
) -> list[RiskBlock]:
    """The agent's most recent blocks (`current` allowed), newest first: 100 unless `limit`
    (1 to 500) says otherwise. Newest means most recently recorded (highest id), which is also
    the latest `ts` as long as the pipeline records blocks as they happen."""
    return await _newest(session, RiskBlock, agent_id=agent_id, limit=limit)


async def list_orders(
    session: AsyncSession, *, agent_id: str, limit: int | None = None
) -> list[AgentOrder]:
    """The agent's most recent orders, filled or blocked, newest first (same `limit` rule)."""
    return await _newest(session, AgentOrder, agent_id=agent_id, limit=limit)


async def _newest(
    session: AsyncSession, model: type[Row], *, agent_id: str, limit: int | None
) -> list[Row]:
    size = DEFAULT_LIMIT if limit is None else limit
    if not 1 <= size <= MAX_LIMIT:
        raise InvalidInput(
            f"limit must be between 1 and {MAX_LIMIT}", details={"field": "limit", "value": limit}
        )
    agent = await get_trading_agent(session, agent_id=agent_id)
    stmt = (
        select(model)
        .where(model.trading_agent_id == agent.id)
        .order_by(model.id.desc())
        .limit(size)
    )
    return list((await session.execute(stmt)).scalars())
