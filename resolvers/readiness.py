"""Promotion readiness: the concrete gates between stages, each with its value and threshold.

POST /api/lifecycle/transition enforces the gates of its target (409 NOT_READY, naming the
failing ones); the pipeline job promotes only when they pass. Every threshold is in GATES.

- research_only (leaving the quick screen) and paper rest on a screening backtest: the
  strategy's family and params on its symbol and timeframe over the lab feed's last
  SCREEN_BARS closed bars up to the lab clock (fewer near the start of the data). It holds one
  position worth SCREEN_CAPITAL at the first bar's close (a fixed base size, long or short as
  the family says), run by the backtest engine (resolvers/quant/engine.py: fills at the next
  bar's open with its default costs, the same as /backtests). Figures, as
  resolvers/quant/performance.py defines them: trades = closed round trips; sharpe = its
  sharpe_annualized (mean / sample stdev of the per-bar returns of the equity curve marked at
  each close, times sqrt(bars per 365-day year), 0 when flat); max_drawdown = largest fall
  from a running equity peak, as a fraction (1 once everything is lost); profit_factor =
  gross profit / gross loss of the closed trades, null when there is no losing trade (then it
  passes when at least one trade won: nothing was lost).
- paper also needs the gauntlet: gauntlet_passed is true when the strategy's newest gauntlet
  workflow on its current family and parameters passed every verdict test (POST
  /api/gauntlet/strategies/{id}/workflow; the pipeline job starts one for a research_only
  strategy whose screening gates pass).
- live rests on the paper record: the strategy's closed paper-phase trades and their net pnl,
  the days since it last entered paper (lifecycle history, on the lab clock), and whether
  live routing is enabled at all (false while the lab is hard-locked to paper, the default:
  then no strategy can go live, and the checklist says so).
A strategy at live has no next stage: target null, no gates, not ready.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.choices import STAGE
from resolvers.lab.services import Lab
from resolvers.quant.engine import backtest
from resolvers.quant.market import Candles
from resolvers.quant.performance import performance
from resolvers.research.gauntlet_gate import gauntlet_passed
from resolvers.strategies import TIMEFRAME_SECONDS, strategy_row
from resolvers.views import OneOf, View
from storage.strategies import STAGES, LifecycleTransition, Strategy
from storage.trades import Trade

SCREEN_BARS = 1_000
SCREEN_CAPITAL = 10_000.0
SECONDS_PER_DAY = 86_400

Value = int | float | bool | None
COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "==": operator.eq,
}


@dataclass(frozen=True)
class GateSpec:
    name: str
    description: str
    comparison: str
    threshold: int | float | bool


GATES: dict[str, tuple[GateSpec, ...]] = {
    "research_only": (
        GateSpec("backtest_trades", "closed trades in the screening backtest", ">=", 10),
    ),
    "paper": (
        GateSpec("backtest_trades", "closed trades in the screening backtest", ">=", 30),
        GateSpec("backtest_sharpe", "annualised Sharpe ratio of the backtest equity", ">=", 0.5),
        GateSpec("backtest_max_drawdown", "largest backtest drawdown (fraction)", "<=", 0.25),
        GateSpec("backtest_profit_factor", "gross profit / gross loss", ">=", 1.1),
        GateSpec(
            "gauntlet_passed",
            "a gauntlet on the current family and parameters passed every verdict test",
            "==",
            True,
        ),
    ),
    "live": (
        GateSpec("paper_closed_trades", "closed paper trades", ">=", 10),
        GateSpec("paper_days", "days since the strategy entered paper", ">=", 7),
        GateSpec("paper_net_pnl", "net pnl of the closed paper trades", ">", 0.0),
        GateSpec("live_routing_enabled", "live order routing is unlocked", "==", True),
    ),
}


@dataclass(frozen=True, slots=True)
class ReadinessGate(View):
    """One promotion gate: its current value against its threshold."""

    name: str
    description: str
    value: Annotated[
        float | bool | None, "the current figure (a number or a boolean); null when undefined"
    ]
    threshold: Annotated[float | bool, "the number or boolean it is held against"]
    comparison: Annotated[str, OneOf((">=", "<=", ">", "=="))]
    passed: bool


@dataclass(frozen=True, slots=True)
class StrategyReadiness(View):
    """The checklist a transition to the next stage enforces."""

    strategy_id: int
    stage: Annotated[str, STAGE]
    target: Annotated[str | None, STAGE, "the next stage; null at live"]
    ready: Annotated[bool, "every gate passes (false at live)"]
    gates: list[ReadinessGate]


@dataclass(frozen=True)
class ScreenFigures:
    trades: int
    sharpe: float
    max_drawdown: float
    profit_factor: float | None
    any_win: bool


def screen(candles: Candles, family: str, params: dict[str, object]) -> ScreenFigures:
    """The screening backtest's figures (see the module docstring); pure numpy."""
    if len(candles) < 2:
        return ScreenFigures(0, 0.0, 0.0, None, False)
    size = SCREEN_CAPITAL / float(candles.close[0])
    figures = performance(backtest(candles, family, params, capital=SCREEN_CAPITAL, size=size))
    return ScreenFigures(
        trades=figures.trades,
        sharpe=figures.sharpe_annualized,
        max_drawdown=figures.max_drawdown,
        profit_factor=figures.profit_factor,
        any_win=bool(figures.win_rate),
    )


