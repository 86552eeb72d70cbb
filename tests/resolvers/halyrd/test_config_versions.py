"""The ConfigVersion tree: initial versions, branches, outcomes from real records, bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import DomainError, InvalidInput, NotFound
from resolvers.halyrd.agents import spawn_agent
from resolvers.halyrd.config import AgentConfig, parse_config
from resolvers.halyrd.config_versions import list_config_versions, patch_config
from resolvers.halyrd.equity import record_snapshot
from resolvers.halyrd.watchlist import put_watchlist
from resolvers.trades import close_trade, open_trade
from resolvers.trading_agents import ensure_seed_agent
from storage.halyrd import ConfigVersion, JournalEntry
from storage.trading_agents import TradingAgent

# Versions made here start after the seed's initial one, which starts at the wall clock.
T0 = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


async def trade(
    session: AsyncSession, *, pnl_per_unit: float, opened: float, closed: float, agent: str = "seed"
) -> None:
    """A long of 1 unit from 100, opened and closed at the given hours after T0."""
    row = await open_trade(
        session,
        symbol="BTC-USD",
        side="buy",
        size=1.0,
        entry_price=100.0,
        trading_agent_id=agent,
        opened_at=at(opened),
    )
    await close_trade(
        session, trade_id=row.id, exit_price=100.0 + pnl_per_unit, closed_at=at(closed)
    )


async def version_count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(ConfigVersion)) or 0)


class TestInitialVersion:
    async def test_seed_agent_starts_with_the_default_config(self, session: AsyncSession) -> None:
        agent = await ensure_seed_agent(session)
        (initial,) = await list_config_versions(session, agent_id="current")
        assert initial.change == "initial" and initial.parent_id is None
        assert initial.active and initial.outcome is None
        assert initial.run_period.to is None and initial.run_period.from_ is not None
        assert agent.config == parse_config({}).to_dict() == initial.params
        assert agent.config_version_id == initial.id
        assert "ma_cross" in initial.params_summary
        journal = (await session.execute(select(JournalEntry))).scalars().all()
        assert [(j.kind, j.data["version_id"]) for j in journal] == [("config", initial.id)]

    async def test_ensuring_again_adds_nothing(self, session: AsyncSession) -> None:
        await ensure_seed_agent(session)
        await ensure_seed_agent(session)
        assert await version_count(session) == 1

    async def test_perp_seed_runs_perp_on_both_sides(self, session: AsyncSession) -> None:
        agent = await ensure_seed_agent(session, market_mode="perp")
        config = parse_config(agent.config)
        assert (config.strategy.market_mode, config.executor_mode) == ("perp", "perp")
        assert agent.market_mode == "perp"

    async def test_a_seed_from_before_versions_gets_one(self, session: AsyncSession) -> None:
        session.add(TradingAgent(id="seed", name="Halyrd", market_mode="spot", is_running=True))
        await session.flush()
        agent = await ensure_seed_agent(session)
        (initial,) = await list_config_versions(session, agent_id="seed")
        assert agent.config_version_id == initial.id and initial.change == "initial"


class TestTree:
    async def test_changes_chain_and_a_parent_id_branches(self, session: AsyncSession) -> None:
        agent = await ensure_seed_agent(session)
        v1 = agent.config_version_id
        v2 = await put_watchlist(
            session, agent_id="seed", symbols=["ETH-USD", "SOL-USD"], now=at(1)
        )
        v3 = await patch_config(
            session,
            agent_id="current",
            evaluation_config_patch={"risk": {"max_drawdown": 0.1}},
            now=at(2),
        )
        v4 = await patch_config(
            session,
            agent_id="seed",
            evaluation_config_patch={"evaluation": {"trade_floor": 5}},
            parent_id=v1,
            now=at(3),
        )
        versions = await list_config_versions(session, agent_id="seed")
        assert [v.id for v in versions] == [v1, v2.id, v3.id, v4.id]
        assert [v.parent_id for v in versions] == [None, v1, v2.id, v1]
        assert [v.change for v in versions] == ["initial", "watchlist", "config", "config"]
        assert [v.active for v in versions] == [False, False, False, True]
        assert [v.run_period.to for v in versions] == [at(1), at(2), at(3), None]
        assert [v.run_period.from_ for v in versions[1:]] == [at(1), at(2), at(3)]
        assert all(v.outcome is not None for v in versions[:3]) and versions[3].outcome is None
        # The branch runs v1's config with the patch: v2's watchlist and v3's limit are gone.
        branch = parse_config(v4.params)
        assert branch.watchlist == AgentConfig().watchlist
        assert branch.risk.max_drawdown == AgentConfig().risk.max_drawdown
        assert branch.evaluation.trade_floor == 5
        assert agent.config == v4.params and agent.config_version_id == v4.id
        assert parse_config(v3.params).watchlist == ("ETH-USD", "SOL-USD")

    async def test_watchlist_is_normalised(self, session: AsyncSession) -> None:
        await ensure_seed_agent(session)
        version = await put_watchlist(
            session, agent_id="seed", symbols=[" eth-usd ", "ETH-USD", "avax-usd"]
        )
        assert version.params["watchlist"] == ["ETH-USD", "AVAX-USD"]

    async def test_every_version_is_journaled(self, session: AsyncSession) -> None:
        await ensure_seed_agent(session)
        v2 = await put_watchlist(session, agent_id="seed", symbols=["XRP-USD"], now=at(1))
        entries = (await session.execute(select(JournalEntry).order_by(JournalEntry.id))).scalars()
        last = list(entries)[-1]
        assert last.kind == "config" and last.data["version_id"] == v2.id
        assert last.data["change"] == "watchlist" and last.ts == at(1)


class TestOutcome:
    async def test_outcomes_come_from_trades_and_equity_in_the_period(
        self, session: AsyncSession
    ) -> None:
        await ensure_seed_agent(session)
        await spawn_agent(session, name="Other", agent_id="other")
        v2 = await put_watchlist(session, agent_id="seed", symbols=["ETH-USD"], now=at(0))
        await record_snapshot(session, agent_id="seed", ts=at(-0.5), equity=10_000, phase="paper")
        await trade(session, pnl_per_unit=10, opened=0.1, closed=0.5)
        await trade(session, pnl_per_unit=-5, opened=0.6, closed=0.9)
        await trade(session, pnl_per_unit=999, opened=0.2, closed=1.5)  # closes under v3
        await trade(session, pnl_per_unit=777, opened=0.2, closed=0.7, agent="other")
        for hour, equity in ((0.25, 10_010), (0.5, 9_900), (0.75, 10_005)):
            await record_snapshot(
                session, agent_id="seed", ts=at(hour), equity=equity, phase="paper"
            )
        v3 = await patch_config(
            session,
            agent_id="seed",
            evaluation_config_patch={"risk": {"daily_loss": 0.04}},
            now=at(1),
        )
        await record_snapshot(session, agent_id="seed", ts=at(1.2), equity=11_004, phase="paper")
        v4 = await patch_config(
            session,
            agent_id="seed",
            evaluation_config_patch={"risk": {"daily_loss": 0.03}},
            now=at(2),
        )
        await trade(session, pnl_per_unit=-20, opened=2.1, closed=2.5)
        v5 = await put_watchlist(session, agent_id="seed", symbols=["BTC-USD"], now=at(3))

        versions = {v.id: v for v in await list_config_versions(session, agent_id="seed")}
        first = versions[v2.id].outcome
        assert first is not None
        assert first["trades"] == 2 and first["net_pnl"] == pytest.approx(5.0)
        assert first["return_pct"] == pytest.approx(100 * 5 / 10_000)  # from the 10 000 before
        assert first["max_drawdown"] == pytest.approx(1 - 9_900 / 10_010)
        assert first["verdict"] == "baseline"  # its parent, the initial version, had no trades
        second = versions[v3.id].outcome
        assert second is not None
        assert second["trades"] == 1 and second["net_pnl"] == pytest.approx(999.0)
        assert second["return_pct"] == pytest.approx(100 * 999 / 10_005)
        assert second["max_drawdown"] == 0.0 and second["verdict"] == "better"
        third = versions[v4.id].outcome
        assert third is not None
        assert third["trades"] == 1 and third["verdict"] == "worse"
        assert third["return_pct"] == pytest.approx(100 * -20 / 11_004)
        assert versions[v5.id].outcome is None
        initial = versions[versions[v2.id].parent_id or 0].outcome
        assert initial is not None and initial["verdict"] == "no_trades"


class TestBadInput:
    @pytest.mark.parametrize(
        ("symbols", "code"),
        [
            ([], "WATCHLIST_EMPTY"),
            ([f"S{i}-USD" for i in range(21)], "WATCHLIST_TOO_LONG"),
            (["BTC-USD", "NOPE-USD"], "UNKNOWN_SYMBOL"),
            ("BTC-USD", "VALIDATION_ERROR"),
            ([1, 2], "VALIDATION_ERROR"),
            (["btc-usd", "ETH-USD", "SOL-USD"], "CONFIG_UNCHANGED"),
        ],
    )
    async def test_bad_watchlists(self, session: AsyncSession, symbols: object, code: str) -> None:
        await ensure_seed_agent(session)
        with pytest.raises(InvalidInput) as caught:
            await put_watchlist(session, agent_id="seed", symbols=symbols)  # type: ignore[arg-type]
        assert caught.value.code == code and caught.value.details["field"] == "symbols"
        assert await version_count(session) == 1

    @pytest.mark.parametrize(
        ("patch", "code", "field"),
        [
            ({}, "VALIDATION_ERROR", "evaluation_config_patch"),
            ({"risk": {"max_drawdown": 0.15}}, "CONFIG_UNCHANGED", "evaluation_config_patch"),
            ({"risk": {"max_drawdown": 5}}, "VALIDATION_ERROR", "risk.max_drawdown"),
            ({"strategy": {"family": "astrology"}}, "VALIDATION_ERROR", "strategy.family"),
            ({"colour": "red"}, "VALIDATION_ERROR", "colour"),
        ],
    )
    async def test_bad_patches(
        self, session: AsyncSession, patch: dict[str, object], code: str, field: str
    ) -> None:
        await ensure_seed_agent(session)
        with pytest.raises(InvalidInput) as caught:
            await patch_config(session, agent_id="seed", evaluation_config_patch=patch)
        assert (caught.value.code, caught.value.details["field"]) == (code, field)
        assert await version_count(session) == 1

    async def test_parent_must_be_this_agents(self, session: AsyncSession) -> None:
        await ensure_seed_agent(session)
        other = await spawn_agent(session, name="Other")
        for parent_id in (other.config_version_id, 12345):
            with pytest.raises(InvalidInput) as caught:
                await put_watchlist(
                    session, agent_id="seed", symbols=["XRP-USD"], parent_id=parent_id
                )
            assert caught.value.code == "UNKNOWN_CONFIG_VERSION"
            assert caught.value.details["field"] == "parent_id"

    async def test_a_change_back_to_the_parent_config_is_unchanged(
        self, session: AsyncSession
    ) -> None:
        agent = await ensure_seed_agent(session)
        first = agent.config_version_id
        await put_watchlist(session, agent_id="seed", symbols=["XRP-USD"], now=at(1))
        with pytest.raises(DomainError) as caught:
            await put_watchlist(
                session, agent_id="seed", symbols=list(AgentConfig().watchlist), parent_id=first
            )
        assert caught.value.code == "CONFIG_UNCHANGED"

    async def test_unknown_agent(self, session: AsyncSession) -> None:
        with pytest.raises(NotFound):
            await list_config_versions(session, agent_id="ghost")
        with pytest.raises(NotFound):
            await patch_config(
                session, agent_id="ghost", evaluation_config_patch={"risk": {"max_drawdown": 0.1}}
            )
