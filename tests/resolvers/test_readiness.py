"""The readiness checklist: the gates of each target, their values, and the screening backtest."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import NotFound
from resolvers.lab.services import Lab
from resolvers.quant.market import Candles
from resolvers.readiness import GATES, SCREEN_BARS, get_strategy_readiness, screen
from tests.resolvers.lifecycle_kit import (
    GOOD,
    NOW,
    THIN,
    WEAK,
    fixed_lab,
    make,
    paper_record,
    pass_gauntlet,
    walk,
)


def _candles(close: list[float] | np.ndarray, interval: int = 3600) -> Candles:
    prices = np.asarray(close, dtype=np.float64)
    n = len(prices)
    return Candles(
        symbol="TEST",
        interval_seconds=interval,
        ts=np.arange(n, dtype=np.int64) * interval + 1_767_225_600,
        open=prices.copy(),
        high=prices * 1.001,
        low=prices * 0.999,
        close=prices,
        volume=np.ones(n),
    )


def _by_name(readiness: object) -> dict[str, object]:
    return {g.name: g for g in readiness.gates}  # type: ignore[attr-defined]


class TestScreen:
    def test_a_rising_market_held_long_has_no_closed_trade(self) -> None:
        figures = screen(_candles(np.linspace(100, 200, 300)), "ma_cross", {})
        # one long that never closes: no round trips, so no profit factor and no win
        assert (figures.trades, figures.profit_factor, figures.any_win) == (0, None, False)
        assert figures.sharpe > 0
        assert figures.max_drawdown < 0.01  # only the entry's fee and slippage

    def test_sharpe_is_annualised_by_the_bar_length(self) -> None:
        prices = 100 + 10 * np.sin(np.arange(400) / 7.0)
        hourly = screen(_candles(prices, 3600), "bollinger_reversion", {})
        daily = screen(_candles(prices, 86_400), "bollinger_reversion", {})
        assert hourly.trades == daily.trades > 0
        assert hourly.sharpe == pytest.approx(daily.sharpe * math.sqrt(24))

    def test_profit_factor_is_gross_profit_over_gross_loss(self) -> None:
        prices = 100 + 10 * np.sin(np.arange(400) / 7.0) + np.linspace(0, 30, 400)
        figures = screen(_candles(prices), "macd_momentum", {})
        assert figures.trades > 2 and figures.profit_factor is not None
        assert figures.profit_factor > 0

    def test_too_few_bars_screen_to_nothing(self) -> None:
        figures = screen(_candles([100.0]), "ma_cross", {})
        assert (figures.trades, figures.sharpe, figures.max_drawdown) == (0, 0.0, 0.0)


class TestGetStrategyReadiness:
    async def test_quick_screen_checks_the_trade_count(self, session: AsyncSession) -> None:
        lab = fixed_lab()
        good = await get_strategy_readiness(
            session, strategy_id=(await make(session, GOOD, lab=lab)).id, lab=lab
        )
        assert (good.stage, good.target, good.ready) == ("quick_screen", "research_only", True)
        [gate] = good.gates
        assert (gate.name, gate.comparison, gate.threshold) == ("backtest_trades", ">=", 10)
        assert isinstance(gate.value, int) and gate.value >= 10 and gate.passed

        thin = await get_strategy_readiness(
            session, strategy_id=(await make(session, THIN, lab=lab)).id, lab=lab
        )
        [gate] = thin.gates
        assert isinstance(gate.value, int) and gate.value < 10
        assert not gate.passed and not thin.ready

    async def test_research_only_checks_the_backtest_quality(self, session: AsyncSession) -> None:
        lab = fixed_lab()
        good = await walk(session, await make(session, GOOD, lab=lab), "research_only", lab=lab)
        weak = await walk(session, await make(session, WEAK, lab=lab), "research_only", lab=lab)
        before = _by_name(await get_strategy_readiness(session, strategy_id=good.id, lab=lab))
        assert not before["gauntlet_passed"].passed  # type: ignore[attr-defined]
        assert all(g.passed for n, g in before.items() if n != "gauntlet_passed")  # type: ignore[attr-defined]
        await pass_gauntlet(session, good)
        passing = await get_strategy_readiness(session, strategy_id=good.id, lab=lab)
        failing = await get_strategy_readiness(session, strategy_id=weak.id, lab=lab)
        assert [g.name for g in passing.gates] == [s.name for s in GATES["paper"]]
        assert passing.target == "paper" and passing.ready
        gates = _by_name(failing)
        assert not failing.ready
        assert gates["backtest_trades"].passed  # type: ignore[attr-defined]
        assert gates["backtest_sharpe"].value < 0.5  # type: ignore[attr-defined]
        assert gates["backtest_max_drawdown"].value > 0.25  # type: ignore[attr-defined]
        assert not any(g.passed for n, g in gates.items() if n != "backtest_trades")  # type: ignore[attr-defined]

    async def test_the_gauntlet_gate_follows_the_current_parameters(
        self, session: AsyncSession
    ) -> None:
        lab = fixed_lab()
        good = await walk(session, await make(session, GOOD, lab=lab), "research_only", lab=lab)
        workflow = await pass_gauntlet(session, good)
        assert (await get_strategy_readiness(session, strategy_id=good.id, lab=lab)).ready
        good.params = {**good.params, "period": 21}  # judged no longer
        gates = _by_name(await get_strategy_readiness(session, strategy_id=good.id, lab=lab))
        assert not gates["gauntlet_passed"].passed  # type: ignore[attr-defined]
        good.params = dict(workflow.params)
        workflow.status = "failed"
        gates = _by_name(await get_strategy_readiness(session, strategy_id=good.id, lab=lab))
        assert not gates["gauntlet_passed"].passed  # type: ignore[attr-defined]

    async def test_the_same_moment_gives_the_same_checklist(self, session: AsyncSession) -> None:
        lab = fixed_lab()
        strategy = await walk(session, await make(session, GOOD, lab=lab), "research_only", lab=lab)
        first = await get_strategy_readiness(session, strategy_id=strategy.id, lab=lab)
        assert await get_strategy_readiness(session, strategy_id=strategy.id, lab=lab) == first

    async def test_the_backtest_follows_the_lab_clock(self, session: AsyncSession) -> None:
        strategy = await walk(session, await make(session, GOOD), "research_only")
        lab = fixed_lab()
        at_now = await get_strategy_readiness(session, strategy_id=strategy.id, lab=lab)
        lab = fixed_lab(now=NOW - timedelta(hours=SCREEN_BARS))  # a window with no bar in common
        earlier = await get_strategy_readiness(session, strategy_id=strategy.id, lab=lab)
        assert [g.value for g in at_now.gates] != [g.value for g in earlier.gates]

    async def test_paper_checks_the_paper_record(self, session: AsyncSession) -> None:
        lab = fixed_lab()
        strategy = await walk(
            session,
            await make(session, lab=lab),
            "paper",
            paper_since=NOW - timedelta(days=3, hours=12),
            lab=lab,
        )
        await paper_record(session, strategy, trades=4, pnl=2.5)
        result = await get_strategy_readiness(session, strategy_id=strategy.id, lab=lab)
        assert result.target == "live" and not result.ready
        values = {g.name: (g.value, g.passed) for g in result.gates}
        assert values == {
            "paper_closed_trades": (4, False),
            "paper_days": (3.5, False),
            "paper_net_pnl": (10.0, True),
            "live_routing_enabled": (False, False),
        }

    async def test_a_full_paper_record_waits_only_on_live_routing(
        self, session: AsyncSession
    ) -> None:
        lab = fixed_lab()
        strategy = await walk(session, await make(session, lab=lab), "paper", lab=lab)
        await paper_record(session, strategy)
        locked = await get_strategy_readiness(session, strategy_id=strategy.id, lab=lab)
        assert [g.name for g in locked.gates if not g.passed] == ["live_routing_enabled"]
        lab = fixed_lab(live=True)
        assert (await get_strategy_readiness(session, strategy_id=strategy.id, lab=lab)).ready

    async def test_live_has_nothing_left(self, session: AsyncSession) -> None:
        lab = fixed_lab()
        strategy = await walk(session, await make(session, lab=lab), "live", lab=lab)
        result = await get_strategy_readiness(session, strategy_id=strategy.id, lab=lab)
        assert (result.stage, result.target, result.ready, result.gates) == (
            "live",
            None,
            False,
            [],
        )

    async def test_unknown_strategy(self, session: AsyncSession, lab: Lab) -> None:
        with pytest.raises(NotFound):
            await get_strategy_readiness(session, strategy_id=404, lab=lab)
