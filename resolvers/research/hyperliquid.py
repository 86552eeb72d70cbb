"""HyperLiquid's public candles (`POST {base}/info`, type candleSnapshot), paged and checked.

The exchange keeps only the most recent 5,000 candles per coin and interval and answers at
most a page (500 or 5,000) per request, oldest first, prices as strings. `fetch_candles`
pages by moving startTime past the last open time, keeps one candle per open time (the
later answer wins: it is the fresher copy of an overlapping bar), and stops on an empty page,
past the end, or when a page brings nothing new. It only fetches: storing is the caller's
(resolvers/research/fetch.py), so the same core can run inside a job.

Errors (all DomainErrors, so every transport maps them alike): 502 UPSTREAM_ERROR for a
non-2xx answer (its status in details), 504 UPSTREAM_TIMEOUT when the exchange does not
answer within the timeout, 502 UPSTREAM_UNREACHABLE when it cannot be reached at all, 502
UPSTREAM_BAD_RESPONSE for an answer that is not the documented shape.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import httpx
import numpy as np

from resolvers.errors import DomainError
from resolvers.research.codec import Bars, as_bars
from resolvers.research.timeframes import add_bars

MAX_PAGES = 100  # 5,000 candles in pages of 500 take 10; beyond this the exchange misbehaves
_KEYS = ("t", "T", "o", "h", "l", "c", "v")

Progress = Callable[[int, int], Awaitable[None] | None]  # (bars so far, bars expected)


class UpstreamError(DomainError):
    """The exchange failed us (the seed's 502 convention; 504 for a timeout)."""

    code = "UPSTREAM_ERROR"
    status = 502


@dataclass(frozen=True)
class Fetched:
    """The bars of one fetch and what the paging saw."""

    bars: Bars
    pages: int
    open_bar_dropped: bool


class HyperliquidClient:
    """`candleSnapshot` over one httpx connection pool; use as an async context manager."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout_seconds: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout_seconds), transport=transport, follow_redirects=False
        )

    async def __aenter__(self) -> HyperliquidClient:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._http.aclose()

    async def candle_snapshot(
        self, *, coin: str, interval: str, start_ms: int, end_ms: int
    ) -> list[dict[str, Any]]:
        """One page of candles, oldest first, as the exchange answers them."""
        url = f"{self.base_url}/info"
        body = {
            "type": "candleSnapshot",
            "req": {"coin": coin, "interval": interval, "startTime": start_ms, "endTime": end_ms},
        }
        where = {"url": url}
        try:
            response = await self._http.post(url, json=body)
        except httpx.TimeoutException as exc:
            raise UpstreamError(
                f"HyperLiquid did not answer in time ({type(exc).__name__})",
                code="UPSTREAM_TIMEOUT", status=504, details=where,
            ) from None  # fmt: skip
        except httpx.HTTPError as exc:
            raise UpstreamError(
                f"HyperLiquid is unreachable: {exc or type(exc).__name__}",
                code="UPSTREAM_UNREACHABLE", details=where,
            ) from None  # fmt: skip
        if not response.is_success:
            raise UpstreamError(
                f"HyperLiquid answered {response.status_code}",
                details={**where, "status": response.status_code, "body": response.text[:200]},
            )
        try:
            page = response.json()
        except ValueError:
            page = None
        if not isinstance(page, list) or not all(isinstance(item, dict) for item in page):
            raise _bad("the answer is not a JSON array of candles", where)
        return page


def _bad(reason: str, details: dict[str, Any]) -> UpstreamError:
    return UpstreamError(
        f"HyperLiquid's answer is malformed: {reason}",
        code="UPSTREAM_BAD_RESPONSE",
        details={**details, "reason": reason},
    )


def _parse(candle: dict[str, Any], interval: str) -> tuple[int, int, list[float]]:
    """(open ms, close ms, [o, h, l, c, v]) of one candle, or UPSTREAM_BAD_RESPONSE."""
    try:
        values = [candle[key] for key in _KEYS]
        t, close_ms = values[0], values[1]
        if not isinstance(t, int) or not isinstance(close_ms, int) or isinstance(t, bool):
            raise TypeError("t and T must be integers")
        numbers = [float(v) for v in values[2:] if isinstance(v, str | int | float)]
        if len(numbers) != 5:
            raise TypeError("o, h, l, c and v must be decimal strings")
    except (KeyError, TypeError, ValueError) as exc:
        raise _bad(f"candle {candle!r:.120}: {exc}", {}) from None
    if candle.get("i", interval) != interval:
        raise _bad(f"asked for {interval} candles, got {candle.get('i')!r}", {})
    return t, close_ms, numbers


async def _report(progress: Progress | None, done: int, expected: int) -> None:
    if progress is not None:
        result = progress(done, expected)
        if inspect.isawaitable(result):
            await result


async def fetch_candles(
    client: HyperliquidClient,
    *,
    coin: str,
    timeframe: str,
    start_ms: int,
    end_ms: int,
    now_ms: int,
    progress: Progress | None = None,
) -> Fetched:
    """Every candle opening in [start_ms, end_ms] that has closed by now_ms, paged."""
    interval_ms = (add_bars(start_ms // 1000, timeframe, 1) - start_ms // 1000) * 1000
    expected = min(5_000, max(1, (end_ms - start_ms) // interval_ms + 1))
    kept: dict[int, list[float]] = {}
    dropped = False
    cursor, pages = start_ms, 0
    while cursor <= end_ms and pages < MAX_PAGES:
        page = await client.candle_snapshot(
            coin=coin, interval=timeframe, start_ms=cursor, end_ms=end_ms
        )
        pages += 1
        if not page:
            break
        last = cursor - 1
        for candle in page:
            t, close_ms, numbers = _parse(candle, timeframe)
            last = max(last, t)
            if not start_ms <= t <= end_ms:
                continue
            if close_ms >= now_ms:  # still forming: its close, high and low will move
                dropped = True
                kept.pop(t, None)
                continue
            kept[t] = numbers
        await _report(progress, len(kept), expected)
        if last < cursor:  # nothing new: the exchange repeats itself
            break
        cursor = last + 1
        if add_bars(last // 1000, timeframe, 1) * 1000 > end_ms:
            break
    opens = np.array(sorted(kept), dtype=np.int64)
    table = np.array([kept[t] for t in opens.tolist()], dtype=np.float64).reshape(-1, 5)
    bars = as_bars(opens // 1000, *table.T)
    return Fetched(bars=bars, pages=pages, open_bar_dropped=dropped)