Measured = dict[str, tuple[Value, bool | None]]  # gate name -> (value, pass override)


def _gate(spec: GateSpec, value: Value, passed: bool | None) -> ReadinessGate:
    if passed is None:
        passed = value is not None and COMPARE[spec.comparison](value, spec.threshold)
    return ReadinessGate(
        spec.name, spec.description, value, spec.threshold, spec.comparison, passed
    )


def _screen_values(strategy: Strategy, lab: Lab, now: datetime) -> Measured:
    interval = TIMEFRAME_SECONDS[strategy.timeframe]
    candles = lab.feed.candles(strategy.symbol, interval, now, SCREEN_BARS)
    figures = screen(candles, strategy.family, strategy.params)
    factor = figures.profit_factor
    return {
        "backtest_trades": (figures.trades, None),
        "backtest_sharpe": (round(figures.sharpe, 6), None),
        "backtest_max_drawdown": (round(figures.max_drawdown, 6), None),
        # no losing trade: undefined ratio, passed when something was won
        "backtest_profit_factor": (
            (None, figures.any_win) if factor is None else (round(factor, 6), None)
        ),
    }


async def _paper_values(
    session: AsyncSession, strategy: Strategy, lab: Lab, now: datetime
) -> Measured:
    count, net = (
        await session.execute(
            select(func.count(Trade.id), func.coalesce(func.sum(Trade.pnl), 0.0)).where(
                Trade.strategy_id == strategy.id, Trade.phase == "paper", Trade.status == "closed"
            )
        )
    ).one()
    entered = await session.scalar(
        select(LifecycleTransition.created_at)
        .where(
            LifecycleTransition.strategy_id == strategy.id, LifecycleTransition.to_stage == "paper"
        )
        .order_by(LifecycleTransition.id.desc())
        .limit(1)
    )
    days = 0.0 if entered is None else max(0.0, (now - entered).total_seconds() / SECONDS_PER_DAY)
    return {
        "paper_closed_trades": (int(count), None),
        "paper_days": (round(days, 6), None),
        "paper_net_pnl": (round(float(net or 0.0), 6), None),
        "live_routing_enabled": (not lab.config.paper_locked, None),
    }


async def evaluate_gates(
    session: AsyncSession, *, strategy: Strategy, target: str, lab: Lab, now: datetime
) -> list[ReadinessGate]:
    """The gates guarding `target` for `strategy`, computed at `now` (lab time)."""
    if target == "live":
        measured = await _paper_values(session, strategy, lab, now)
    else:
        measured = _screen_values(strategy, lab, now)
    if target == "paper":
        measured["gauntlet_passed"] = (await gauntlet_passed(session, strategy=strategy), None)
    return [_gate(spec, *measured[spec.name]) for spec in GATES[target]]


def next_stage(stage: str) -> str | None:
    """The only stage a strategy at `stage` may move to (None at the end)."""
    index = STAGES.index(stage)
    return STAGES[index + 1] if index + 1 < len(STAGES) else None


async def readiness_of(
    session: AsyncSession, *, strategy: Strategy, lab: Lab, now: datetime
) -> StrategyReadiness:
    """The checklist for the strategy's next stage."""
    target = next_stage(strategy.stage)
    gates = (
        []
        if target is None
        else await evaluate_gates(session, strategy=strategy, target=target, lab=lab, now=now)
    )
    ready = target is not None and all(g.passed for g in gates)
    return StrategyReadiness(strategy.id, strategy.stage, target, ready, gates)


async def get_strategy_readiness(
    session: AsyncSession, *, strategy_id: int, lab: Lab
) -> StrategyReadiness:
    """The promotion-readiness checklist of one strategy, at the lab clock's now."""
    strategy = await strategy_row(session, strategy_id=strategy_id)
    return await readiness_of(session, strategy=strategy, lab=lab, now=lab.clock.now())
