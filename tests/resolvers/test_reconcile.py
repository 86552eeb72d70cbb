"""Reconciliation finds and repairs each kind of difference between our open trades and the
paper exchange's positions, and reports what a venue refused without failing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.lab.services import Lab, build_lab
from resolvers.market.clock import MarketClock
from resolvers.market.feed import MarketFeed
from resolvers.reconcile import FAILED_REASON, get_last_reconciliation, reconcile_exchange
from resolvers.trades import open_trade
from storage.events import Event
from storage.strategies import Strategy
from storage.trades import Trade
from tests.resolvers.factories import make_strategy

ORIGIN = datetime(2026, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def lab() -> Lab:
    return build_lab(MarketFeed(7, ORIGIN), clock=MarketClock(start=NOW, wall=lambda: NOW))


async def routed(
    session: AsyncSession, lab: Lab, strategy: Strategy, *, side: str = "buy", size: float = 0.1
) -> Trade:
    """A trade opened the way the paper service opens one: ledger row plus venue order."""
    price = lab.exchange.fill_price(strategy.symbol, side, NOW)
    trade = await open_trade(
        session,
        symbol=strategy.symbol,
        side=side,
        size=size,
        entry_price=price,
        strategy_id=strategy.id,
        opened_at=NOW,
    )
    await lab.exchange.open(
        session, trade_id=trade.id, symbol=trade.symbol, side=side, size=size, now=NOW
    )
    return trade


async def count(session: AsyncSession, topic: str) -> int:
    return int(await session.scalar(select(func.count()).where(Event.topic == topic)) or 0)


async def test_an_agreeing_book_has_no_differences(session: AsyncSession, lab: Lab) -> None:
    strategy = await make_strategy(session, lab=lab)
    await routed(session, lab, strategy)
    await routed(session, lab, strategy, side="sell", size=0.2)
    report = await reconcile_exchange(session, lab=lab)
    assert (report.checked_trades, report.checked_positions) == (2, 2)
    assert report.differences == [] and report.repaired == 0
    assert await count(session, "exchange.reconciled") == 1


async def test_research_records_are_not_compared(session: AsyncSession, lab: Lab) -> None:
    strategy = await make_strategy(session, lab=lab)
    await open_trade(
        session, symbol="BTC-USD", side="buy", size=1, entry_price=100, strategy_id=strategy.id
    )
    report = await reconcile_exchange(session, lab=lab)
    assert (report.checked_trades, report.differences) == (0, [])


async def test_missing_on_exchange(session: AsyncSession, lab: Lab) -> None:
    trade = await routed(session, lab, await make_strategy(session, lab=lab))
    trade.close_error = "EXCHANGE_CLOSE_FAILED: may still be open"
    await lab.exchange.drop_position(session, trade_id=trade.id)

    report = await reconcile_exchange(session, repair=False, lab=lab)
    [found] = report.differences
    assert (found.kind, found.trade_id, found.repaired) == ("missing_on_exchange", trade.id, False)
    assert trade.status == "open" and trade.close_error is not None

    report = await reconcile_exchange(session, lab=lab)
    assert report.differences[0].repaired and report.repaired == 1
    assert (trade.status, trade.failure_reason, trade.close_error) == (
        "failed",
        FAILED_REASON,
        None,
    )
    assert await count(session, "trade.failed") == 1
    assert (await reconcile_exchange(session, lab=lab)).differences == []


async def test_closed_on_exchange(session: AsyncSession, lab: Lab) -> None:
    trade = await routed(session, lab, await make_strategy(session, lab=lab))
    fill = await lab.exchange.close(session, trade_id=trade.id, now=NOW)

    report = await reconcile_exchange(session, lab=lab)
    [found] = report.differences
    assert (found.kind, found.repaired) == ("closed_on_exchange", True)
    assert (trade.status, trade.exit_price) == ("closed", fill.price)
    assert trade.pnl is not None and trade.pnl < 0  # a round trip at the touch pays the spread


async def test_unknown_on_exchange(session: AsyncSession, lab: Lab) -> None:
    stray = await lab.exchange.add_stray_position(
        session, symbol="ETH-USD", side="sell", size=0.5, now=NOW
    )
    report = await reconcile_exchange(session, repair=False, lab=lab)
    [found] = report.differences
    assert (found.kind, found.position_id, found.trade_id) == (
        "unknown_on_exchange",
        stray.id,
        None,
    )
    assert len(await lab.exchange.positions(session)) == 1

    report = await reconcile_exchange(session, lab=lab)
    assert report.differences[0].repaired
    assert await lab.exchange.positions(session) == []
    assert await count(session, "live.fill") == 1
    account = await lab.exchange.account(session, now=None)
    assert account.realized_pnl < 0  # the close paid its fee and the spread


async def test_a_failed_trade_left_on_the_venue(session: AsyncSession, lab: Lab) -> None:
    trade = await routed(session, lab, await make_strategy(session, lab=lab))
    trade.status, trade.failure_reason = "failed", "operator"
    await session.flush()
    report = await reconcile_exchange(session, repair=False, lab=lab)
    [found] = report.differences
    assert (found.kind, found.trade_id) == ("unknown_on_exchange", trade.id)
    assert report.checked_trades == 0


async def test_mismatch_takes_the_venues_side_and_size(session: AsyncSession, lab: Lab) -> None:
    trade = await routed(session, lab, await make_strategy(session, lab=lab), size=0.3)
    [position] = await lab.exchange.positions(session)
    trade.size, trade.side = 0.5, "sell"

    report = await reconcile_exchange(session, lab=lab)
    [found] = report.differences
    assert (found.kind, found.position_id, found.repaired) == ("mismatch", position.id, True)
    assert "side" in found.detail and "size" in found.detail
    assert (trade.side, trade.size, trade.entry_price) == ("buy", 0.3, position.entry_price)
    assert await count(session, "trade.reconciled") == 1


async def test_a_refused_repair_is_reported_and_the_rest_goes_on(
    session: AsyncSession, lab: Lab
) -> None:
    missing = await routed(session, lab, await make_strategy(session, lab=lab))
    await lab.exchange.drop_position(session, trade_id=missing.id)
    await lab.exchange.add_stray_position(session, symbol="ETH-USD", side="buy", size=1, now=NOW)
    lab.exchange.faults.fail_closes("ETH-USD")

    report = await reconcile_exchange(session, lab=lab)
    kinds = {d.kind: d for d in report.differences}
    assert kinds["missing_on_exchange"].repaired
    stray = kinds["unknown_on_exchange"]
    assert not stray.repaired and stray.error and stray.error.startswith("EXCHANGE_CLOSE_FAILED")
    assert report.repaired == 1
    assert len(await lab.exchange.positions(session)) == 1

    lab.exchange.faults.clear()
    assert (await reconcile_exchange(session, lab=lab)).repaired == 1


async def test_the_last_report_reads_back(session: AsyncSession, lab: Lab) -> None:
    assert await get_last_reconciliation(session) is None
    trade = await routed(session, lab, await make_strategy(session, lab=lab))
    await lab.exchange.drop_position(session, trade_id=trade.id)
    report = await reconcile_exchange(session, repair=False, lab=lab)
    assert await get_last_reconciliation(session) == report
