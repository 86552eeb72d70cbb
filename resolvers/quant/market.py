"""Seeded synthetic OHLCV: a regime-switching random walk, deterministic per seed and symbol."""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

FloatArray = npt.NDArray[np.float64]
SECONDS_PER_YEAR = 365 * 24 * 3600


@dataclass(frozen=True)
class Regime:
    """One market state; drift is in units of the symbol's per-bar volatility."""

    name: str
    drift: float
    vol: float
    reversion: float
    volume: float


REGIMES: tuple[Regime, ...] = (
    Regime("trend_up", drift=0.12, vol=0.9, reversion=0.0, volume=1.0),
    # Sell-offs are faster and louder than rallies, as in real markets.
    Regime("trend_down", drift=-0.12, vol=1.2, reversion=0.0, volume=1.3),
    Regime("range", drift=0.0, vol=0.7, reversion=0.08, volume=0.7),
    Regime("volatile", drift=0.0, vol=2.0, reversion=0.02, volume=1.8),
)
REGIME_NAMES: tuple[str, ...] = tuple(r.name for r in REGIMES)
TREND_UP, TREND_DOWN, RANGE, VOLATILE = range(len(REGIMES))

# Per-bar transition probabilities, row = current regime; stays last ~25-50 bars on average.
# Up and down are symmetric so that log prices do not drift away over long spans.
TRANSITIONS: FloatArray = np.array(
    [
        [0.980, 0.004, 0.012, 0.004],
        [0.004, 0.980, 0.012, 0.004],
        [0.007, 0.007, 0.980, 0.006],
        [0.010, 0.010, 0.020, 0.960],
    ]
)
TRANSITIONS.setflags(write=False)

# Realistic anchors for a few well-known bases; anything else is derived from its name.
_KNOWN_PROFILES: dict[str, tuple[float, float]] = {
    "BTC": (65_000.0, 0.55),
    "ETH": (3_200.0, 0.70),
    "SOL": (150.0, 0.90),
    "BNB": (580.0, 0.60),
    "XRP": (0.6, 0.80),
    "DOGE": (0.15, 1.00),
}
_QUOTE_SUFFIXES = ("USDT", "USDC", "USD", "PERP")
_SERIES = ("ts", "open", "high", "low", "close", "volume", "regime")


@dataclass(frozen=True, eq=False)
class Candles:
    """OHLCV bars; ts is the bar's open time in int64 epoch seconds (UTC)."""

    symbol: str
    interval_seconds: int
    ts: npt.NDArray[np.int64]
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray
    regime: npt.NDArray[np.int8] | None = field(default=None)

    def __post_init__(self) -> None:
        if len({len(array) for array in self._arrays().values()}) > 1:
            raise ValueError("candle arrays must all have the same length")

    def __len__(self) -> int:
        return len(self.ts)

    def _arrays(self) -> dict[str, npt.NDArray[np.generic]]:
        named = {name: getattr(self, name) for name in _SERIES}
        return {name: array for name, array in named.items() if array is not None}

    def time_at(self, index: int) -> datetime:
        """The open time of bar `index` as an aware UTC datetime."""
        return datetime.fromtimestamp(int(self.ts[index]), tz=UTC)

    def window(self, start: int | None = None, stop: int | None = None) -> Candles:
        """Bars [start, stop) as a new Candles (views, not copies)."""
        cut = slice(start, stop)
        # Any: replace() wants each field's own array type, and they differ in dtype.
        parts: dict[str, Any] = {name: array[cut] for name, array in self._arrays().items()}
        return replace(self, **parts)

    def to_frame(self) -> pd.DataFrame:
        """A DataFrame indexed by UTC open time, one column per array."""
        columns = self._arrays()
        index = pd.to_datetime(columns.pop("ts"), unit="s", utc=True)
        return pd.DataFrame(columns, index=pd.DatetimeIndex(index, name="ts"))


def base_asset(symbol: str) -> str:
    """The base asset of a market symbol: 'btc-usd', 'BTC/USDT' and 'BTCUSDT' all give 'BTC'."""
    base = re.split(r"[-/_:]", symbol.strip().upper())[0]
    for suffix in _QUOTE_SUFFIXES:
        if base.endswith(suffix) and len(base) > len(suffix):
            return base[: -len(suffix)]
    return base


def _digest(text: str) -> int:
    # sha256 rather than hash(): Python salts str hashes per process.
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:16], "big")


def symbol_profile(symbol: str) -> tuple[float, float]:
    """The default start price and annualised volatility of a symbol, stable across runs."""
    base = base_asset(symbol)
    if base in _KNOWN_PROFILES:
        return _KNOWN_PROFILES[base]
    bits = _digest(f"tradegraph.profile:{base}")
    u_price = (bits & 0xFFFFFFFF) / 2**32
    u_vol = ((bits >> 32) & 0xFFFFFFFF) / 2**32
    price = float(f"{10 ** (4 * u_price):.4g}")
    return price, 0.45 + 0.5 * u_vol


def default_start_price(symbol: str) -> float:
    """The start price used when none is given."""
    return symbol_profile(symbol)[0]


