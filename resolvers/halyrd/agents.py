"""Spawning agents beside the running one (POST /agents, the seed's roadmap multi-agent fleet).

Decisions a user would want to know:
- A spawned agent starts in PAPER and is not the running agent: `/agents/current` keeps
  resolving to the seed agent, and the new one is reached by its id.
- Its config is the defaults with `market_mode` as both the StrategySpec's mode and the
  executor's, then the submitted `config` deep-merged on top (so the config may say otherwise);
  the result is validated like any config and becomes version 1 of its tree (change "spawn").
- Ids are 1 to 60 characters of a-z, 0-9 and '-', never "current" (the alias). Without one the
  id is a slug of the name made unique with -2, -3, ...; a taken explicit id is 409 AGENT_EXISTS.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.agent_roster import (
    CURRENT_ALIAS,
    Agent,
    trading_agent_payload,
    trading_agent_view,
)
from resolvers.errors import Conflict, InvalidInput
from resolvers.halyrd.config import MARKET_MODES, AgentConfig, apply_patch, parse_config
from resolvers.halyrd.config_versions import commit_version
from resolvers.validation import require_text
from storage.outbox import append_event
from storage.trading_agents import TradingAgent

AGENT_ID = re.compile(r"[a-z0-9-]{1,60}")
SLUG_LENGTH = 50  # leaves room for a -NNN suffix within 60


def default_config(*, market_mode: str, config: Mapping[str, Any] | None = None) -> AgentConfig:
    """The default config in `market_mode`, with `config` deep-merged on top and validated."""
    if market_mode not in MARKET_MODES:
        raise InvalidInput("market_mode must be spot or perp", details={"field": "market_mode"})
    base = parse_config({"strategy": {"market_mode": market_mode}, "executor_mode": market_mode})
    if config is None:
        return base
    if not isinstance(config, Mapping):
        raise InvalidInput("config must be an object", details={"field": "config"})
    return apply_patch(base, config) if config else base


def slugify(name: str) -> str:
    """A lowercase a-z0-9 and '-' slug of a name ("agent" when nothing is left)."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:SLUG_LENGTH].strip("-")
    return slug if slug and slug != CURRENT_ALIAS else "agent"


async def spawn_agent(
    session: AsyncSession,
    *,
    name: str,
    agent_id: str | None = None,
    market_mode: str = "spot",
    config: dict[str, Any] | None = None,
) -> TradingAgent:
    """A new PAPER agent with its own validated config and initial version."""
    name = require_text("name", name, max_length=120)
    resolved = default_config(market_mode=market_mode, config=config)
    if agent_id is None:
        new_id = await _free_id(session, slugify(name))
    else:
        new_id = _checked_id(agent_id)
        if await session.get(TradingAgent, new_id) is not None:
            raise Conflict(
                f"agent {new_id} already exists",
                code="AGENT_EXISTS",
                details={"field": "agent_id", "id": new_id},
            )
    row = TradingAgent(
        id=new_id,
        name=name,
        status="PAPER",
        phase="paper",
        market_mode=resolved.executor_mode,
        is_running=False,
        config=resolved.to_dict(),
    )
    session.add(row)
    await session.flush()
    await append_event(
        session, topic="trading_agent.created", entity_id=row.id, payload=trading_agent_payload(row)
    )
    await commit_version(session, agent=row, config=resolved, change="spawn")
    return row


async def spawn_agent_view(
    session: AsyncSession,
    *,
    name: str,
    agent_id: str | None = None,
    market_mode: str = "spot",
    config: dict[str, Any] | None = None,
) -> Agent:
    """`spawn_agent`, answered as the APIs describe the new agent."""
    row = await spawn_agent(
        session, name=name, agent_id=agent_id, market_mode=market_mode, config=config
    )
    return trading_agent_view(row)


def _checked_id(agent_id: str) -> str:
    if not isinstance(agent_id, str) or not AGENT_ID.fullmatch(agent_id):
        raise InvalidInput(
            "agent_id must be 1 to 60 characters of a-z, 0-9 and '-'",
            code="INVALID_AGENT_ID",
            details={"field": "agent_id"},
        )
    if agent_id == CURRENT_ALIAS:
        raise InvalidInput(
            f"'{CURRENT_ALIAS}' is the alias of the running agent, not an id",
            code="INVALID_AGENT_ID",
            details={"field": "agent_id"},
        )
    return agent_id


async def _free_id(session: AsyncSession, slug: str) -> str:
    """`slug`, or `slug-N` with the smallest N >= 2 that no agent has."""
    stmt = select(TradingAgent.id).where(
        (TradingAgent.id == slug) | TradingAgent.id.startswith(f"{slug}-", autoescape=True)
    )
    taken = set((await session.execute(stmt)).scalars())
    if slug not in taken:
        return slug
    suffix = 2
    while f"{slug}-{suffix}" in taken:
        suffix += 1
    return f"{slug}-{suffix}"
