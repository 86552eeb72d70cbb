"""Each strategy family's own indicator lines: what its signal function looks at, per bar.

Synchronous numpy, no I/O. Every line is float64, aligned with the prices, NaN through its
warm-up. Lines use exactly the values the family's signals compare against:
- ma_cross: fast_sma, slow_sma.
- rsi_reversion: rsi, and its lower, upper and exit levels as constant lines (a chart draws
  them like any other line, and a reader needs no second format for them).
- donchian_breakout: entry_upper, entry_lower, exit_upper, exit_lower: the channels of the
  bars *before* each bar, as the family shifts them (a close cannot break its own channel).
- bollinger_reversion: middle, upper, lower.
- macd_momentum: macd, signal, histogram.
- squeeze_breakout: bb_upper, bb_lower (Bollinger) and kc_middle, kc_upper, kc_lower (Keltner).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np
import numpy.typing as npt

from resolvers.quant import indicators as ind
from resolvers.quant.strategies import Params, PriceSeries, validate_params

FloatArray = npt.NDArray[np.float64]
Lines = dict[str, FloatArray]


def _shift(values: FloatArray) -> FloatArray:
    shifted = np.full(values.shape, np.nan)
    shifted[1:] = values[:-1]
    return shifted


def _ma_cross(p: PriceSeries, params: Params) -> Lines:
    return {
        "fast_sma": ind.sma(p.close, int(params["fast"])),
        "slow_sma": ind.sma(p.close, int(params["slow"])),
    }


def _rsi_reversion(p: PriceSeries, params: Params) -> Lines:
    def level(name: str) -> FloatArray:
        return np.full(len(p.close), float(params[name]))

    return {
        "rsi": ind.rsi(p.close, int(params["period"])),
        "rsi_lower": level("lower"),
        "rsi_upper": level("upper"),
        "rsi_exit": level("exit"),
    }


def _donchian_breakout(p: PriceSeries, params: Params) -> Lines:
    entry = ind.donchian(p.high, p.low, int(params["entry"]))
    exit_ = ind.donchian(p.high, p.low, int(params["exit"]))
    return {
        "entry_upper": _shift(entry.upper),
        "entry_lower": _shift(entry.lower),
        "exit_upper": _shift(exit_.upper),
        "exit_lower": _shift(exit_.lower),
    }


def _bollinger_reversion(p: PriceSeries, params: Params) -> Lines:
    bands = ind.bollinger(p.close, int(params["period"]), params["width"])
    return {"middle": bands.middle, "upper": bands.upper, "lower": bands.lower}


def _macd_momentum(p: PriceSeries, params: Params) -> Lines:
    macd = ind.macd(p.close, int(params["fast"]), int(params["slow"]), int(params["signal"]))
    return {"macd": macd.line, "signal": macd.signal, "histogram": macd.hist}


def _squeeze_breakout(p: PriceSeries, params: Params) -> Lines:
    n = int(params["period"])
    bb = ind.bollinger(p.close, n, params["bb_width"])
    kc = ind.keltner(p.high, p.low, p.close, n, params["kc_width"])
    return {
        "bb_upper": bb.upper,
        "bb_lower": bb.lower,
        "kc_middle": kc.middle,
        "kc_upper": kc.upper,
        "kc_lower": kc.lower,
    }


_LINES: dict[str, Callable[[PriceSeries, Params], Lines]] = {
    "ma_cross": _ma_cross,
    "rsi_reversion": _rsi_reversion,
    "donchian_breakout": _donchian_breakout,
    "bollinger_reversion": _bollinger_reversion,
    "macd_momentum": _macd_momentum,
    "squeeze_breakout": _squeeze_breakout,
}


def family_series(
    family: str, prices: PriceSeries, params: Mapping[str, object] | None = None
) -> Lines:
    """The family's indicator lines over `prices`, in display order (ValueError on bad input)."""
    checked = validate_params(family, params or {})  # ValueError for an unknown family
    return _LINES[family](prices, checked)


def latest_values(
    family: str, prices: PriceSeries, params: Mapping[str, object] | None = None
) -> dict[str, float | None]:
    """Each line's value at the last bar (None while it warms up, and with no bars at all)."""
    lines = family_series(family, prices, params)
    out: dict[str, float | None] = {}
    for name, values in lines.items():
        last = float(values[-1]) if len(values) else math.nan
        out[name] = last if math.isfinite(last) else None
    return out