def _epoch_seconds(moment: datetime) -> int:
    # Naive datetimes are read as UTC so that results never depend on the machine's zone.
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return int(aware.timestamp())


def _regime_path(uniforms: FloatArray, first: int) -> npt.NDArray[np.int8]:
    cumulative = np.cumsum(TRANSITIONS, axis=1)
    cumulative[:, -1] = 1.0
    # Next regime for every (current regime, bar) pair at once; the walk below only indexes.
    nxt = np.stack([np.searchsorted(row, uniforms, side="right") for row in cumulative])
    table = np.minimum(nxt, len(REGIMES) - 1).tolist()
    path = np.empty(len(uniforms), dtype=np.int8)
    state = first
    for t in range(len(uniforms)):
        if t > 0:
            state = table[state][t]
        path[t] = state
    return path


def _stationary() -> FloatArray:
    values, vectors = np.linalg.eig(TRANSITIONS.T)
    vec = np.real(vectors[:, np.argmin(np.abs(values - 1.0))])
    return np.asarray(vec / vec.sum(), dtype=np.float64)


def _log_closes(
    regimes: npt.NDArray[np.int8],
    shocks: FloatArray,
    vol_noise: FloatArray,
    log_start: float,
    sigma: float,
) -> tuple[FloatArray, FloatArray]:
    drift = [r.drift * sigma for r in REGIMES]
    vol = [r.vol * sigma for r in REGIMES]
    pull = [r.reversion for r in REGIMES]
    n = len(regimes)
    closes = np.empty(n)
    sigmas = np.empty(n)
    level, anchor, log_vol, previous = log_start, log_start, 0.0, -1
    for t, (state, shock, noise) in enumerate(
        zip(regimes.tolist(), shocks.tolist(), vol_noise.tolist(), strict=True)
    ):
        if state != previous:
            # Ranging regimes revert toward the price where they began, not a global mean.
            anchor, previous = level, state
        log_vol = 0.98 * log_vol + 0.05 * noise
        bar_sigma = vol[state] * math.exp(log_vol)
        level += drift[state] - pull[state] * (level - anchor) + bar_sigma * shock
        closes[t] = level
        sigmas[t] = bar_sigma
    return closes, sigmas


def generate_candles(
    *,
    symbol: str,
    seed: int,
    start: datetime,
    periods: int,
    interval: timedelta,
    start_price: float | None = None,
) -> Candles:
    """Synthetic candles; the same inputs give the same bars, and more periods extend fewer."""
    interval_seconds = interval.total_seconds()
    if interval_seconds < 1 or interval_seconds != int(interval_seconds):
        raise ValueError("interval must be a positive whole number of seconds")
    if periods < 0:
        raise ValueError("periods must not be negative")
    if not symbol.strip():
        raise ValueError("symbol must not be empty")
    price0, annual_vol = symbol_profile(symbol)
    if start_price is not None:
        if not (start_price > 0 and math.isfinite(start_price)):
            raise ValueError("start_price must be a positive finite number")
        price0 = start_price
    step = int(interval_seconds)
    sigma = annual_vol * math.sqrt(step / SECONDS_PER_YEAR)

    entropy = _digest(f"tradegraph.market:{seed}:{symbol.strip().upper()}:{step}")
    # One independent stream per quantity so that a longer series is a prefix-extension.
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(entropy).spawn(7)]
    first_regime = int(np.searchsorted(np.cumsum(_stationary()), streams[0].random()))
    uniforms = streams[1].random(periods)
    df = 5.0
    shocks = streams[2].standard_t(df, periods) * math.sqrt((df - 2) / df)
    vol_noise = streams[3].standard_normal(periods)
    wick_up = streams[4].exponential(0.5, periods)
    wick_down = streams[5].exponential(0.5, periods)
    volume_noise = streams[6].standard_normal(periods)

    regimes = _regime_path(uniforms, min(first_regime, len(REGIMES) - 1))
    log_close, sigmas = _log_closes(regimes, shocks, vol_noise, math.log(price0), sigma)
    close = np.exp(log_close)
    open_ = np.concatenate(([price0], close[:-1]))[:periods]
    high = np.maximum(open_, close) * np.exp(sigmas * wick_up)
    low = np.minimum(open_, close) * np.exp(-sigmas * wick_down)

    # Quote notional per bar scales with time; activity rises with move size and regime.
    notional = 2e6 * step / 3600
    move = np.abs(log_close - np.log(open_)) / sigma
    regime_volume = np.array([r.volume for r in REGIMES])[regimes]
    volume = notional / close * regime_volume * (1 + 0.5 * move) * np.exp(0.4 * volume_noise)

    ts = _epoch_seconds(start) + step * np.arange(periods, dtype=np.int64)
    arrays = [ts, open_, high, low, close, volume, regimes]
    for array in arrays:
        array.setflags(write=False)
    return Candles(
        symbol=symbol,
        interval_seconds=step,
        ts=ts,
        open=open_,
        high=high,
        low=low,
        close=close,
        volume=volume,
        regime=regimes,
    )
