"""The live feed's events: price ticks, order fills, indicator updates and regime changes.

Each is an outbox event (topic `live.<type>`, entity id the symbol) written in the transaction
of the change it reports, so its event id is the feed's monotonic message id and a client can
resume with `since`. The payload is the LiveEvent view's JSON less the id (the outbox's, known
once appended), so the message the feed sends is the view:

    {"type": "tick" | "fill" | "indicator" | "regime", "ts": ISO 8601 (market time),
     "symbol": "BTC-USD", "strategy_id": int | None, "data": {...}}

data per type:
- tick: {"price", "bid", "ask"} (price is the venue mid)
- fill: {"trade_id", "session_id", "kind": "open" | "close", "side", "size", "price", "fee"}
- indicator: {"bar_ts", "position": -1 | 0 | 1, "values": {name: float | None}}
- regime: {"bar_ts", "previous": str | None, "current": str}

Subsets (LiveFilter): types, symbols and strategies, each optional, all of them must hold. A
strategy filter keeps the fills and indicator updates of those strategies plus the ticks and
regime changes of their symbols (ticks and regimes belong to a symbol, not to a strategy); a
fill without a strategy never passes a strategy filter. The filter is resolved once, when a
client subscribes: a strategy's symbol does not change.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Generic, TypedDict, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.choices import TRADE_SIDE
from resolvers.errors import InvalidInput, NotFound
from resolvers.views import Choices, OneOf, View, to_payload
from storage.bus import EventBus
from storage.events import Event
from storage.exchange import ExchangeFill
from storage.outbox import EventMessage, append_event
from storage.strategies import Strategy

T = TypeVar("T")
LIVE_TYPES = ("tick", "fill", "indicator", "regime")
TOPIC_PREFIX = "live."
SYMBOL_TYPES = frozenset(
    {"tick", "regime"}
)  # events of a symbol; fills and indicators: a strategy's
MAX_FILTER_ITEMS = 100  # symbols or strategies in one filter
LIVE_EVENT_TYPES = Choices("LiveEventType", LIVE_TYPES, "What a live-feed event reports.")
UNASSIGNED = 0  # the id of an event not appended yet (outbox ids start at 1)


class LiveTickData(TypedDict):
    """tick: the venue's touch."""

    price: Annotated[float, "the venue mid"]
    bid: float
    ask: float


class LiveFillData(TypedDict):
    """fill: a paper-exchange order executed."""

    trade_id: int | None
    session_id: Annotated[int | None, "the paper session that placed it"]
    kind: Annotated[str, OneOf(("open", "close"))]
    side: Annotated[str, TRADE_SIDE]
    size: float
    price: float
    fee: float


class LiveIndicatorData(TypedDict):
    """indicator: a strategy's indicators on a closed bar."""

    bar_ts: Annotated[str, "ISO 8601"]
    position: Annotated[int, "the strategy's target: -1, 0 or 1"]
    values: Annotated[dict[str, float | None], "by indicator name; null while warming up"]


class LiveRegimeData(TypedDict):
    """regime: the market regime of a symbol changed."""

    bar_ts: Annotated[str, "ISO 8601"]
    previous: str | None
    current: str


LiveData = LiveTickData | LiveFillData | LiveIndicatorData | LiveRegimeData


# not slotted: the GraphQL layer keeps each operation's result on the one event object all
# its subscribers share (schema/live.py)
@dataclass(frozen=True)
class LiveEvent(View):
    """One live-feed event: the /ws/live message, `id` its outbox id."""

    id: int
    type: Annotated[str, LIVE_EVENT_TYPES]
    ts: Annotated[datetime, "market time"]
    symbol: str
    strategy_id: int | None
    data: Annotated[LiveData, "what the event reports; its shape follows `type`"]


def live_event(message: EventMessage) -> LiveEvent:
    """The view of a stored live-feed event."""
    payload = message.payload
    return LiveEvent(
        id=message.id,
        type=payload["type"],
        ts=datetime.fromisoformat(payload["ts"]),
        symbol=payload["symbol"],
        strategy_id=payload["strategy_id"],
        data=payload["data"],
    )


