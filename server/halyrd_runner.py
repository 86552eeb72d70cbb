"""The Halyrd agents' runtime: one step per agent, each in its own transaction; the
scheduler's agent_tick job (server/jobs.py) calls `step_all` every tick.

A step (resolvers/halyrd/runtime.py) trades the agent's watchlist on the market feed, records
equity and moves its status; its events are published after the commit like any request's.
A failing step is logged and retried on the next tick; it never stops the other agents.
Several instances sharing one PostgreSQL database may step at once, but a step holds the
agent's advisory lock for its transaction (storage/locks.py) and an instance that finds it
taken skips that agent for this tick; after the holder commits, the next step sees the
positions it left, so no order is placed twice.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from resolvers.agent_roster import list_trading_agents
from resolvers.halyrd.runtime import step_agent
from resolvers.market.feed import MarketFeed, configure_feed
from server.demo import MARKET_ORIGIN
from server.settings import Settings
from storage.locks import try_transaction_lock
from storage.outbox import Publisher, commit_and_publish

log = logging.getLogger("tradegraph.halyrd")


def market_feed(settings: Settings) -> MarketFeed:
    """The process-wide feed: the same seed and origin give the same prices after a restart."""
    feed = MarketFeed(seed=settings.market_seed, origin=MARKET_ORIGIN, ohlcv_dir=settings.ohlcv_dir)
    configure_feed(feed)
    return feed


async def step_all(
    sessions: async_sessionmaker[AsyncSession],
    publish: Publisher | None,
    feed: MarketFeed,
    now: datetime,
) -> None:
    """One step for every agent; an agent's failure does not stop the others."""
    async with sessions() as session:
        agent_ids = [agent.id for agent in await list_trading_agents(session)]
    for agent_id in agent_ids:
        try:
            async with sessions() as session:
                if not await try_transaction_lock(session, f"halyrd.step:{agent_id}"):
                    continue  # another instance is stepping this agent right now
                await step_agent(session, agent_id=agent_id, now=now, feed=feed)
                await commit_and_publish(session, publish)
        except Exception:
            log.exception("agent %s: step at %s failed; retrying next tick", agent_id, now)
