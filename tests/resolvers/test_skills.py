"""Skill figures computed by hand from rows the test writes, and the declining rule."""

from __future__ import annotations

import math
import statistics
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import NotFound
from resolvers.skills import get_skill, list_declining_skills, list_skills
from resolvers.skills_figures import SECONDS_PER_YEAR, DecliningThresholds
from storage.research.verdict import BacktestTrial
from storage.trades import Trade
from tests.resolvers.factories import make_strategy

T0 = datetime(2026, 1, 1, tzinfo=UTC)


async def trials(session: AsyncSession, family: str, sharpes: list[float]) -> None:
    for i, sharpe in enumerate(sharpes):
        session.add(BacktestTrial(family=family, params_key=f"{family}{i}", params={"i": i},
                                  sharpe_annualized=sharpe, bars=500))  # fmt: skip
    await session.flush()


async def closed_trades(
    session: AsyncSession, strategy_id: int, pnls: list[float], *, phase: str = "paper",
    start: int = 0,
) -> None:  # fmt: skip
    """Trades of notional 100 (price 100 x size 1) closing a day apart."""
    for i, pnl in enumerate(pnls, start):
        session.add(Trade(strategy_id=strategy_id, symbol="BTC-USD", side="buy", size=1.0,
                          entry_price=100.0, exit_price=100.0 + pnl, pnl=pnl, status="closed",
                          phase=phase, opened_at=T0 + timedelta(days=i, hours=-1),
                          closed_at=T0 + timedelta(days=i)))  # fmt: skip
    await session.flush()


def by_hand(pnls: list[float]) -> float:
    returns = [p / 100.0 for p in pnls]
    per_year = (len(pnls) - 1) / ((len(pnls) - 1) * 86400 / SECONDS_PER_YEAR)
    return statistics.fmean(returns) / statistics.stdev(returns) * math.sqrt(per_year)


async def test_catalog_holds_families_then_indicators(session: AsyncSession) -> None:
    skills = await list_skills(session)
    names = [s.name for s in skills]
    assert names[:2] == ["ma_cross", "rsi_reversion"] and "sma" in names and "keltner" in names
    sma = next(s for s in skills if s.name == "sma")
    assert (sma.kind, sma.families) == ("indicator", ["ma_cross"])
    squeeze = await get_skill(session, skill_name="squeeze_breakout")
    assert squeeze.indicators == ["bollinger", "keltner", "rolling_max"]
    assert squeeze.backtest.trials == 0 and squeeze.paper.trades == 0
    assert squeeze.paper.win_rate is None and squeeze.paper.rolling_sharpe is None


async def test_figures_by_hand(session: AsyncSession) -> None:
    strategy = await make_strategy(session)  # an ma_cross strategy
    await trials(session, "ma_cross", [0.5, 2.0, 1.0])
    await trials(session, "rsi_reversion", [9.0])
    pnls = [3.0, -1.0, 2.0, -2.0, 4.0]
    await closed_trades(session, strategy.id, pnls)
    await closed_trades(session, strategy.id, [5.0], phase="live", start=10)
    session.add(Trade(strategy_id=strategy.id, symbol="BTC-USD", side="buy", size=1.0,
                      entry_price=100.0, status="open", phase="paper"))  # fmt: skip
    await session.flush()
    skill = await get_skill(session, skill_name="ma_cross")
    assert (skill.backtest.trials, skill.backtest.median_sharpe, skill.backtest.best_sharpe) == (
        3,
        1.0,
        2.0,
    )
    paper = skill.paper
    assert (paper.trades, paper.wins, paper.win_rate, paper.pnl) == (5, 3, 0.6, 6.0)
    assert paper.rolling_trades == 5 and paper.rolling_sharpe == pytest.approx(by_hand(pnls))
    assert (skill.live.trades, skill.live.pnl, skill.live.rolling_sharpe) == (1, 5.0, None)
    sma = await get_skill(session, skill_name="sma")  # the indicator of ma_cross: its figures
    assert (sma.backtest.trials, sma.paper.trades, sma.paper.pnl) == (3, 5, 6.0)
    window = await get_skill(
        session, skill_name="ma_cross", thresholds=DecliningThresholds(window=3)
    )
    assert window.paper.rolling_sharpe == pytest.approx(by_hand(pnls[-3:]))


async def test_unknown_skill(session: AsyncSession) -> None:
    with pytest.raises(NotFound) as caught:
        await get_skill(session, skill_name="astrology")
    assert caught.value.code == "UNKNOWN_SKILL"


async def test_declining_after_the_minimum_count(session: AsyncSession) -> None:
    strategy = await make_strategy(session)
    await trials(session, "ma_cross", [1.5, 2.5])  # expectation: median 2.0
    losing = [-1.0, -2.0, 0.5, -1.5]  # repeats to a clearly negative Sharpe
    await closed_trades(session, strategy.id, (losing * 5)[:19])
    before = await list_declining_skills(session)
    assert before.skills == []
    assert (await get_skill(session, skill_name="ma_cross")).declining is False
    await closed_trades(session, strategy.id, [-1.0], start=19)  # the 20th trade
    after = await list_declining_skills(session)
    assert after.rule.min_trades == 20 and after.rule.window == 30 and after.rule.margin == 1.0
    assert "20 closed" in after.rule.rule
    flagged = {(d.name, d.phase) for d in after.skills}
    assert flagged == {("ma_cross", "paper"), ("sma", "paper")}
    decline = next(d for d in after.skills if d.name == "ma_cross")
    assert decline.expectation == 2.0 and decline.trades == 20
    assert decline.rolling_sharpe == pytest.approx(by_hand((losing * 5)[:19] + [-1.0]))
    assert decline.shortfall == pytest.approx(2.0 - decline.rolling_sharpe)
    assert (await get_skill(session, skill_name="ma_cross")).declining is True


async def test_good_paper_trades_do_not_decline(session: AsyncSession) -> None:
    strategy = await make_strategy(session)
    await trials(session, "ma_cross", [1.0])
    await closed_trades(session, strategy.id, [2.0, 1.0, 3.0, 0.5] * 6)
    assert (await list_declining_skills(session)).skills == []
