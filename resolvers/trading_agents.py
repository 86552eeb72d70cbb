"""Halyrd trading agents: the running `seed` agent, created here, and any spawned beside it
(resolvers/halyrd/agents.py); lookups live below both in resolvers/agent_roster.py."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.agent_roster import (
    SEED_AGENT_ID,
    get_trading_agent,
    get_trading_agent_view,
    list_trading_agents,
    trading_agent_payload,
)
from resolvers.halyrd.agents import default_config
from resolvers.halyrd.config_versions import commit_version
from storage.outbox import append_event
from storage.trading_agents import TradingAgent

# the route catalog names these here (codegen/catalog/halyrd.py)
__all__ = [
    "ensure_seed_agent",
    "get_trading_agent",
    "get_trading_agent_view",
    "list_trading_agents",
]


async def ensure_seed_agent(session: AsyncSession, *, market_mode: str = "spot") -> TradingAgent:
    """The `seed` agent, created in PAPER on first use and marked as the running one, with the
    default config (strategy and executor in `market_mode`) as its initial ConfigVersion.

    A seed agent from before config versions existed gets its initial version here too."""
    row = await session.get(TradingAgent, SEED_AGENT_ID)
    if row is None:
        config = default_config(market_mode=market_mode)
        row = TradingAgent(
            id=SEED_AGENT_ID,
            name="Halyrd",
            status="PAPER",
            phase="paper",
            market_mode=config.executor_mode,
            is_running=True,
            config=config.to_dict(),
        )
        session.add(row)
        await session.flush()
        await append_event(
            session,
            topic="trading_agent.created",
            entity_id=row.id,
            payload=trading_agent_payload(row),
        )
        await commit_version(session, agent=row, config=config, change="initial")
    elif row.config_version_id is None:
        config = default_config(market_mode=row.market_mode, config=row.config or None)
        await commit_version(session, agent=row, config=config, change="initial")
    return row
