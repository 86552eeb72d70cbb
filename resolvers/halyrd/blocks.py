"""Refused orders as the seed lists them: ts, layer, rule, reason, order_ref (and the code),
and every order the agent placed (GraphQL `orders`).

The order pipeline writes one RiskBlock per refused order in the same transaction as the order
and its journal entry; this module only reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.agent_roster import get_trading_agent
from resolvers.choices import PHASE, TRADE_SIDE
from resolvers.errors import InvalidInput
from resolvers.views import Choices, View, from_row
from storage.halyrd import AgentOrder as AgentOrderRow
from storage.halyrd import RiskBlock as RiskBlockRow

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
Row = TypeVar("Row", RiskBlockRow, AgentOrderRow)

RISK_LAYER = Choices("RiskBlockLayer", ("policy", "quote", "mode", "signing"))
ORDER_INTENT = Choices("AgentOrderIntent", ("entry", "exit", "manual"))
ORDER_STATUS = Choices("AgentOrderStatus", ("filled", "blocked"))


@dataclass(frozen=True, slots=True)
class RiskBlock(View):
    """An order refused by the policy, quote, mode or signing layer."""

    ts: datetime
    layer: Annotated[str, RISK_LAYER]
    rule: str
    reason: str
    order_ref: Annotated[str, "the refused order, `ord_<id>`"]
    code: Annotated[str, "the error code the refusal answered with"]


@dataclass(frozen=True, slots=True)
class AgentOrder(View):
    """An order through the agent's layers."""

    order_ref: str
    ts: datetime
    symbol: str
    side: Annotated[str, TRADE_SIDE]
    size: float
    price: Annotated[float, "fill price (the venue mid when refused)"]
    notional: float
    phase: Annotated[str, PHASE]
    intent: Annotated[str, ORDER_INTENT]
    status: Annotated[str, ORDER_STATUS]
    code: str | None
    tx_hash: Annotated[str | None, "live orders: the signed tx"]
    trade_id: int | None


def block_view(row: RiskBlockRow) -> RiskBlock:
    """The API's view of a risk block row."""
    return from_row(RiskBlock, row)


def order_view(row: AgentOrderRow) -> AgentOrder:
    """The API's view of an agent order row."""
    return from_row(AgentOrder, row)


async def list_blocks(
    session: AsyncSession, *, agent_id: str, limit: int | None = None
) -> list[RiskBlockRow]:
    """The agent's most recent blocks (`current` allowed), newest first: 100 unless `limit`
    (1 to 500) says otherwise. Newest means most recently recorded (highest id), which is also
    the latest `ts` as long as the pipeline records blocks as they happen."""
    return await _newest(session, RiskBlockRow, agent_id=agent_id, limit=limit)


async def list_blocks_view(
    session: AsyncSession, *, agent_id: str, limit: int | None = None
) -> list[RiskBlock]:
    """`list_blocks` as the APIs answer it."""
    return [block_view(row) for row in await list_blocks(session, agent_id=agent_id, limit=limit)]


async def list_orders(
    session: AsyncSession, *, agent_id: str, limit: int | None = None
) -> list[AgentOrder]:
    """The agent's most recent orders, filled or blocked, newest first (same `limit` rule)."""
    rows = await _newest(session, AgentOrderRow, agent_id=agent_id, limit=limit)
    return [order_view(row) for row in rows]


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
