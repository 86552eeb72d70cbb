"""A backtest Run's figures, each with the exact definition it uses.

r is Run.bar_returns() (the equity's simple return per bar, bar 0 against the capital), B the
number of bars, and Y = 365 x 86,400 / interval_seconds the bars in a 365-day year.
- total_return = final_equity / capital - 1; net_pnl = final_equity - capital.
- cagr = (final_equity / capital) ** (Y / B) - 1: the bars span B intervals, from the first
  bar's open to the last bar's close; -1 when the equity is gone, inf past a float's range.
- sharpe = mean(r) / std(r, ddof=1); sortino = mean(r) / sqrt(mean(min(r, 0) ** 2)), both at
  the bar frequency and 0 when the denominator is 0 (a flat curve, or no losing bar) or B < 2;
  the _annualized ones are times sqrt(Y).
- max_drawdown = max(1 - equity / running peak of equity), capped at 1 (all was lost).
- win_rate = closed trades with pnl > 0 / closed trades, None without closed trades;
  profit_factor = sum of winning pnl / -sum of losing pnl, None without a losing trade.
- exposure = bars held (Run.held != 0) / B; trades = closed count; open_trades = the rest;
  fees = every fill's fee (an open trade's entry leg included).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from resolvers.quant.engine import Run
from resolvers.quant.market import SECONDS_PER_YEAR


@dataclass(frozen=True, slots=True)
class Performance:
    """The figures of one Run (module docstring for each definition)."""

    total_return: float
    cagr: float
    sharpe: float
    sortino: float
    sharpe_annualized: float
    sortino_annualized: float
    max_drawdown: float
    win_rate: float | None
    profit_factor: float | None
    exposure: float
    trades: int
    open_trades: int
    fees: float
    net_pnl: float
    final_equity: float
    bars: int


def max_drawdown(equity: npt.ArrayLike) -> float:
    """Largest fall from a running peak as a fraction: max of 1 - equity / running max."""
    values = np.asarray(equity, dtype=np.float64)
    if len(values) == 0:
        return 0.0
    peaks = np.maximum.accumulate(values)
    if (peaks <= 0).any():
        raise ValueError("drawdown is only defined while the running peak is positive")
    return float(max(0.0, float(np.max(1.0 - values / peaks))))


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator > 0 else 0.0


def _cagr(growth: float, periods_per_year: float) -> float:
    if growth <= 0:
        return -1.0
    try:
        return float(growth**periods_per_year - 1.0)
    except OverflowError:  # a short, lucky run compounded over a year
        return math.inf


def performance(result: Run) -> Performance:
    """Every figure of the module docstring for one Run."""
    equity, capital, trades = result.equity, result.capital, result.trades
    bars = len(equity)
    final = float(equity[-1])
    returns = result.bar_returns()
    mean = float(np.mean(returns))
    spread = float(np.std(returns, ddof=1)) if bars > 1 else 0.0
    downside = math.sqrt(float(np.mean(np.minimum(returns, 0.0) ** 2)))
    sharpe = _ratio(mean, spread)
    sortino = _ratio(mean, downside) if bars > 1 else 0.0
    per_year = SECONDS_PER_YEAR / result.candles.interval_seconds
    growth = final / capital
    closed = trades.closed
    pnl = trades.pnl[closed]
    gains, losses = float(pnl[pnl > 0].sum()), float(-pnl[pnl < 0].sum())
    # The running peak starts at the capital (bar 0 is never held), so it stays positive.
    drawdown = max_drawdown(np.concatenate(([capital], equity)))
    return Performance(
        total_return=growth - 1.0,
        cagr=_cagr(growth, per_year / bars),
        sharpe=sharpe,
        sortino=sortino,
        sharpe_annualized=sharpe * math.sqrt(per_year),
        sortino_annualized=sortino * math.sqrt(per_year),
        max_drawdown=min(drawdown, 1.0),
        win_rate=float(np.count_nonzero(pnl > 0)) / len(pnl) if len(pnl) else None,
        profit_factor=gains / losses if losses > 0 else None,
        exposure=float(np.count_nonzero(result.held)) / bars,
        trades=len(pnl),
        open_trades=len(trades) - len(pnl),
        fees=float(trades.fees.sum()),
        net_pnl=final - capital,
        final_equity=final,
        bars=bars,
    )
