"""The built-in strategy families: named, bounded parameters and vectorized target positions."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

from resolvers.quant import indicators as ind

# Positions are int8 in {-1, 0, 1}: the exposure to hold after bar i closes, decided only from
# bars 0..i, so a simulator can fill it at bar i + 1's open. Every family can go short; a
# long-only caller clips with np.maximum(positions, 0).
Positions = npt.NDArray[np.int8]
BoolArray = npt.NDArray[np.bool_]
Params = dict[str, int | float]


class PriceSeries(Protocol):
    """Anything with aligned high, low and close arrays, such as market.Candles."""

    @property
    def high(self) -> npt.NDArray[np.float64]: ...
    @property
    def low(self) -> npt.NDArray[np.float64]: ...
    @property
    def close(self) -> npt.NDArray[np.float64]: ...


@dataclass(frozen=True)
class ParamSpec:
    """One tunable parameter with inclusive bounds."""

    name: str
    default: int | float
    low: int | float
    high: int | float
    kind: Literal["int", "float"] = "int"
    description: str = ""


@dataclass(frozen=True)
class StrategyFamily:
    """A strategy template: metadata, parameter specs and a signal function."""

    name: str
    title: str
    description: str
    params: tuple[ParamSpec, ...]
    compute: Callable[[PriceSeries, Params], Positions]
    check: Callable[[Params], None] | None = None

    def defaults(self) -> Params:
        """Every parameter at its default."""
        return {spec.name: spec.default for spec in self.params}

    def signals(self, prices: PriceSeries, params: Mapping[str, object] | None = None) -> Positions:
        """Target positions per bar after validating `params` (missing ones take defaults)."""
        return self.compute(prices, validate_params(self, params or {}))


def _coerce(spec: ParamSpec, value: object) -> int | float:
    # bool is an int subclass, but True as a window length is a client bug, not a value.
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ValueError(f"parameter {spec.name!r} must be a number, got {type(value).__name__}")
    if spec.kind == "int":
        if not isinstance(value, int | np.integer):
            raise ValueError(f"parameter {spec.name!r} must be an integer, got {value!r}")
        number: int | float = int(value)
    else:
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"parameter {spec.name!r} must be finite, got {value!r}")
    if not spec.low <= number <= spec.high:
        raise ValueError(
            f"parameter {spec.name!r} must be between {spec.low} and {spec.high}, got {number}"
        )
    return number


def validate_params(family: str | StrategyFamily, params: Mapping[str, object]) -> Params:
    """Checked parameters in spec order, defaults filled in; ValueError names the culprit."""
    if isinstance(family, str):
        if family not in FAMILIES:
            raise ValueError(f"unknown strategy family {family!r}")
        family = FAMILIES[family]
    specs = {spec.name: spec for spec in family.params}
    unknown = sorted(set(params) - set(specs))
    if unknown:
        raise ValueError(f"unknown parameter {unknown[0]!r} for family {family.name!r}")
    checked = {
        name: _coerce(spec, params[name]) if name in params else spec.default
        for name, spec in specs.items()
    }
    if family.check is not None:
        family.check(checked)
    return checked


def _state(entry: BoolArray, exit_: BoolArray) -> BoolArray:
    """True from each entry until the next exit; an entry wins a tie on the same bar."""
    index = np.arange(len(entry))
    last_entry = np.maximum.accumulate(np.where(entry, index, -1))
    last_exit = np.maximum.accumulate(np.where(exit_ & ~entry, index, -1))
    return np.asarray(last_entry > last_exit)


def _two_sided(
    long_entry: BoolArray, long_exit: BoolArray, short_entry: BoolArray, short_exit: BoolArray
) -> Positions:
    # An entry on one side also closes the other, so the book reverses instead of netting.
    long = _state(long_entry, long_exit | short_entry)
    short = _state(short_entry, short_exit | long_entry)
    # Both sides entering on the same bar is ambiguous: stay flat rather than guess.
    return (long.astype(np.int8) - short.astype(np.int8)).astype(np.int8)


def _no(close: npt.NDArray[np.float64]) -> BoolArray:
    return np.zeros(len(close), dtype=bool)


def _fast_below_slow(params: Params) -> None:
    if params["fast"] >= params["slow"]:
        raise ValueError("parameter 'fast' must be less than parameter 'slow'")


def _ma_cross(p: PriceSeries, params: Params) -> Positions:
    fast = ind.sma(p.close, int(params["fast"]))
    slow = ind.sma(p.close, int(params["slow"]))
    band = params["band"]
    return _two_sided(
        fast > slow * (1 + band), _no(p.close), fast < slow * (1 - band), _no(p.close)
    )


def _rsi_reversion(p: PriceSeries, params: Params) -> Positions:
    value = ind.rsi(p.close, int(params["period"]))
    lower, upper, exit_level = params["lower"], params["upper"], params["exit"]
    return _two_sided(value < lower, value >= exit_level, value > upper, value <= exit_level)


def _rsi_levels(params: Params) -> None:
    if not params["lower"] < params["exit"] < params["upper"]:
        raise ValueError("parameter 'exit' must lie strictly between 'lower' and 'upper'")


def _donchian_breakout(p: PriceSeries, params: Params) -> Positions:
    # Channels of the bars before this one: a close cannot break a channel it is part of.
    entry = ind.donchian(p.high, p.low, int(params["entry"]))
    exit_ = ind.donchian(p.high, p.low, int(params["exit"]))
    up, down = _shift(entry.upper), _shift(entry.lower)
    stop_long, stop_short = _shift(exit_.lower), _shift(exit_.upper)
    c = p.close
    return _two_sided(c > up, c < stop_long, c < down, c > stop_short)


def _shift(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    shifted = np.full(values.shape, np.nan)
    shifted[1:] = values[:-1]
    return shifted


def _bollinger_reversion(p: PriceSeries, params: Params) -> Positions:
    bands = ind.bollinger(p.close, int(params["period"]), params["width"])
    c = p.close
    return _two_sided(c < bands.lower, c >= bands.middle, c > bands.upper, c <= bands.middle)


def _macd_momentum(p: PriceSeries, params: Params) -> Positions:
    hist = ind.macd(p.close, int(params["fast"]), int(params["slow"]), int(params["signal"])).hist
    return _two_sided(hist > 0, _no(p.close), hist < 0, _no(p.close))


def _squeeze_breakout(p: PriceSeries, params: Params) -> Positions:
    n = int(params["period"])
    bb = ind.bollinger(p.close, n, params["bb_width"])
    kc = ind.keltner(p.high, p.low, p.close, n, params["kc_width"])
    squeezed = (bb.upper < kc.upper) & (bb.lower > kc.lower)
    # A breakout counts only if the squeeze held within the last `memory` bars before this one.
    recent = ind.rolling_max(_shift(squeezed.astype(np.float64)), int(params["memory"])) > 0
    c = p.close
    return _two_sided(
        recent & (c > kc.upper), c < kc.middle, recent & (c < kc.lower), c > kc.middle
    )


_BUILT_IN = (
    StrategyFamily(
        "ma_cross",
        "Moving-average cross",
        "Long while the fast SMA is above the slow SMA by more than `band`, short below.",
        (
            ParamSpec("fast", 10, 2, 200, "int", "fast SMA length in bars"),
            ParamSpec("slow", 30, 3, 500, "int", "slow SMA length in bars"),
            ParamSpec("band", 0.0, 0.0, 0.05, "float", "dead band as a fraction of slow"),
        ),
        _ma_cross,
        _fast_below_slow,
    ),
    StrategyFamily(
        "rsi_reversion",
        "RSI mean reversion",
        "Buy when RSI drops below `lower`, sell short above `upper`; flat again at `exit`.",
        (
            ParamSpec("period", 14, 2, 100, "int", "RSI length in bars"),
            ParamSpec("lower", 30.0, 5.0, 50.0, "float", "oversold level"),
            ParamSpec("upper", 70.0, 50.0, 95.0, "float", "overbought level"),
            ParamSpec("exit", 50.0, 20.0, 80.0, "float", "level that closes either side"),
        ),
        _rsi_reversion,
        _rsi_levels,
    ),
    StrategyFamily(
        "donchian_breakout",
        "Donchian breakout",
        "Turtle-style: enter on a close beyond the prior `entry`-bar channel, leave on a "
        "close beyond the opposite side of the prior `exit`-bar channel.",
        (
            ParamSpec("entry", 20, 5, 200, "int", "breakout channel length in bars"),
            ParamSpec("exit", 10, 2, 200, "int", "exit channel length in bars"),
        ),
        _donchian_breakout,
    ),
    StrategyFamily(
        "bollinger_reversion",
        "Bollinger reversion",
        "Buy a close below the lower band, short one above the upper; exit at the middle.",
        (
            ParamSpec("period", 20, 5, 200, "int", "SMA and deviation length in bars"),
            ParamSpec("width", 2.0, 0.5, 4.0, "float", "band width in standard deviations"),
        ),
        _bollinger_reversion,
    ),
    StrategyFamily(
        "macd_momentum",
        "MACD momentum",
        "Long while the MACD histogram is positive, short while it is negative.",
        (
            ParamSpec("fast", 12, 2, 100, "int", "fast EMA length in bars"),
            ParamSpec("slow", 26, 3, 300, "int", "slow EMA length in bars"),
            ParamSpec("signal", 9, 2, 100, "int", "signal EMA length in bars"),
        ),
        _macd_momentum,
        _fast_below_slow,
    ),
    StrategyFamily(
        "squeeze_breakout",
        "Volatility squeeze breakout",
        "After Bollinger bands sit inside Keltner channels, trade a close outside the "
        "Keltner channel in its direction; exit on a close back across the middle.",
        (
            ParamSpec("period", 20, 5, 200, "int", "band and channel length in bars"),
            ParamSpec("bb_width", 2.0, 0.5, 4.0, "float", "Bollinger width in deviations"),
            ParamSpec("kc_width", 1.5, 0.5, 4.0, "float", "Keltner width in ATRs"),
            ParamSpec("memory", 5, 1, 50, "int", "bars a squeeze stays armed after it ends"),
        ),
        _squeeze_breakout,
    ),
)
FAMILIES: dict[str, StrategyFamily] = {family.name: family for family in _BUILT_IN}
