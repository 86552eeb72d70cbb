"""Market and performance metrics over plain arrays: what the watchlist ranks symbols by and
what a backtest reports. Synchronous numpy, no I/O.

Market character (used to recommend a strategy preset):
- trend: the efficiency ratio (net move over the sum of bar-to-bar moves, signed, in [-1, 1]).
  A random walk's |ER| is about 1/sqrt(moves), so a window counts as trending when |ER| is at
  least TREND_SIGMAS times that, whatever its length.
- compression: recent volatility (the last RECENT_BARS log returns) below COMPRESSION_RATIO of
  the whole window's; checked first, because a squeeze is what precedes a breakout.
- range: neither.

Candidate score, in [0, 1]: 0.5 liquidity + 0.3 trend strength (|ER|) + 0.2 calm (1 - volatility),
each as a percentile rank within the universe. Liquidity weighs most because thin books mean
slippage and INSUFFICIENT_LIQUIDITY refusals; direction next because four of the six built-in
families trade it; calm last because volatility eats the drawdown and daily-loss limits.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pandas as pd

FloatArray = npt.NDArray[np.float64]
SECONDS_PER_YEAR = 365 * 24 * 3600
SECONDS_PER_DAY = 24 * 3600
TREND_SIGMAS = 2.0
COMPRESSION_RATIO = 0.6
RECENT_BARS = 20
SCORE_WEIGHTS = {"liquidity": 0.5, "trend": 0.3, "calm": 0.2}
CHARACTERS = ("trend", "range", "compression")


def _prices(close: npt.ArrayLike, *, minimum: int = 2) -> FloatArray:
    values = np.asarray(close, dtype=np.float64)
    if values.ndim != 1 or len(values) < minimum:
        raise ValueError(f"need a one-dimensional series of at least {minimum} prices")
    if not (np.isfinite(values).all() and (values > 0).all()):
        raise ValueError("prices must be positive and finite")
    return values


def log_returns(close: npt.ArrayLike) -> FloatArray:
    """Bar-to-bar log returns (one fewer than prices)."""
    return np.diff(np.log(_prices(close)))


def average_quote_volume(close: npt.ArrayLike, volume: npt.ArrayLike) -> float:
    """Mean traded notional per bar: close x base volume, in the quote currency."""
    prices = _prices(close, minimum=1)
    base = np.asarray(volume, dtype=np.float64)
    if base.shape != prices.shape:
        raise ValueError("close and volume must have the same length")
    return float(np.mean(prices * base))


def annualised_volatility(close: npt.ArrayLike, interval_seconds: int) -> float:
    """Sample standard deviation of log returns, scaled to a 365-day year."""
    if interval_seconds <= 0:
        raise ValueError("interval_seconds must be positive")
    returns = log_returns(_prices(close, minimum=3))
    return float(np.std(returns, ddof=1) * math.sqrt(SECONDS_PER_YEAR / interval_seconds))


def efficiency_ratio(close: npt.ArrayLike) -> float:
    """Signed Kaufman efficiency ratio: (last - first) / sum |moves|; 0 for a flat series."""
    prices = _prices(close)
    path = float(np.abs(np.diff(prices)).sum())
    return float((prices[-1] - prices[0]) / path) if path > 0 else 0.0


def volatility_ratio(close: npt.ArrayLike, recent: int = RECENT_BARS) -> float:
    """Stdev of the last `recent` log returns over the stdev of all of them (1 if all flat)."""
    if recent < 2:
        raise ValueError("recent must be at least 2")
    returns = log_returns(_prices(close, minimum=recent + 1))
    whole = float(np.std(returns))
    return float(np.std(returns[-recent:]) / whole) if whole > 0 else 1.0


def trend_threshold(bars: int) -> float:
    """The |ER| above which `bars` prices count as trending."""
    return min(1.0, TREND_SIGMAS / math.sqrt(max(bars - 1, 1)))


def classify(trend: float, vol_ratio: float, bars: int) -> str:
    """Market character: compression, then trend, else range (see the module docstring)."""
    if vol_ratio < COMPRESSION_RATIO:
        return "compression"
    if abs(trend) >= trend_threshold(bars):
        return "trend"
    return "range"


def percentile_ranks(values: npt.ArrayLike) -> FloatArray:
    """Each value's rank scaled to [0, 1] (lowest 0, highest 1, ties share the mean rank)."""
    array = np.asarray(values, dtype=np.float64)
    if len(array) == 1:
        return np.ones(1)
    ranks = pd.Series(array).rank(method="average").to_numpy(dtype=np.float64)
    return np.asarray((ranks - 1.0) / max(len(array) - 1, 1), dtype=np.float64)


def candidate_scores(
    liquidity: npt.ArrayLike, volatility: npt.ArrayLike, trend: npt.ArrayLike
) -> FloatArray:
    """The documented watchlist score of each candidate, from its three metrics."""
    w = SCORE_WEIGHTS
    return np.asarray(
        w["liquidity"] * percentile_ranks(liquidity)
        + w["trend"] * percentile_ranks(np.abs(np.asarray(trend, dtype=np.float64)))
        + w["calm"] * (1.0 - percentile_ranks(volatility)),
        dtype=np.float64,
    )


def worst_daily_loss(
    day_index: npt.ArrayLike, equity: npt.ArrayLike, starting_capital: float
) -> float:
    """Largest intraday fall below the day's opening equity, as a fraction.

    `day_index[i]` is the UTC day of bar i (epoch seconds // 86400) and `equity[i]` the equity at
    its close; a day opens at the previous day's last equity (the starting capital on day one),
    the same measure the policy layer's daily-loss limit uses.
    """
    days = np.asarray(day_index, dtype=np.int64)
    values = np.asarray(equity, dtype=np.float64)
    if days.shape != values.shape:
        raise ValueError("day_index and equity must have the same length")
    if len(values) == 0:
        return 0.0
    new_day = np.concatenate(([True], days[1:] != days[:-1]))
    previous_close = np.concatenate(([starting_capital], values[:-1]))
    # Forward-fill each day's opening equity across the day's bars.
    opening_at = np.maximum.accumulate(np.where(new_day, np.arange(len(values)), 0))
    opening = previous_close[opening_at]
    with np.errstate(divide="ignore", invalid="ignore"):
        loss = np.where(opening > 0, 1.0 - values / opening, 0.0)
    return float(max(0.0, float(np.max(loss))))


def exposure(held: npt.ArrayLike) -> float:
    """Fraction of bars spent with a position on."""
    positions = np.asarray(held)
    return float(np.count_nonzero(positions) / len(positions)) if len(positions) else 0.0
