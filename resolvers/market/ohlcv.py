"""OHLCV files: a CSV's bars at a strategy's interval, as they are or summed into buckets.

Columns ts (ISO time or epoch seconds), open, high, low, close, volume. Bars are used at their
own interval or summed into epoch-aligned buckets at a whole multiple of it; anything else is
refused with MARKET_DATA_INVALID naming the file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from resolvers.errors import Unavailable
from resolvers.quant.market import Candles

PRICE_COLUMNS = ("open", "high", "low", "close", "volume")


class BadMarketData(Unavailable):
    code = "MARKET_DATA_INVALID"  # an OHLCV file that cannot be used; the message names it


def _bad_file(path: Path, problem: str) -> BadMarketData:
    return BadMarketData(f"OHLCV file {path}: {problem}", details={"file": str(path)})


def load_ohlcv(path: Path, symbol: str, interval: int) -> Candles:
    """A CSV's bars at `interval`: as they are, or summed into epoch-aligned buckets."""
    try:
        frame = pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise _bad_file(path, f"cannot be read ({exc})") from exc
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in ("ts", *PRICE_COLUMNS) if c not in frame.columns]
    if missing or frame.empty:
        raise _bad_file(path, f"missing columns {missing}" if missing else "has no rows")
    try:
        if pd.api.types.is_numeric_dtype(frame["ts"]):
            seconds = frame["ts"].to_numpy(dtype=np.float64)
            if not np.isfinite(seconds).all():
                raise ValueError("ts has an empty or non-finite value")
            ts = seconds.astype(np.int64)
        else:
            stamps = pd.to_datetime(frame["ts"], utc=True, format="ISO8601")
            ts = stamps.to_numpy(dtype="datetime64[s]").astype(np.int64)
        values = {c: pd.to_numeric(frame[c]).to_numpy(dtype=np.float64) for c in PRICE_COLUMNS}
    except (ValueError, TypeError) as exc:
        raise _bad_file(path, f"has a value that is not a time or number ({exc})") from exc
    o, h, low, c, v = (values[name] for name in PRICE_COLUMNS)
    prices = np.stack([o, h, low, c])
    if not (np.isfinite(prices).all() and (prices > 0).all() and (v >= 0).all()):
        raise _bad_file(path, "prices must be positive and volumes non-negative finite numbers")
    if (h < np.maximum(o, c)).any() or (low > np.minimum(o, c)).any():
        raise _bad_file(path, "high must be >= open and close, low <= open and close")
    steps = np.diff(ts)
    if (steps <= 0).any():
        raise _bad_file(path, "ts must be strictly increasing")
    own = int(steps.min()) if len(steps) else interval
    if interval % own:
        raise _bad_file(path, f"has {own} s bars; {interval} s bars are not a whole multiple")
    keys = ts if interval == own else ts // interval * interval
    if (ts - keys + own > interval).any():
        raise _bad_file(path, f"has bars that straddle the {interval} s buckets they sum into")
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    ends = np.r_[starts[1:] - 1, len(ts) - 1]
    bars = Candles(
        symbol=symbol,
        interval_seconds=interval,
        ts=keys[starts],
        open=o[starts],
        high=np.maximum.reduceat(h, starts),
        low=np.minimum.reduceat(low, starts),
        close=c[ends],
        volume=np.add.reduceat(v, starts),
    )
    for array in (bars.ts, bars.open, bars.high, bars.low, bars.close, bars.volume):
        array.setflags(write=False)  # cached and handed out as views, like generated bars
    return bars
