"""Child strategies from a thesis: family ranking, symbol choice, and spawning within limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import Conflict, InvalidInput, NotFound
from resolvers.hypotheses import add_hypothesis, create_hypothesis
from resolvers.hypothesis_spawn import (
    DEFAULT_FAMILIES,
    find_symbol,
    generate_hypothesis_strategies,
    plan_strategies,
    rank_families,
)
from resolvers.lab.services import Lab, LabConfig, build_lab
from resolvers.quant.strategies import FAMILIES
from storage.events import Event
from storage.strategies import LifecycleTransition, Strategy


class TestRankFamilies:
    def test_strongest_match_first(self) -> None:
        text = "Oversold bounces: RSI below 30 mean-reverts. Momentum is irrelevant."
        assert rank_families(text) == ["rsi_reversion", "bollinger_reversion", "macd_momentum"]

    def test_keyword_groups(self) -> None:
        assert rank_families("a moving average crossover") == ["ma_cross"]
        assert rank_families("Donchian channel breakout") == [
            "donchian_breakout",
            "squeeze_breakout",
        ]
        assert rank_families("volatility compression, then a squeeze") == ["squeeze_breakout"]
        assert rank_families("TREND and MACD") == ["macd_momentum", "ma_cross"]

    def test_whole_words_only(self) -> None:
        assert rank_families("cinema, drsi, bandwidth, estrangement") == []

    def test_ties_keep_the_family_order(self) -> None:
        ranked = rank_families("trend")
        assert ranked == sorted(ranked, key=list(FAMILIES).index) == ["ma_cross", "macd_momentum"]


class TestFindSymbol:
    @pytest.mark.parametrize(
        ("text", "symbol"),
        [
            ("ETH funding skews", "ETH-USD"),
            ("solana and then bitcoin", "SOL-USD"),
            ("Trades BTC-USD perps; ETH later", "BTC-USD"),
            ("XBT futures basis", "BTC-USD"),
            ("the SOLUSDT pair", "SOL-USD"),
            ("Ethereum gas spikes", "ETH-USD"),
        ],
    )
    def test_first_coin_named(self, text: str, symbol: str) -> None:
        assert find_symbol(text) == symbol

    @pytest.mark.parametrize("text", ["the link between sol and ada", "ETHERNET", "nothing"])
    def test_no_coin(self, text: str) -> None:
        assert find_symbol(text) is None


class TestPlanStrategies:
    def test_defaults_without_a_match(self) -> None:
        plans = plan_strategies(title="Vague", text="markets move")
        assert [p.family for p in plans] == list(DEFAULT_FAMILIES)
        assert {(p.symbol, p.timeframe) for p in plans} == {("BTC-USD", "1h")}
        assert plans[0].name == "Vague · Moving-average cross"

    def test_count_fills_after_the_ranked_families(self) -> None:
        plans = plan_strategies(title="t", text="squeeze", count=4)
        assert [p.family for p in plans] == ["squeeze_breakout", *DEFAULT_FAMILIES]
        everything = plan_strategies(title="t", text="squeeze", count=len(FAMILIES))
        assert sorted(p.family for p in everything) == sorted(FAMILIES)

    def test_default_count_is_capped(self) -> None:
        text = "trend momentum reversion breakout squeeze"
        assert len(plan_strategies(title="t", text=text)) == len(FAMILIES)
        assert len(plan_strategies(title="t", text=text, default_cap=2)) == 2

    @pytest.mark.parametrize("count", [0, -1, len(FAMILIES) + 1])
    def test_count_out_of_range(self, count: int) -> None:
        with pytest.raises(InvalidInput) as caught:
            plan_strategies(title="t", text="trend", count=count)
        assert caught.value.details["field"] == "count"

    def test_explicit_market_and_long_titles(self) -> None:
        plans = plan_strategies(
            title="x" * 300, text="ETH trend", symbol="sol-usd", timeframe="4h", count=1
        )
        assert (plans[0].symbol, plans[0].timeframe) == ("SOL-USD", "4h")
        assert len(plans[0].name) == 200 and plans[0].name.endswith("… · Moving-average cross")
        with pytest.raises(InvalidInput):
            plan_strategies(title="t", text="", timeframe="2h")
        with pytest.raises(InvalidInput):
            plan_strategies(title="t", text="", symbol="  ")


async def _count(session: AsyncSession, model: type) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


class TestGenerateStrategies:
    async def test_spawns_from_the_text(self, session: AsyncSession, lab: Lab) -> None:
        parent = await create_hypothesis(
            session,
            title="ETH squeeze",
            thesis="After volatility compression ETH breaks out.",
            mechanism="Keltner squeeze",
        )
        result = await generate_hypothesis_strategies(session, hypothesis_id=parent.id, lab=lab)
        assert result.hypothesis_id == parent.id
        rows = list(result.strategies)
        assert [r.family for r in rows] == ["squeeze_breakout", "donchian_breakout"]
        for row in rows:
            assert (row.symbol, row.timeframe, row.source, row.stage) == (
                "ETH-USD",
                "1h",
                "generated",
                "quick_screen",
            )
            assert row.params == FAMILIES[row.family].defaults()
            assert row.name.startswith("ETH squeeze · ")
        actors = (await session.execute(select(LifecycleTransition.actor))).scalars().all()
        assert actors == ["hypothesis", "hypothesis"]
        event = (
            await session.execute(
                select(Event).where(Event.topic == "hypothesis.strategies_generated")
            )
        ).scalar_one()
        assert event.payload["strategy_ids"] == [r.id for r in rows]

    async def test_a_spawn_limit_refusal_creates_nothing(self, session: AsyncSession) -> None:
        parent = await create_hypothesis(session, title="t", thesis="trend")
        lab = build_lab(config=LabConfig(spawn_per_run=2, spawn_window_limit=3))
        with pytest.raises(InvalidInput) as caught:
            await generate_hypothesis_strategies(session, hypothesis_id=parent.id, count=3, lab=lab)
        assert caught.value.code == "SPAWN_LIMIT_REACHED"
        assert caught.value.details["limit"] == "per_run"
        await generate_hypothesis_strategies(session, hypothesis_id=parent.id, count=2, lab=lab)
        with pytest.raises(InvalidInput) as caught:
            await generate_hypothesis_strategies(session, hypothesis_id=parent.id, count=2, lab=lab)
        assert caught.value.details["limit"] == "window"
        assert await _count(session, Strategy) == 2

    async def test_the_default_count_stays_within_the_per_run_limit(
        self, session: AsyncSession
    ) -> None:
        parent = await create_hypothesis(
            session, title="t", thesis="trend momentum reversion breakout squeeze"
        )
        lab = build_lab(config=LabConfig(spawn_per_run=3))
        result = await generate_hypothesis_strategies(session, hypothesis_id=parent.id, lab=lab)
        assert len(result.strategies) == 3

    async def test_strategies_older_than_the_window_free_their_slots(
        self, session: AsyncSession
    ) -> None:
        parent = await create_hypothesis(session, title="t")
        lab = build_lab(config=LabConfig(spawn_window_limit=3, spawn_window_hours=1))
        first = await generate_hypothesis_strategies(
            session, hypothesis_id=parent.id, count=3, lab=lab
        )
        with pytest.raises(InvalidInput):
            await generate_hypothesis_strategies(session, hypothesis_id=parent.id, count=1, lab=lab)
        oldest = await session.get(Strategy, first.strategies[0].id)  # the row, not the view
        assert oldest is not None
        oldest.created_at = datetime.now(UTC) - timedelta(hours=2)
        await session.flush()
        result = await generate_hypothesis_strategies(
            session, hypothesis_id=parent.id, count=1, lab=lab
        )
        assert len(result.strategies) == 1

    async def test_unknown_and_archived_hypotheses(self, session: AsyncSession, lab: Lab) -> None:
        with pytest.raises(NotFound):
            await generate_hypothesis_strategies(session, hypothesis_id=999, lab=lab)
        parent = await add_hypothesis(session, title="old")
        parent.status = "archived"
        with pytest.raises(Conflict) as caught:
            await generate_hypothesis_strategies(session, hypothesis_id=parent.id, lab=lab)
        assert caught.value.code == "HYPOTHESIS_ARCHIVED"
        assert await _count(session, Strategy) == 0
