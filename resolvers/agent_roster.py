"""The trading agents on record: the Agent view, lookups by id (`current`: the running one),
the event payload and heartbeats. Below agent creation (resolvers/trading_agents.py) and
resolvers/halyrd/."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from sqlalchemy import Connection, Row, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.choices import AGENT_STATUS, MARKET_MODE, PHASE
from resolvers.errors import NotFound
from resolvers.views import Doc, View, from_row, to_payload
from storage.base import utcnow
from storage.reads import read
from storage.trading_agents import TradingAgent

SEED_AGENT_ID = "seed"
CURRENT_ALIAS = "current"


@dataclass(frozen=True, slots=True)
class Agent(View):
    """A Halyrd trading agent."""

    rest_name = "Agent"
    graphql_name = "TradingAgent"  # GraphQL's `Agent` is the Forven research agent

    id: str
    name: str
    status: Annotated[str, AGENT_STATUS]
    phase: Annotated[str, PHASE]
    market_mode: Annotated[str, MARKET_MODE]
    last_heartbeat: datetime | None
    # GraphQL answers it (schema/trading_agents.py); the REST Agent does not have it
    twak_session: Annotated[str, Doc(hidden=True)]


def trading_agent_view(row: TradingAgent | Row[Any]) -> Agent:
    """The API's view of a trading agent row."""
    return from_row(Agent, row)


def trading_agent_payload(row: TradingAgent) -> dict[str, object]:
    """A trading agent event's payload: the agent as the REST API answers it."""
    return to_payload(trading_agent_view(row))


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


AGENTS = TradingAgent.__table__
_COLUMNS = [AGENTS.c[name] for name in Agent.__dataclass_fields__]  # the view's, no more
_BY_ID = select(*_COLUMNS).where(AGENTS.c.id == bindparam("agent_id"))
_RUNNING = select(*_COLUMNS).where(AGENTS.c.is_running.is_(True)).limit(1)


def _agent_row(connection: Connection, agent_id: str) -> Row[Any] | None:
    if agent_id == CURRENT_ALIAS:
        return connection.execute(_RUNNING).first()
    return connection.execute(_BY_ID, {"agent_id": agent_id}).first()


def _agents_by_ids(connection: Connection, ids: Sequence[str]) -> list[Row[Any]]:
    return list(connection.execute(select(*_COLUMNS).where(AGENTS.c.id.in_(ids))))


async def get_trading_agent_view(session: AsyncSession, *, agent_id: str) -> Agent:
    """One trading agent by id as the APIs answer it; `current` resolves to the running agent
    (on the read path: storage/reads.py)."""
    row = await read(session, _agent_row, agent_id)
    if row is None:
        raise NotFound(f"agent {agent_id} not found", details={"id": agent_id})
    return trading_agent_view(row)


async def list_trading_agents(session: AsyncSession) -> list[Agent]:
    """Every trading agent, oldest first."""
    stmt = select(TradingAgent).order_by(TradingAgent.created_at, TradingAgent.id)
    return [trading_agent_view(row) for row in (await session.execute(stmt)).scalars()]


async def get_trading_agents_by_ids(
    session: AsyncSession, *, ids: Sequence[str]
) -> list[Agent | None]:
    rows = await read(session, _agents_by_ids, ids)
    found = {row.id: trading_agent_view(row) for row in rows}
    return [found.get(i) for i in ids]


async def record_heartbeat(
    session: AsyncSession, *, agent_id: str, at: datetime | None = None
) -> TradingAgent:
    """Stamp the agent's last heartbeat."""
    row = await get_trading_agent(session, agent_id=agent_id)
    row.last_heartbeat = at or utcnow()
    await session.flush()
    return row
