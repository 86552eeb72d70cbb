"""POST /api/fetch: HyperLiquid candles fetched, validated and stored as a dataset.

Decisions where the seed is silent (the body's fields are not named there):
- `symbol` (required) is the dataset's symbol. HyperLiquid's coin is the symbol itself, or
  its base when it ends in -USD, -USDC, -USDT or -PERP (BTC-USD fetches coin BTC): the other
  APIs here name markets that way; coin names are case-sensitive (kPEPE) and kept as given.
- `timeframe` defaults to 1h; `start` and `end` are ISO 8601 (no offset means UTC). `end`
  defaults to now (a later end is now); `start` to 5,000 bars before `end`, all the exchange
  keeps. The bar still forming at the end is left out (its prices would still move).
- Less history than requested (the first bar more than one interval after `start`) is no
  error: the dataset's quality report says `truncated: true` with `requested_start` and
  `first_available`. No candle at all in the range is a 422 NO_CANDLES.
- The bars pass the same validation as a CSV import (a gap is a 422 DATASET_INVALID naming
  the rows); a second fetch of the same symbol and timeframe replaces the first.

The work is three steps, so a job can run them apart (resolvers/research/fetch_jobs.py):
`plan_fetch` validates the request into a `FetchRequest` (the range fixed against the
request's clock), `download` pages the candles (no database), `store_fetched` checks and
stores them. `fetch_ohlcv` runs the three at once and waits, however long the fetch.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import InvalidInput
from resolvers.lab.services import Lab, LabConfig
from resolvers.research.datasets import OhlcvDataset, store_dataset
from resolvers.research.hyperliquid import Fetched, HyperliquidClient, Progress, fetch_candles
from resolvers.research.timeframes import add_bars, require_timeframe
from resolvers.validation import require_text

EXCHANGES = ("hyperliquid",)
HISTORY_BARS = 5_000  # what HyperLiquid keeps per coin and interval
_QUOTES = ("USD", "USDC", "USDT", "PERP")


def hyperliquid_coin(symbol: str) -> str:
    """The coin HyperLiquid knows `symbol` by (BTC-USD -> BTC, kPEPE -> kPEPE)."""
    base, dash, quote = symbol.rpartition("-")
    return base if dash and base and quote.upper() in _QUOTES else symbol


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _iso_ms(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat()


@dataclass(frozen=True, slots=True)
class FetchRequest:
    """A validated fetch: the series and its range in epoch ms, fixed when it was asked for."""

    symbol: str
    timeframe: str
    exchange: str
    start_ms: int
    end_ms: int
    now_ms: int  # the request's clock: a bar closing after it counts as still forming

    @property
    def coin(self) -> str:
        return hyperliquid_coin(self.symbol)

    @property
    def bars(self) -> int:
        """The bars the range spans, at most what the exchange keeps."""
        step = add_bars(self.start_ms // 1000, self.timeframe, 1) - self.start_ms // 1000
        count = (self.end_ms - self.start_ms) // (step * 1000) + 1
        return min(HISTORY_BARS, max(1, count))

    def payload(self) -> dict[str, Any]:
        """The request as a job's payload (JSON)."""
        return asdict(self)

    @classmethod
    def of_payload(cls, payload: dict[str, Any]) -> FetchRequest:
        """The request a job's payload holds."""
        return cls(
            symbol=str(payload["symbol"]),
            timeframe=str(payload["timeframe"]),
            exchange=str(payload["exchange"]),
            start_ms=int(payload["start_ms"]),
            end_ms=int(payload["end_ms"]),
            now_ms=int(payload["now_ms"]),
        )


def plan_fetch(
    *,
    symbol: str,
    timeframe: str = "1h",
    start: datetime | None = None,
    end: datetime | None = None,
    exchange: str = "hyperliquid",
    now: datetime | None = None,
) -> FetchRequest:
    """The request validated, its range resolved (the module docstring says how)."""
    symbol = require_text("symbol", symbol, max_length=40)
    timeframe = require_timeframe(timeframe)
    if exchange not in EXCHANGES:
        raise InvalidInput(
            "exchange must be hyperliquid (the only one so far)",
            code="UNKNOWN_EXCHANGE",
            details={"field": "exchange", "value": exchange},
        )
    now_ms = int(_utc(now or datetime.now(UTC)).timestamp() * 1000)
    end_ms = min(now_ms, int(_utc(end).timestamp() * 1000)) if end else now_ms
    start_ms = (
        int(_utc(start).timestamp() * 1000)
        if start
        else add_bars(end_ms // 1000, timeframe, -HISTORY_BARS) * 1000
    )
    if start_ms >= end_ms:
        raise InvalidInput(
            "start must be before end (and before now)",
            code="INVALID_RANGE",
            details={"start": _iso_ms(start_ms), "end": _iso_ms(end_ms)},
        )
    return FetchRequest(symbol, timeframe, exchange, start_ms, end_ms, now_ms)


async def download(
    request: FetchRequest, config: LabConfig, progress: Progress | None = None
) -> Fetched:
    """The request's candles from the exchange (paged; nothing stored)."""
    async with HyperliquidClient(
        config.hyperliquid_url, timeout_seconds=config.hyperliquid_timeout_seconds
    ) as client:
        return await fetch_candles(
            client,
            coin=request.coin,
            timeframe=request.timeframe,
            start_ms=request.start_ms,
            end_ms=request.end_ms,
            now_ms=request.now_ms,
            progress=progress,
        )


async def store_fetched(
    session: AsyncSession, *, request: FetchRequest, fetched: Fetched
) -> OhlcvDataset:
    """Validate and store fetched candles as the request's dataset, with what paging saw."""
    bars, timeframe, start_ms = fetched.bars, request.timeframe, request.start_ms
    if len(bars) == 0:
        raise InvalidInput(
            f"HyperLiquid has no closed {timeframe} candles of {request.coin} in the range",
            code="NO_CANDLES",
            details={"coin": request.coin, "start": _iso_ms(start_ms),
                     "end": _iso_ms(request.end_ms)},
        )  # fmt: skip
    first_ms = int(bars.ts[0]) * 1000
    truncated = first_ms > add_bars(start_ms // 1000, timeframe, 1) * 1000
    extra: dict[str, object] = {
        "truncated": truncated,
        "requested_start": _iso_ms(start_ms),
        "requested_end": _iso_ms(request.end_ms),
        "pages": fetched.pages,
        "open_bar_dropped": fetched.open_bar_dropped,
    }
    if truncated:
        extra["first_available"] = _iso_ms(first_ms)
    return await store_dataset(
        session,
        symbol=request.symbol,
        timeframe=timeframe,
        source="hyperliquid",
        bars=bars,
        quality_extra=extra,
    )


async def fetch_ohlcv(
    session: AsyncSession,
    *,
    symbol: str,
    timeframe: str = "1h",
    start: datetime | None = None,
    end: datetime | None = None,
    exchange: str = "hyperliquid",
    lab: Lab,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> OhlcvDataset:
    """Fetch `symbol`'s candles from the exchange, validate them and store the dataset."""
    request = plan_fetch(
        symbol=symbol, timeframe=timeframe, start=start, end=end, exchange=exchange, now=now
    )
    fetched = await download(request, lab.config, progress)
    return await store_fetched(session, request=request, fetched=fetched)
