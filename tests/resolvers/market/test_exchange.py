"""The paper exchange: fills at the touch plus slippage, fees, capital, and injected faults."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.market.exchange import (
    CloseFailed,
    InsufficientCapital,
    PaperExchange,
    PositionMissing,
)
from resolvers.market.feed import MarketFeed

NOW = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)


@pytest.fixture
def feed() -> MarketFeed:
    return MarketFeed(seed=11, origin=datetime(2026, 1, 1, tzinfo=UTC))


@pytest.fixture
def exchange(feed: MarketFeed) -> PaperExchange:
    return PaperExchange(feed, capital=100_000.0, fee_rate=0.001, slippage_bps=5.0)


async def test_buys_pay_the_ask_and_sells_receive_the_bid_with_slippage(
    exchange: PaperExchange, feed: MarketFeed
) -> None:
    quote = feed.quote("BTC-USD", NOW)
    assert exchange.fill_price("BTC-USD", "buy", NOW) == pytest.approx(quote.ask * 1.0005)
    assert exchange.fill_price("BTC-USD", "sell", NOW) == pytest.approx(quote.bid * 0.9995)


async def test_round_trip_realizes_gross_pnl_minus_both_fees(
    session: AsyncSession, exchange: PaperExchange
) -> None:
    opened = await exchange.open(
        session, trade_id=1, symbol="btc-usd", side="buy", size=0.5, now=NOW
    )
    assert opened.symbol == "BTC-USD"
    assert opened.fee == pytest.approx(opened.price * 0.5 * 0.001)
    later = NOW + timedelta(hours=5)
    closed = await exchange.close(session, trade_id=1, now=later)
    assert closed.side == "sell" and closed.kind == "close"
    gross = (closed.price - opened.price) * 0.5
    assert closed.realized_pnl == pytest.approx(gross - closed.fee)
    account = await exchange.account(session, now=later)
    assert account.positions == 0 and account.margin_used == 0
    assert account.cash == pytest.approx(100_000 + gross - opened.fee - closed.fee)
    assert account.fees == pytest.approx(opened.fee + closed.fee)


async def test_a_short_gains_when_the_price_falls(
    session: AsyncSession, exchange: PaperExchange
) -> None:
    opened = await exchange.open(
        session, trade_id=2, symbol="ETH-USD", side="sell", size=2, now=NOW
    )
    closed = await exchange.close(session, trade_id=2, now=NOW + timedelta(hours=9))
    assert closed.side == "buy"
    assert closed.realized_pnl == pytest.approx((opened.price - closed.price) * 2 - closed.fee)


async def test_open_positions_reserve_capital_and_are_marked_at_the_mid(
    session: AsyncSession, exchange: PaperExchange, feed: MarketFeed
) -> None:
    fill = await exchange.open(session, trade_id=3, symbol="BTC-USD", side="buy", size=1, now=NOW)
    later = NOW + timedelta(hours=3)
    account = await exchange.account(session, now=later)
    assert account.margin_used == pytest.approx(fill.price)
    assert account.available == pytest.approx(account.cash - fill.price)
    mid = feed.quote("BTC-USD", later).venue_mid
    assert account.unrealized_pnl == pytest.approx(mid - fill.price)
    assert account.equity == pytest.approx(account.cash + account.unrealized_pnl)


async def test_an_order_beyond_the_available_capital_is_refused_and_books_nothing(
    session: AsyncSession, exchange: PaperExchange
) -> None:
    price = exchange.fill_price("BTC-USD", "buy", NOW)
    with pytest.raises(InsufficientCapital) as raised:
        await exchange.open(
            session, trade_id=4, symbol="BTC-USD", side="buy", size=2 * 100_000 / price, now=NOW
        )
    assert raised.value.status == 422 and raised.value.code == "INSUFFICIENT_CAPITAL"
    assert await exchange.positions(session) == []
    assert await exchange.fills(session, trade_id=4) == []


async def test_an_injected_close_failure_is_a_502_and_keeps_the_position(
    session: AsyncSession, exchange: PaperExchange
) -> None:
    await exchange.open(session, trade_id=5, symbol="SOL-USD", side="buy", size=10, now=NOW)
    exchange.faults.fail_closes("sol-usd")
    with pytest.raises(CloseFailed) as raised:
        await exchange.close(session, trade_id=5, now=NOW)
    assert raised.value.status == 502 and raised.value.code == "EXCHANGE_CLOSE_FAILED"
    assert await exchange.position_for(session, trade_id=5) is not None
    exchange.faults.clear()
    await exchange.close(session, trade_id=5, now=NOW)
    assert await exchange.position_for(session, trade_id=5) is None


async def test_a_failure_for_every_symbol_spares_no_close(
    session: AsyncSession, exchange: PaperExchange
) -> None:
    await exchange.open(session, trade_id=6, symbol="ETH-USD", side="buy", size=1, now=NOW)
    exchange.faults.fail_closes()
    with pytest.raises(CloseFailed):
        await exchange.close(session, trade_id=6, now=NOW)


async def test_stale_positions_lost_and_stray(
    session: AsyncSession, exchange: PaperExchange
) -> None:
    await exchange.open(session, trade_id=7, symbol="BTC-USD", side="buy", size=0.1, now=NOW)
    assert await exchange.drop_position(session, trade_id=7)
    with pytest.raises(PositionMissing) as raised:
        await exchange.close(session, trade_id=7, now=NOW)
    assert raised.value.status == 502
    stray = await exchange.add_stray_position(
        session, symbol="ETH-USD", side="sell", size=3, now=NOW
    )
    assert [p.id for p in await exchange.positions(session)] == [stray.id]
    fill = await exchange.close_stray(session, position_id=stray.id, now=NOW)
    assert fill.trade_id is None and fill.side == "buy"
    assert await exchange.positions(session) == []
