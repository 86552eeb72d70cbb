"""The market feed both products trade on: closed candles and venue quotes, from the seeded
generator or CSV (resolvers/market/ohlcv.py).

Decisions a user would want to know:
- Bars are aligned to the feed's `origin` (bar k opens at origin + k x interval); a bar is
  closed when its open time + interval <= now, and `candles` only ever returns closed bars.
- `ohlcv_dir/<SYMBOL>.csv` (columns ts as ISO time or epoch seconds, open, high, low, close,
  volume) replaces the generator for that symbol (characters other than A-Z 0-9 . _ - become
  `_` in the file name). Its bars are used as they are at their own interval, summed into
  epoch-aligned buckets at a whole multiple of it, refused otherwise. A quote from a file
  that ends before `now` rests on its last bar, so it is (truthfully) stale.
- The reference ("CMC") mid at `now` is the forming bar's open moved linearly toward its
  close by the fraction of the bar elapsed: it starts at the last close and moves every
  second, so a frozen quote really is out of date. Without a forming bar (a file that has
  ended) it is the last close.
- The venue mid sits a deterministic basis of at most BASIS_BPS from the reference (it changes
  each minute), plus any dislocation set for the symbol. The spread is SPREAD_BPS, wider on
  a thinned book. Depth is DEPTH_SHARE of the average hourly volume of the last DEPTH_BARS
  closed bars, times the symbol's depth factor.
- Quotes rest on blocks every BLOCK_SECONDS. `pause` freezes a symbol's quotes (or all of
  them) at one moment: prices, ts and block_ts stop there while `now` moves on.
- With no feed configured, `default_feed()` builds one from seed 7 and origin 2026-01-01 UTC.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from resolvers.errors import InvalidInput, Unavailable
from resolvers.market.ohlcv import load_ohlcv
from resolvers.quant.market import Candles, generate_candles

DEFAULT_SEED = 7
DEFAULT_ORIGIN = datetime(2026, 1, 1, tzinfo=UTC)
DEFAULT_INTERVAL = 3600
BASIS_BPS = 3.0
SPREAD_BPS = 2.0
DEPTH_SHARE = 0.05
DEPTH_BARS = 24
BLOCK_SECONDS = 2
_GROWTH = 512  # bars generated beyond the one asked for, so a stepping clock rarely regenerates


class NoMarketData(Unavailable):
    code = "NO_MARKET_DATA"  # a moment before the data begins


@dataclass(frozen=True)
class Quote:
    symbol: str
    reference_mid: float
    venue_mid: float
    bid: float
    ask: float
    depth: float  # base units visible on the book
    ts: datetime  # when the quote was taken
    block_ts: datetime  # the last block (update) the quote rests on


def _seconds(moment: datetime) -> float:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.timestamp()


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def _unit(*parts: object) -> float:
    digest = hashlib.sha256(":".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


class MarketFeed:
    """Candles and quotes for any symbol at any moment, deterministic per seed."""

    def __init__(self, seed: int, origin: datetime, ohlcv_dir: Path | None = None) -> None:
        self.seed = seed
        self.origin = origin if origin.tzinfo is not None else origin.replace(tzinfo=UTC)
        self.ohlcv_dir = ohlcv_dir
        self._generated: dict[tuple[str, int], Candles] = {}
        self._files: dict[tuple[str, int], tuple[int, Candles]] = {}
        self._paused: dict[str, float] = {}
        self._paused_all: float | None = None
        self._dislocation: dict[str, float] = {}
        self._depth_factor: dict[str, float] = {}
        self._clock: float | None = None  # the latest moment asked about

    def pause(self, symbol: str | None = None, *, at: datetime | None = None) -> None:
        """Freeze quotes of `symbol` (every symbol when None) at `at`, by default the latest
        moment this feed was asked about (the wall clock if it was never asked)."""
        moment = _seconds(at) if at is not None else self._clock
        if moment is None:
            moment = datetime.now(UTC).timestamp()
        if symbol is None:
            self._paused_all = moment
        else:
            self._paused[_clean(symbol)] = moment

    def resume(self, symbol: str | None = None) -> None:
        """Lift `symbol`'s own pause; with None, lift every pause."""
        if symbol is None:
            self._paused_all = None
            self._paused.clear()
        else:
            self._paused.pop(_clean(symbol), None)

    def set_dislocation(self, symbol: str, bps: float) -> None:
        """Move the venue mid `bps` basis points away from the reference (0 restores it)."""
        if not math.isfinite(bps):
            raise InvalidInput("dislocation must be finite", details={"field": "bps"})
        self._dislocation[_clean(symbol)] = float(bps)

    def set_depth_factor(self, symbol: str, factor: float) -> None:
        """Scale the visible book of `symbol` (1 restores it)."""
        if not (math.isfinite(factor) and factor > 0):
            raise InvalidInput("depth factor must be positive", details={"field": "factor"})
        self._depth_factor[_clean(symbol)] = float(factor)

    def candles(self, symbol: str, interval_seconds: int, now: datetime, bars: int) -> Candles:
        """The last `bars` closed bars at or before `now` (fewer near the start of the data)."""
        if bars < 1:
            raise InvalidInput("bars must be at least 1", details={"field": "bars"})
        series, closed = self._series(_clean(symbol), interval_seconds, _seconds(now))
        return series.window(max(0, closed - bars), closed)

    def quote(
        self, symbol: str, now: datetime, *, interval_seconds: int = DEFAULT_INTERVAL
    ) -> Quote:
        """The venue's quote for `symbol` at `now`, priced from bars of `interval_seconds`
        (pass the strategy's interval so that quotes and candles are one market)."""
        name = _clean(symbol)
        moment = _seconds(now)
        frozen = [m for m in (self._paused.get(name), self._paused_all) if m is not None]
        if frozen:
            moment = min(moment, *frozen)
        series, closed = self._series(name, interval_seconds, moment)
        forming = closed < len(series) and series.ts[closed] <= moment
        if forming:
            elapsed = (moment - float(series.ts[closed])) / series.interval_seconds
            start, end = float(series.open[closed]), float(series.close[closed])
            reference = start + (end - start) * min(1.0, elapsed)
            updated = moment
        elif closed > 0:
            reference = float(series.close[closed - 1])
            updated = min(moment, float(series.ts[closed - 1]) + series.interval_seconds)
        else:
            at = _at(moment).isoformat()
            raise NoMarketData(f"no market data for {name} at {at}", details={"symbol": name})
        recent = series.volume[max(0, closed - DEPTH_BARS) : max(closed, 1)]
        hourly_volume = float(recent.mean()) * 3600 / series.interval_seconds
        factor = self._depth_factor.get(name, 1.0)
        block = math.floor(updated / BLOCK_SECONDS) * BLOCK_SECONDS
        basis = BASIS_BPS * (2 * _unit(self.seed, name, math.floor(updated / 60)) - 1)
        venue = reference * (1 + (basis + self._dislocation.get(name, 0.0)) / 10_000)
        half_spread = venue * SPREAD_BPS / 20_000 / math.sqrt(min(factor, 1.0))
        return Quote(
            symbol=name,
            reference_mid=reference,
            venue_mid=venue,
            bid=venue - half_spread,
            ask=venue + half_spread,
            depth=hourly_volume * DEPTH_SHARE * factor,
            ts=_at(moment),
            block_ts=_at(block),
        )

    def _series(self, symbol: str, interval: int, moment: float) -> tuple[Candles, int]:
        """The symbol's whole series at `interval` and how many of its bars are closed."""
        if isinstance(interval, bool) or not isinstance(interval, int) or interval < 1:
            raise InvalidInput(
                "interval_seconds must be a positive whole number", details={"field": "interval"}
            )
        self._clock = moment if self._clock is None else max(self._clock, moment)
        path = self._file_for(symbol)
        if path is not None:
            loaded = self._file_series(symbol, interval, path)
            return loaded, int((loaded.ts + interval <= moment).sum())
        closed = max(0, math.floor((moment - self.origin.timestamp()) / interval))
        cached = self._generated.get((symbol, interval))
        if cached is not None and len(cached) > closed:
            return cached, closed
        series = generate_candles(
            symbol=symbol,
            seed=self.seed,
            start=self.origin,
            periods=closed + 1 + _GROWTH,
            interval=timedelta(seconds=interval),
        )
        self._generated[(symbol, interval)] = series
        return series, closed

    def _file_for(self, symbol: str) -> Path | None:
        if self.ohlcv_dir is None:
            return None
        path = self.ohlcv_dir / f"{re.sub(r'[^A-Z0-9._-]', '_', symbol)}.csv"
        return path if path.is_file() else None

    def _file_series(self, symbol: str, interval: int, path: Path) -> Candles:
        stamp = path.stat().st_mtime_ns
        cached = self._files.get((symbol, interval))
        if cached is not None and cached[0] == stamp:
            return cached[1]
        series = load_ohlcv(path, symbol, interval)
        self._files[(symbol, interval)] = (stamp, series)
        return series


def _clean(symbol: str) -> str:
    name = symbol.strip().upper()
    if not name or len(name) > 40:
        raise InvalidInput("symbol must be 1 to 40 characters", details={"field": "symbol"})
    return name


_default: MarketFeed | None = None


def configure_feed(feed: MarketFeed | None) -> None:
    """Install the process-wide feed (the server does this at start-up); None forgets it."""
    global _default
    _default = feed


def default_feed() -> MarketFeed:
    """The process-wide feed; seed 7 from 2026-01-01 UTC when none was configured."""
    global _default
    if _default is None:
        _default = MarketFeed(DEFAULT_SEED, DEFAULT_ORIGIN)
    return _default
