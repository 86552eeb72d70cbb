"""A strategy's live chart: its target positions, its indicator lines and its trade markers.

The chart window is the lab feed's last `bars` closed bars (default DEFAULT_BARS, at most
MAX_BARS) of the strategy's symbol and timeframe up to the lab clock. Signals and indicator
lines are computed over the window plus a warm-up (WARMUP_FACTOR x the sum of the family's
whole-number parameters, its window lengths), so the first bar shown carries the value the
family would act on, not a cold start; a line is null only where the data itself is too
short. Markers come from the strategy's recorded trades (paper and live): an entry at each
opening, an exit at each closing, within the window's span (first bar's open time to now),
oldest first; at the same moment an exit comes before the entry that reversed it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.choices import TRADE_SIDE
from resolvers.errors import InvalidInput
from resolvers.lab.services import Lab
from resolvers.quant.family_series import family_series
from resolvers.quant.market import Candles
from resolvers.quant.strategies import FAMILIES
from resolvers.strategies import TIMEFRAME_SECONDS, strategy_row
from resolvers.views import OneOf, View
from storage.strategies import Strategy
from storage.trades import Trade

DEFAULT_BARS = 200
MAX_BARS = 2_000
WARMUP_FACTOR = 3


@dataclass(frozen=True, slots=True)
class StrategySignalPoint(View):
    """One bar of a strategy's signal chart."""

    ts: Annotated[datetime, "the bar's open time"]
    close: float
    position: Annotated[int, "the family's target after the close: -1/0/1"]


@dataclass(frozen=True, slots=True)
class StrategySignals(View):
    """A strategy's target position per bar of the chart window."""

    strategy_id: int
    symbol: str
    timeframe: str
    points: Annotated[list[StrategySignalPoint], "oldest first"]


@dataclass(frozen=True, slots=True)
class StrategyIndicatorPoint(View):
    """One value of an indicator line; null while the line warms up."""

    ts: datetime
    value: float | None


@dataclass(frozen=True, slots=True)
class StrategyIndicatorLine(View):
    """One of the family's indicator lines."""

    name: str
    points: list[StrategyIndicatorPoint]


@dataclass(frozen=True, slots=True)
class StrategyIndicators(View):
    """The strategy family's indicator lines over the chart window."""

    strategy_id: int
    symbol: str
    timeframe: str
    series: list[StrategyIndicatorLine]


@dataclass(frozen=True, slots=True)
class StrategyMarker(View):
    """An entry or exit of one of the strategy's trades."""

    ts: datetime
    kind: Annotated[str, OneOf(("entry", "exit"))]
    side: Annotated[str, TRADE_SIDE, "the trade's side (an exit closes it)"]
    price: Annotated[float, "entry or exit price"]
    trade_id: int


@dataclass(frozen=True, slots=True)
class StrategyMarkers(View):
    """Entry and exit markers within the chart window, oldest first."""

    strategy_id: int
    markers: list[StrategyMarker]


def _checked_bars(bars: int) -> int:
    if isinstance(bars, bool) or not isinstance(bars, int) or not 1 <= bars <= MAX_BARS:
        raise InvalidInput(f"bars must be between 1 and {MAX_BARS}", details={"field": "bars"})
    return bars


def warmup_bars(strategy: Strategy) -> int:
    """Extra bars computed before the window so that its first values are settled."""
    lengths = [
        int(strategy.params.get(spec.name, spec.default))
        for spec in FAMILIES[strategy.family].params
        if spec.kind == "int"
    ]
    return WARMUP_FACTOR * sum(lengths)


def _window(strategy: Strategy, lab: Lab, bars: int) -> tuple[Candles, int]:
    """The window's candles with their warm-up in front, and where the window starts."""
    interval = TIMEFRAME_SECONDS[strategy.timeframe]
    candles = lab.feed.candles(
        strategy.symbol, interval, lab.clock.now(), bars + warmup_bars(strategy)
    )
    return candles, max(0, len(candles) - bars)


async def _load(
    session: AsyncSession, strategy_id: int, bars: int, lab: Lab
) -> tuple[Strategy, Candles, int]:
    checked = _checked_bars(bars)
    strategy = await strategy_row(session, strategy_id=strategy_id)
    candles, start = _window(strategy, lab, checked)
    return strategy, candles, start


async def list_strategy_live_signals(
    session: AsyncSession, *, strategy_id: int, bars: int = DEFAULT_BARS, lab: Lab
) -> StrategySignals:
    """Close and the family's target position (-1/0/1) per bar of the chart window."""
    strategy, candles, start = await _load(session, strategy_id, bars, lab)
    positions = FAMILIES[strategy.family].signals(candles, strategy.params)
    points = [
        StrategySignalPoint(candles.time_at(i), float(candles.close[i]), int(positions[i]))
        for i in range(start, len(candles))
    ]
    return StrategySignals(strategy.id, strategy.symbol, strategy.timeframe, points)


async def list_strategy_live_indicators(
    session: AsyncSession, *, strategy_id: int, bars: int = DEFAULT_BARS, lab: Lab
) -> StrategyIndicators:
    """The family's indicator lines over the chart window (NaN becomes null)."""
    strategy, candles, start = await _load(session, strategy_id, bars, lab)
    times = [candles.time_at(i) for i in range(start, len(candles))]
    series = [
        StrategyIndicatorLine(
            name,
            [
                StrategyIndicatorPoint(ts, value if math.isfinite(value) else None)
                for ts, value in zip(times, values[start:].tolist(), strict=True)
            ],
        )
        for name, values in family_series(strategy.family, candles, strategy.params).items()
    ]
    return StrategyIndicators(strategy.id, strategy.symbol, strategy.timeframe, series)


async def list_strategy_live_markers(
    session: AsyncSession, *, strategy_id: int, bars: int = DEFAULT_BARS, lab: Lab
) -> StrategyMarkers:
    """Entry and exit markers of the strategy's trades within the chart window's span."""
    strategy, candles, start = await _load(session, strategy_id, bars, lab)
    now = lab.clock.now()
    since = candles.time_at(start) if len(candles) else now
    stmt = (
        select(Trade)
        .where(
            Trade.strategy_id == strategy.id,
            or_(Trade.opened_at >= since, Trade.closed_at >= since),
        )
        .order_by(Trade.id)
    )
    markers: list[StrategyMarker] = []
    for trade in (await session.execute(stmt)).scalars():
        if since <= trade.opened_at <= now:
            markers.append(
                StrategyMarker(trade.opened_at, "entry", trade.side, trade.entry_price, trade.id)
            )
        closed = trade.closed_at
        if closed is not None and trade.exit_price is not None and since <= closed <= now:
            markers.append(StrategyMarker(closed, "exit", trade.side, trade.exit_price, trade.id))
    markers.sort(key=lambda m: (m.ts, m.kind != "exit", m.trade_id))
    return StrategyMarkers(strategy.id, markers)