def topic_for(kind: str) -> str:
    return TOPIC_PREFIX + kind


async def _emit(
    session: AsyncSession,
    kind: str,
    *,
    symbol: str,
    ts: datetime,
    data: LiveData,
    strategy_id: int | None = None,
) -> Event:
    event = LiveEvent(
        id=UNASSIGNED, type=kind, ts=ts, symbol=symbol, strategy_id=strategy_id, data=data
    )
    payload = to_payload(event)
    del payload["id"]  # the outbox assigns it
    return await append_event(session, topic=topic_for(kind), entity_id=symbol, payload=payload)


async def emit_tick(
    session: AsyncSession, *, symbol: str, ts: datetime, price: float, bid: float, ask: float
) -> Event:
    data: LiveTickData = {"price": price, "bid": bid, "ask": ask}
    return await _emit(session, "tick", symbol=symbol, ts=ts, data=data)


async def emit_fill(
    session: AsyncSession,
    *,
    fill: ExchangeFill,
    strategy_id: int | None,
    session_id: int | None,
) -> Event:
    data: LiveFillData = {
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
    data: LiveIndicatorData = {"bar_ts": bar_ts.isoformat(), "position": position, "values": values}
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
    data: LiveRegimeData = {"bar_ts": bar_ts.isoformat(), "previous": previous, "current": current}
    return await _emit(session, "regime", symbol=symbol, ts=ts, data=data)


@dataclass(frozen=True, slots=True)
class LiveFilter:
    """A client's subset; None means "every" (see the module docstring)."""

    types: tuple[str, ...] = LIVE_TYPES
    symbols: frozenset[str] | None = None
    strategies: frozenset[int] | None = None
    strategy_symbols: frozenset[str] = frozenset()  # the symbols of `strategies`

    @property
    def topics(self) -> list[str]:
        return [topic_for(kind) for kind in self.types]

    @property
    def entity_id(self) -> str | None:
        """The one symbol the bus itself can filter on, when there is exactly one."""
        if self.symbols is not None and len(self.symbols) == 1:
            return next(iter(self.symbols))
        return None

    @property
    def bus_exact(self) -> bool:
        """Whether the bus's own filter (topics, one entity id) is already this filter."""
        return self.strategies is None and (self.symbols is None or len(self.symbols) == 1)

    def matches(self, message: EventMessage) -> bool:
        payload = message.payload
        kind = payload.get("type")
        if kind not in self.types:
            return False
        if self.symbols is not None and message.entity_id not in self.symbols:
            return False
        if self.strategies is None:
            return True
        if kind in SYMBOL_TYPES:
            return message.entity_id in self.strategy_symbols
        return payload.get("strategy_id") in self.strategies

    def describe(self) -> dict[str, Any]:
        """The filter as a client sees it (the `subscribed` acknowledgement)."""
        return {
            "types": list(self.types),
            "symbols": sorted(self.symbols) if self.symbols is not None else None,
            "strategies": sorted(self.strategies) if self.strategies is not None else None,
        }


def _types(types: Iterable[str] | None) -> tuple[str, ...]:
    if types is None:
        return LIVE_TYPES
    wanted = set(types)
    unknown = sorted(wanted - set(LIVE_TYPES))
    if unknown:
        raise InvalidInput(
            f"unknown event type {unknown[0]!r}; use {', '.join(LIVE_TYPES)}",
            details={"field": "types", "value": unknown[0]},
        )
    if not wanted:
        raise InvalidInput("types must name at least one event type", details={"field": "types"})
    return tuple(kind for kind in LIVE_TYPES if kind in wanted)


def _bounded(field: str, items: list[Any]) -> None:
    if not items:
        raise InvalidInput(f"{field} must not be empty", details={"field": field})
    if len(items) > MAX_FILTER_ITEMS:
        raise InvalidInput(
            f"{field} takes at most {MAX_FILTER_ITEMS} entries", details={"field": field}
        )


def _symbols(symbols: Iterable[str] | None) -> frozenset[str] | None:
    if symbols is None:
        return None
    cleaned = [symbol.strip().upper() for symbol in symbols]
    _bounded("symbols", cleaned)
    for symbol in cleaned:
        if not symbol or len(symbol) > 40:
            raise InvalidInput(
                "each symbol must be 1 to 40 characters", details={"field": "symbols"}
            )
    return frozenset(cleaned)


async def resolve_live_filter(
    session: AsyncSession,
    *,
    types: Iterable[str] | None = None,
    symbols: Iterable[str] | None = None,
    strategy_ids: Iterable[int] | None = None,
) -> LiveFilter:
    """Check a subset and look up its strategies' symbols; 422 for bad input, 404 for a
    strategy that does not exist."""
    kinds, names = _types(types), _symbols(symbols)
    if strategy_ids is None:
        return LiveFilter(kinds, names)
    ids = list(strategy_ids)
    _bounded("strategies", ids)
    if any(isinstance(i, bool) or not isinstance(i, int) or i < 1 for i in ids):
        raise InvalidInput("strategies are positive ids", details={"field": "strategies"})
    wanted = frozenset(ids)
    rows = (
        await session.execute(select(Strategy.id, Strategy.symbol).where(Strategy.id.in_(wanted)))
    ).all()
    missing = sorted(wanted - {row.id for row in rows})
    if missing:
        raise NotFound(f"strategy {missing[0]} not found", details={"strategy_id": missing[0]})
    return LiveFilter(kinds, names, wanted, frozenset(row.symbol.upper() for row in rows))


def check_since(since: int | None) -> int | None:
    if since is not None and (isinstance(since, bool) or since < 0):
        raise InvalidInput("since must be a non-negative event id", details={"field": "since"})
    return since


class PerMessage(Generic[T]):
    """What one event turns into (a text frame, a GraphQL object), built once for all the
    subscribers that get it. The dispatcher hands every live subscriber the same EventMessage,
    so its identity is the key; an entry holds its message, so no id is reused while it lives.
    Bounded: the oldest entries go first (events from a table catch-up are simply built again).
    """

    def __init__(self, build: Callable[[EventMessage], T], size: int = 256) -> None:
        self._build = build
        self._size = size
        self._items: dict[int, tuple[EventMessage, T]] = {}

    def __call__(self, message: EventMessage) -> T:
        hit = self._items.get(id(message))
        if hit is not None and hit[0] is message:
            return hit[1]
        value = self._build(message)
        if len(self._items) >= self._size:
            del self._items[next(iter(self._items))]  # dicts keep insertion order
        self._items[id(message)] = (message, value)
        return value


def frame(message: EventMessage) -> dict[str, Any]:
    """The message a client receives: the stored payload plus the event id."""
    return {"id": message.id, **message.payload}


class _Filtered:
    def __init__(self, source: AsyncIterator[EventMessage], live_filter: LiveFilter) -> None:
        self._source = source
        self._filter = live_filter

    def __aiter__(self) -> _Filtered:
        return self

    async def __anext__(self) -> EventMessage:
        while True:
            message = await anext(self._source)
            if self._filter.matches(message):
                return message


@asynccontextmanager
async def live_events(
    bus: EventBus, *, live_filter: LiveFilter, since: int | None
) -> AsyncIterator[AsyncIterator[EventMessage]]:
    """The feed's events that pass `live_filter`, in id order, each once: stored ones after
    `since` first, then live ones; without `since`, from the bus's newest dispatched event on."""
    start = bus.last_id if since is None else since
    async with bus.subscribe(
        topics=live_filter.topics, entity_id=live_filter.entity_id, since=start
    ) as stream:
        # the common subsets need no second look at each event (it adds up over many clients)
        yield stream if live_filter.bus_exact else _Filtered(stream, live_filter)
