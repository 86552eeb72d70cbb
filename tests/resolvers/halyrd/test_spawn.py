"""Spawning agents beside the running one: ids, configs, conflicts, `current` unchanged."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.agent_roster import get_trading_agent, list_trading_agents
from resolvers.errors import Conflict, InvalidInput
from resolvers.halyrd.agents import spawn_agent
from resolvers.halyrd.config import parse_config
from resolvers.halyrd.config_versions import list_config_versions
from resolvers.trading_agents import ensure_seed_agent
from storage.events import Event
from storage.trading_agents import TradingAgent


async def agent_count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(TradingAgent)) or 0)


class TestSpawnAgent:
    async def test_a_paper_agent_beside_the_running_one(self, session: AsyncSession) -> None:
        await ensure_seed_agent(session)
        agent = await spawn_agent(session, name="Momentum Scout")
        assert agent.id == "momentum-scout" and agent.name == "Momentum Scout"
        assert (agent.status, agent.phase, agent.is_running) == ("PAPER", "paper", False)
        assert [a.id for a in await list_trading_agents(session)] == ["seed", "momentum-scout"]
        assert (await get_trading_agent(session, agent_id="current")).id == "seed"
        assert (await get_trading_agent(session, agent_id="momentum-scout")) is agent

    async def test_initial_version_and_created_event(self, session: AsyncSession) -> None:
        agent = await spawn_agent(session, name="Scout")
        (version,) = await list_config_versions(session, agent_id=agent.id)
        assert version.change == "spawn" and version.parent_id is None and version.active
        assert agent.config == version.params and agent.config_version_id == version.id
        topics = (
            await session.execute(select(Event.topic).where(Event.entity_id == agent.id))
        ).scalars()
        assert "trading_agent.created" in set(topics)

    async def test_slugs_are_made_unique(self, session: AsyncSession) -> None:
        ids = [(await spawn_agent(session, name="Night Owl")).id for _ in range(3)]
        assert ids == ["night-owl", "night-owl-2", "night-owl-3"]
        assert (await spawn_agent(session, name="  ¡¡ !! ")).id == "agent"
        assert (await spawn_agent(session, name="Current")).id == "agent-2"

    async def test_market_mode_goes_to_spec_and_executor(self, session: AsyncSession) -> None:
        agent = await spawn_agent(session, name="Perp", market_mode="perp")
        config = parse_config(agent.config)
        assert (config.strategy.market_mode, config.executor_mode, agent.market_mode) == (
            "perp",
            "perp",
            "perp",
        )

    async def test_config_may_say_otherwise(self, session: AsyncSession) -> None:
        agent = await spawn_agent(
            session,
            name="Mixed",
            market_mode="perp",
            config={
                "executor_mode": "spot",
                "strategy": {"family": "rsi_reversion", "params": {"period": 7}},
                "watchlist": ["DOGE-USD"],
            },
        )
        config = parse_config(agent.config)
        assert config.executor_mode == "spot" and agent.market_mode == "spot"
        assert config.strategy.market_mode == "perp"
        assert config.strategy.family == "rsi_reversion"
        assert config.strategy.params == {"period": 7, "lower": 30.0, "upper": 70.0, "exit": 50.0}
        assert config.watchlist == ("DOGE-USD",)

    async def test_explicit_ids(self, session: AsyncSession) -> None:
        await ensure_seed_agent(session)
        assert (await spawn_agent(session, name="A", agent_id="alpha-1")).id == "alpha-1"
        for taken in ("alpha-1", "seed"):
            with pytest.raises(Conflict) as caught:
                await spawn_agent(session, name="B", agent_id=taken)
            assert caught.value.code == "AGENT_EXISTS" and caught.value.status == 409
        assert await agent_count(session) == 2

    @pytest.mark.parametrize("bad", ["Alpha", "a_b", "", "x" * 61, "current", "a b"])
    async def test_invalid_ids(self, session: AsyncSession, bad: str) -> None:
        with pytest.raises(InvalidInput) as caught:
            await spawn_agent(session, name="A", agent_id=bad)
        assert caught.value.code == "INVALID_AGENT_ID"
        assert caught.value.details["field"] == "agent_id"

    @pytest.mark.parametrize(
        ("kwargs", "field"),
        [
            ({"name": "   "}, "name"),
            ({"name": "A", "market_mode": "futures"}, "market_mode"),
            ({"name": "A", "config": {"strategy": {"family": "tarot"}}}, "strategy.family"),
            ({"name": "A", "config": {"risk": {"daily_loss": 2}}}, "risk.daily_loss"),
            ({"name": "A", "config": ["not", "an", "object"]}, "config"),
        ],
    )
    async def test_bad_input_creates_nothing(
        self, session: AsyncSession, kwargs: dict[str, object], field: str
    ) -> None:
        with pytest.raises(InvalidInput) as caught:
            await spawn_agent(session, **kwargs)  # type: ignore[arg-type]
        assert caught.value.details["field"] == field
        assert await agent_count(session) == 0
