"""The market_ticks pass: a tick per watched symbol, and regime changes as the detector
confirms them on closed hourly bars, decided against the feed's own stored regime events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.lab import ticker
from resolvers.lab.services import Lab, LabConfig, build_lab
from resolvers.market.clock import MarketClock
from resolvers.market.feed import MarketFeed
from resolvers.quant.regimes import label_regimes, regime_changes
from storage.events import Event
from tests.resolvers.factories import make_strategy

ORIGIN = datetime(2026, 1, 1, tzinfo=UTC)
START = datetime(2026, 3, 1, 0, 30, tzinfo=UTC)  # half past: the newest closed bar is 00:00


class FakeWall:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def _lab(*symbols: str, clock: MarketClock | None = None) -> Lab:
    feed = MarketFeed(seed=7, origin=ORIGIN)
    return build_lab(feed, clock=clock, config=LabConfig(tick_symbols=symbols))


async def _events(session: AsyncSession, kind: str) -> list[Event]:
    rows = await session.scalars(
        select(Event).where(Event.topic == f"live.{kind}").order_by(Event.id)
    )
    return list(rows)


async def _strategy(session: AsyncSession, symbol: str, stage: str, status: str = "active") -> None:
    strategy = await make_strategy(session, name=f"{symbol} {stage} {status}")
    strategy.symbol, strategy.stage, strategy.status = symbol, stage, status
    await session.flush()


async def test_a_tick_per_watched_symbol_at_the_venue_quote(session: AsyncSession) -> None:
    lab = _lab("BTC-USD", "eth-usd")
    await _strategy(session, "SOL-USD", "paper")
    await _strategy(session, "BTC-USD", "live")  # already a tick symbol: once
    await _strategy(session, "DOGE-USD", "quick_screen")  # not trading
    await _strategy(session, "XRP-USD", "paper", status="archived")
    await ticker.publish_market(session, lab=lab, now=START)
    ticks = await _events(session, "tick")
    assert [t.entity_id for t in ticks] == ["BTC-USD", "ETH-USD", "SOL-USD"]
    for tick in ticks:
        quote = lab.feed.quote(tick.entity_id or "", START)
        assert tick.payload == {
            "type": "tick",
            "ts": START.isoformat(),
            "symbol": tick.entity_id,
            "strategy_id": None,
            "data": {"price": quote.venue_mid, "bid": quote.bid, "ask": quote.ask},
        }


async def test_the_first_regime_seen_has_no_previous_and_is_not_repeated(
    session: AsyncSession,
) -> None:
    lab = _lab("BTC-USD")
    first = await ticker.publish_market(session, lab=lab, now=START)
    again = await ticker.publish_market(session, lab=lab, now=START + timedelta(minutes=10))
    [regime] = await _events(session, "regime")
    assert (first, again) == (2, 1)  # tick + regime, then a tick only
    closes = lab.feed.candles("BTC-USD", 3600, START, 2000).close
    expected = regime_changes(label_regimes(closes))[-1].current
    assert regime.entity_id == "BTC-USD"
    assert regime.payload["data"]["previous"] is None
    assert regime.payload["data"]["current"] == expected


async def test_regime_changes_follow_the_detector_over_the_full_history(
    session: AsyncSession,
) -> None:
    wall = FakeWall()
    clock = MarketClock(3600, start=START, wall=wall)  # one market hour per wall second
    lab = _lab("ETH-USD", clock=clock)
    hours = 120
    for _ in range(hours):
        await ticker.publish_market(session, lab=lab, now=clock.now())
        wall.now += timedelta(seconds=1)
    emitted = [e.payload["data"] for e in await _events(session, "regime")]
    # independently: every confirmed change over the whole history up to the last bar seen
    end = START + timedelta(hours=hours - 1)
    history = lab.feed.candles("ETH-USD", 3600, end, 5000)
    changes = regime_changes(label_regimes(history.close))
    first_bar = len(history) - hours  # the newest closed bar at START
    before = [c for c in changes if c.index <= first_bar][-1]
    during = [c for c in changes if c.index > first_bar]
    assert len(during) >= 2  # the span is long enough to see the market turn
    assert [(e["previous"], e["current"]) for e in emitted] == [
        (None, before.current),
        *((c.previous, c.current) for c in during),
    ]
    assert [e["bar_ts"] for e in emitted[1:]] == [
        history.time_at(c.index).isoformat() for c in during
    ]


async def test_the_stored_regime_decides_so_a_new_process_does_not_repeat_it(
    session: AsyncSession,
) -> None:
    await ticker.publish_market(session, lab=_lab("BTC-USD"), now=START)
    await ticker.publish_market(session, lab=_lab("BTC-USD"), now=START)  # a fresh feed
    assert len(await _events(session, "regime")) == 1
    assert len(await _events(session, "tick")) == 2


async def test_labelling_runs_once_per_closed_bar(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []

    def counting(close: Any, params: Any = None) -> Any:
        calls.append(len(close))
        return label_regimes(close, params)

    monkeypatch.setattr(ticker, "label_regimes", counting)
    lab = _lab("BTC-USD")
    for minutes in (0, 10, 20):
        await ticker.publish_market(session, lab=lab, now=START + timedelta(minutes=minutes))
    assert calls == [ticker.LOOKBACK]
    await ticker.publish_market(session, lab=lab, now=START + timedelta(hours=1))
    assert len(calls) == 2


async def test_a_symbol_the_market_cannot_price_is_skipped(session: AsyncSession) -> None:
    lab = _lab("X" * 41, "BTC-USD")
    assert await ticker.publish_market(session, lab=lab, now=START) == 2
    assert [t.entity_id for t in await _events(session, "tick")] == ["BTC-USD"]
    before_data = await ticker.publish_market(session, lab=lab, now=ORIGIN - timedelta(hours=1))
    assert before_data == 0
