"""Market ticks and regime changes for the live feed (the scheduler's market_ticks job).

Each call of `publish_market` is one pass over the watched symbols: the configured tick symbols
(TRADEGRAPH_TICK_SYMBOLS) plus the symbol of every active strategy at stage paper or live.

- A tick per symbol: the venue quote at `now` (price = venue mid, bid, ask) with ts = `now`.
  A paused feed keeps answering its frozen quote, so its ticks repeat the frozen price.
- A regime change per symbol when the confirmed regime differs from the last one on the feed.
  The confirmed regime is the detector's (resolvers/quant/regimes.py) over the last LOOKBACK
  closed hourly bars: the label of the most recent run of `persist` equal labels. LOOKBACK
  leaves the last ~130 bars labelled exactly as over the full history (the detector needs
  baseline + n bars of warm-up). It is compared with the newest stored `live.regime` event of
  the symbol, so the decision is the database's, not this process's: a restart, a second
  instance or a rolled-back pass neither repeats nor loses a change. The first regime seen for
  a symbol is emitted with previous = null. `bar_ts` is the open time of the bar at which the
  change was confirmed; ts is `now`.
- The labelling runs once per closed bar and symbol (a per-feed memo); between bars a pass costs
  one quote and one indexed read per symbol.
- A symbol the market cannot price (no data yet, a broken OHLCV file) is skipped and logged;
  the others still tick.
"""

from __future__ import annotations

import logging
import weakref
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import DomainError
from resolvers.lab.live import emit_regime, emit_tick, topic_for
from resolvers.lab.services import Lab
from resolvers.market.feed import MarketFeed
from resolvers.quant.regimes import RegimeParams, label_regimes, regime_changes
from storage.events import Event
from storage.strategies import Strategy

log = logging.getLogger(__name__)

HOURLY = 3600
LOOKBACK = 400  # hourly closes labelled per evaluation
TRADING_STAGES = ("paper", "live")

Confirmed = tuple[datetime, str] | None  # (bar_ts, regime) at the newest closed bar
_memo: weakref.WeakKeyDictionary[MarketFeed, dict[str, tuple[int, Confirmed]]] = (
    weakref.WeakKeyDictionary()
)


async def watched_symbols(session: AsyncSession, *, lab: Lab) -> list[str]:
    """The tick symbols, then the symbols of active paper and live strategies, each once."""
    rows = await session.scalars(
        select(Strategy.symbol)
        .where(Strategy.stage.in_(TRADING_STAGES), Strategy.status == "active")
        .distinct()
    )
    symbols = [s.strip().upper() for s in (*lab.config.tick_symbols, *sorted(rows))]
    return list(dict.fromkeys(s for s in symbols if s))


def confirmed_regime(feed: MarketFeed, symbol: str, now: datetime) -> Confirmed:
    """The confirmed regime at the newest closed hourly bar and the bar that confirmed it."""
    candles = feed.candles(symbol, HOURLY, now, LOOKBACK)
    if len(candles) == 0:
        return None
    newest = int(candles.ts[-1])
    memo = _memo.setdefault(feed, {})
    cached = memo.get(symbol)
    if cached is not None and cached[0] == newest:
        return cached[1]
    params = RegimeParams()
    changes = regime_changes(label_regimes(candles.close, params), params.persist)
    result = (candles.time_at(changes[-1].index), changes[-1].current) if changes else None
    memo[symbol] = (newest, result)
    return result


async def last_regime(session: AsyncSession, symbol: str) -> str | None:
    """The `current` of the newest regime event on the feed for `symbol`."""
    payload = await session.scalar(
        select(Event.payload)
        .where(Event.topic == topic_for("regime"), Event.entity_id == symbol)
        .order_by(Event.id.desc())
        .limit(1)
    )
    return None if payload is None else str(payload["data"]["current"])


async def publish_market(session: AsyncSession, *, lab: Lab, now: datetime) -> int:
    """A tick per watched symbol and any confirmed regime change; returns events written."""
    written = 0
    for symbol in await watched_symbols(session, lab=lab):
        try:
            quote = lab.feed.quote(symbol, now)
            confirmed = confirmed_regime(lab.feed, symbol, now)
        except DomainError as refusal:
            log.warning("live feed skips %s: %s", symbol, refusal.message)
            continue
        await emit_tick(
            session, symbol=symbol, ts=now, price=quote.venue_mid, bid=quote.bid, ask=quote.ask
        )
        written += 1
        if confirmed is None:
            continue
        bar_ts, current = confirmed
        previous = await last_regime(session, symbol)
        if previous != current:
            await emit_regime(
                session, symbol=symbol, ts=now, bar_ts=bar_ts, previous=previous, current=current
            )
            written += 1
    return written
