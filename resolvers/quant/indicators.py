"""Vectorized indicators over 1-D arrays; outputs are float64 and NaN through the warm-up."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

FloatArray = npt.NDArray[np.float64]


class Bands(NamedTuple):
    """A channel around a middle line."""

    middle: FloatArray
    upper: FloatArray
    lower: FloatArray


class Macd(NamedTuple):
    """MACD line, its signal line, and their difference."""

    line: FloatArray
    signal: FloatArray
    hist: FloatArray


def _series(values: npt.ArrayLike) -> FloatArray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError("indicators take one-dimensional arrays")
    return array


def _check_window(n: int) -> None:
    if n < 1:
        raise ValueError(f"window must be at least 1, got {n}")


def _rolling(values: npt.ArrayLike, n: int, method: str, **options: Any) -> FloatArray:
    x = _series(values)
    _check_window(n)
    # pandas' windowed kernels are O(bars) whatever the window, and exact where it matters: the
    # mean keeps a compensated running sum (no cumsum drift), the variance is Welford's and
    # reads 0 over a constant window. A window holding a NaN (or an inf) gives NaN.
    window = pd.Series(x, copy=False).rolling(n, min_periods=n)
    return np.asarray(getattr(window, method)(**options).to_numpy(dtype=np.float64))


def _seeded_ewm(values: npt.ArrayLike, n: int, alpha: float) -> FloatArray:
    """Exponential smoothing seeded with the mean of the first n valid values."""
    x = _series(values)
    _check_window(n)
    out = np.full(x.shape, np.nan)
    valid = np.flatnonzero(~np.isnan(x))
    # Leading NaNs are another indicator's warm-up: smoothing starts where data starts.
    first = int(valid[0]) if len(valid) else len(x)
    if len(x) - first < n:
        return out
    tail = x[first + n - 1 :].copy()
    tail[0] = x[first : first + n].mean()
    smoothed = pd.Series(tail).ewm(alpha=alpha, adjust=False).mean().to_numpy(dtype=np.float64)
    out[first + n - 1 :] = smoothed
    return out


def sma(values: npt.ArrayLike, n: int) -> FloatArray:
    """Simple moving average of the last n values."""
    return _rolling(values, n, "mean")


def rolling_std(values: npt.ArrayLike, n: int, ddof: int = 0) -> FloatArray:
    """Standard deviation of the last n values (population by default, as Bollinger uses)."""
    return _rolling(values, n, "std", ddof=ddof)


def rolling_max(values: npt.ArrayLike, n: int) -> FloatArray:
    """Highest of the last n values, the current one included."""
    return _rolling(values, n, "max")


def rolling_min(values: npt.ArrayLike, n: int) -> FloatArray:
    """Lowest of the last n values, the current one included."""
    return _rolling(values, n, "min")


def ema(values: npt.ArrayLike, n: int) -> FloatArray:
    """Exponential moving average, alpha 2/(n+1), seeded with the SMA of the first n values."""
    return _seeded_ewm(values, n, 2.0 / (n + 1))


def wilder(values: npt.ArrayLike, n: int) -> FloatArray:
    """Wilder's smoothing (alpha 1/n), seeded with the SMA of the first n values."""
    return _seeded_ewm(values, n, 1.0 / n)


def rsi(close: npt.ArrayLike, n: int = 14) -> FloatArray:
    """Wilder's RSI in [0, 100]; first value at index n; 50 when price has not moved."""
    x = _series(close)
    _check_window(n)
    out = np.full(x.shape, np.nan)
    if len(x) <= n:
        return out
    delta = np.diff(x)
    avg_gain = wilder(np.clip(delta, 0.0, None), n)
    avg_loss = wilder(np.clip(-delta, 0.0, None), n)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = 100.0 - 100.0 / (1.0 + avg_gain / avg_loss)
    flat = (avg_gain == 0) & (avg_loss == 0)
    out[1:] = np.where(flat, 50.0, value)
    return out


def bollinger(close: npt.ArrayLike, n: int = 20, k: float = 2.0) -> Bands:
    """SMA(n) plus and minus k population standard deviations."""
    middle = sma(close, n)
    width = k * rolling_std(close, n)
    return Bands(middle, middle + width, middle - width)


def macd(close: npt.ArrayLike, fast: int = 12, slow: int = 26, signal: int = 9) -> Macd:
    """EMA(fast) - EMA(slow), its EMA(signal), and the histogram between them."""
    line = ema(close, fast) - ema(close, slow)
    signal_line = ema(line, signal)
    return Macd(line, signal_line, line - signal_line)


def donchian(high: npt.ArrayLike, low: npt.ArrayLike, n: int = 20) -> Bands:
    """Highest high and lowest low of the last n bars (current included), and their midpoint."""
    upper = rolling_max(high, n)
    lower = rolling_min(low, n)
    return Bands((upper + lower) / 2.0, upper, lower)


def true_range(high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike) -> FloatArray:
    """Bar range extended to the previous close; the first bar has only high - low."""
    h, lo, c = _series(high), _series(low), _series(close)
    previous = np.concatenate(([np.nan], c[:-1]))
    ranges = np.stack([h - lo, np.abs(h - previous), np.abs(lo - previous)])
    return np.asarray(np.nanmax(ranges, axis=0), dtype=np.float64)


def atr(high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike, n: int = 14) -> FloatArray:
    """Average true range: Wilder-smoothed true range, first value at index n - 1."""
    return wilder(true_range(high, low, close), n)


def keltner(
    high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike, n: int = 20, k: float = 1.5
) -> Bands:
    """EMA(n) of close plus and minus k ATR(n)."""
    middle = ema(close, n)
    width = k * atr(high, low, close, n)
    return Bands(middle, middle + width, middle - width)
