"""The live feed's events: price ticks, order fills, indicator updates and regime changes.

Each is an outbox event (topic `live.<type>`, entity id the symbol) written in the transaction
of the change it reports, so its event id is the feed's monotonic message id and a client can
resume with `since`. The payload is the message the feed sends, less the id:

    {"type": "tick" | "fill" | "indicator" | "regime", "ts": ISO 8601 (market time),
     "symbol": "BTC-USD", "strategy_id": int | None, "data": {...}}

data per type:
- tick: {"price", "bid", "ask"} (price is the venue mid)
- fill: {"trade_id", "session_id", "kind": "open" | "close", "side", "size", "price", "fee"}
- indicator: {"bar_ts", "position": -1 | 0 | 1, "values": {name: float | None}}
- regime: {"bar_ts", "previous": str | None, "current": str}
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.events import Event
from storage.exchange import ExchangeFill
from storage.outbox import append_event

LIVE_TYPES = ("tick", "fill", "indicator", "regime")
TOPIC_PREFIX = "live."


def topic_for(kind: str) -> str:
    return TOPIC_PREFIX + kind


async def _emit(
    session: AsyncSession,
    kind: str,
    *,
    symbol: str,
    ts: datetime,
    data: dict[str, Any],
    strategy_id: int | None = None,
) -> Event:
    payload = {
        "type": kind,
        "ts": ts.isoformat(),
        "symbol": symbol,
        "strategy_id": strategy_id,
        "data": data,
    }
    return await append_event(session, topic=topic_for(kind), entity_id=symbol, payload=payload)


async def emit_tick(
    session: AsyncSession, *, symbol: str, ts: datetime, price: float, bid: float, ask: float
) -> Event:
    data = {"price": price, "bid": bid, "ask": ask}
    return await _emit(session, "tick", symbol=symbol, ts=ts, data=data)


async def emit_fill(
    session: AsyncSession,
    *,
    fill: ExchangeFill,
    strategy_id: int | None,
    session_id: int | None,
) -> Event:
    data = {
        "trade_id": fill.trade_id,
        "session_id": session_id,
        "kind": fill.kind,
        "side": fill.side,
        "size": fill.size,
        "price": fill.price,
        "fee": fill.fee,
    }
    return await _emit(
        session, "fill", symbol=fill.symbol, ts=fill.ts, data=data, strategy_id=strategy_id
    )


async def emit_indicator(
    session: AsyncSession,
    *,
    strategy_id: int,
    symbol: str,
    ts: datetime,
    bar_ts: datetime,
    position: int,
    values: dict[str, float | None],
) -> Event:
    data = {"bar_ts": bar_ts.isoformat(), "position": position, "values": values}
    return await _emit(
        session, "indicator", symbol=symbol, ts=ts, data=data, strategy_id=strategy_id
    )


async def emit_regime(
    session: AsyncSession,
    *,
    symbol: str,
    ts: datetime,
    bar_ts: datetime,
    previous: str | None,
    current: str,
) -> Event:
    data = {"bar_ts": bar_ts.isoformat(), "previous": previous, "current": current}
    return await _emit(session, "regime", symbol=symbol, ts=ts, data=data)
