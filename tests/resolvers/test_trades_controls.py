"""The emergency controls and the trade reads around them: force-close, mark-failed, the open
book re-verified against the venue, recent trades."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import Conflict, InvalidInput, NotFound
from resolvers.lab.services import Lab, build_lab
from resolvers.market.feed import MarketFeed
from resolvers.trades import (
    VenueCloseFailed,
    close_trade,
    force_close_trade,
    list_open_trades,
    list_recent_trades,
    mark_trade_failed,
    open_trade,
)
from resolvers.trading_agents import ensure_seed_agent
from storage.events import Event
from storage.strategies import Strategy
from storage.trades import Trade
from tests.resolvers.factories import make_strategy

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


@pytest.fixture
def lab() -> Lab:
    return build_lab(MarketFeed(7, datetime(2026, 1, 1, tzinfo=UTC)))


async def held_trade(
    session: AsyncSession, lab: Lab, strategy: Strategy, *, side: str = "buy", size: float = 0.5
) -> Trade:
    """A trade opened the way the paper service opens one: ledger first, then the venue."""
    trade = await open_trade(
        session, symbol="BTC-USD", side=side, size=size, entry_price=1, strategy_id=strategy.id
    )
    fill = await lab.exchange.open(
        session, trade_id=trade.id, symbol="BTC-USD", side=side, size=size, now=NOW
    )
    trade.entry_price, trade.fees = fill.price, fill.fee
    await session.flush()
    return trade


async def topics(session: AsyncSession, topic: str) -> int:
    return int(await session.scalar(select(func.count()).where(Event.topic == topic)) or 0)


class TestForceClose:
    async def test_closes_the_venue_position_and_the_trade(
        self, session: AsyncSession, lab: Lab
    ) -> None:
        trade = await held_trade(session, lab, await make_strategy(session, lab=lab))
        later = NOW + timedelta(hours=3)
        closed = await force_close_trade(session, trade_id=trade.id, lab=lab, now=later)
        [opened, exit_fill] = await lab.exchange.fills(session, trade_id=trade.id)
        assert closed.status == "closed" and closed.closed_at == later
        assert closed.exit_price == exit_fill.price and exit_fill.kind == "close"
        assert closed.pnl == pytest.approx(opened.realized_pnl + exit_fill.realized_pnl)
        assert await lab.exchange.position_for(session, trade_id=trade.id) is None
        assert await topics(session, "live.fill") == 1
        assert await topics(session, "trade.closed") == 1

    async def test_a_failed_venue_close_is_a_502_kept_on_the_trade(
        self, session: AsyncSession, lab: Lab
    ) -> None:
        trade = await held_trade(session, lab, await make_strategy(session, lab=lab))
        lab.exchange.faults.fail_closes()
        with pytest.raises(VenueCloseFailed) as failed:
            await force_close_trade(session, trade_id=trade.id, lab=lab, now=NOW)
        error = failed.value
        assert (error.status, error.code, error.persist) == (502, "EXCHANGE_CLOSE_FAILED", True)
        assert "mark-failed" in error.message and error.details["trade_id"] == trade.id
        assert trade.status == "open" and trade.close_attempted_at == NOW
        assert trade.close_error is not None and "EXCHANGE_CLOSE_FAILED" in trade.close_error
        assert await lab.exchange.position_for(session, trade_id=trade.id) is not None
        assert await topics(session, "trade.close_failed") == 1
        assert await topics(session, "live.fill") == 0
        lab.exchange.faults.clear()
        closed = await force_close_trade(session, trade_id=trade.id, lab=lab, now=NOW)
        assert closed.status == "closed" and closed.close_error is None

    async def test_a_position_the_venue_lost_is_a_502_too(
        self, session: AsyncSession, lab: Lab
    ) -> None:
        trade = await held_trade(session, lab, await make_strategy(session, lab=lab))
        await lab.exchange.drop_position(session, trade_id=trade.id)
        with pytest.raises(VenueCloseFailed) as failed:
            await force_close_trade(session, trade_id=trade.id, lab=lab, now=NOW)
        assert failed.value.code == "EXCHANGE_POSITION_MISSING"
        assert trade.status == "open" and "EXCHANGE_POSITION_MISSING" in (trade.close_error or "")

    async def test_refusals(self, session: AsyncSession, lab: Lab) -> None:
        with pytest.raises(NotFound):
            await force_close_trade(session, trade_id=404, lab=lab, now=NOW)
        trade = await held_trade(session, lab, await make_strategy(session, lab=lab))
        await force_close_trade(session, trade_id=trade.id, lab=lab, now=NOW)
        with pytest.raises(Conflict) as again:
            await force_close_trade(session, trade_id=trade.id, lab=lab, now=NOW)
        assert again.value.code == "TRADE_NOT_OPEN"
        agent = await ensure_seed_agent(session)
        theirs = await open_trade(
            session, symbol="BTC-USD", side="buy", size=1, entry_price=10, trading_agent_id=agent.id
        )
        with pytest.raises(Conflict) as agents:
            await force_close_trade(session, trade_id=theirs.id, lab=lab, now=NOW)
        assert agents.value.code == "AGENT_TRADE" and theirs.status == "open"


class TestMarkFailed:
    async def test_writes_the_trade_off_and_leaves_the_venue_alone(
        self, session: AsyncSession, lab: Lab
    ) -> None:
        trade = await held_trade(session, lab, await make_strategy(session, lab=lab))
        failed = await mark_trade_failed(
            session, trade_id=trade.id, reason="stuck on the venue", lab=lab, now=NOW
        )
        assert (failed.status, failed.failure_reason) == ("failed", "stuck on the venue")
        assert failed.closed_at == NOW and failed.pnl is None
        assert [t.id for t in await list_open_trades(session, lab=lab)] == []
        assert await lab.exchange.position_for(session, trade_id=trade.id) is not None
        assert await topics(session, "trade.failed") == 1

    async def test_default_reason_and_refusals(self, session: AsyncSession, lab: Lab) -> None:
        strategy = await make_strategy(session, lab=lab)
        trade = await open_trade(
            session, symbol="ETH", side="sell", size=1, entry_price=5, strategy_id=strategy.id
        )
        with pytest.raises(InvalidInput):
            await mark_trade_failed(session, trade_id=trade.id, reason="x" * 501, lab=lab)
        assert trade.status == "open" and await topics(session, "trade.failed") == 0
        failed = await mark_trade_failed(session, trade_id=trade.id, lab=lab)
        assert failed.failure_reason == "marked failed by the operator"
        with pytest.raises(Conflict) as again:
            await mark_trade_failed(session, trade_id=trade.id, lab=lab)
        assert again.value.code == "TRADE_NOT_OPEN"
        with pytest.raises(NotFound):
            await mark_trade_failed(session, trade_id=999, lab=lab)


class TestOpenTrades:
    async def test_verification_against_the_venue(self, session: AsyncSession, lab: Lab) -> None:
        strategy = await make_strategy(session, lab=lab)
        good = await held_trade(session, lab, strategy)
        lost = await held_trade(session, lab, strategy)
        await lab.exchange.drop_position(session, trade_id=lost.id)
        odd = await open_trade(
            session, symbol="BTC-USD", side="buy", size=1, entry_price=1, strategy_id=strategy.id
        )
        await lab.exchange.open(
            session, trade_id=odd.id, symbol="BTC-USD", side="sell", size=0.25, now=NOW
        )
        agent = await ensure_seed_agent(session)
        theirs = await open_trade(
            session, symbol="SOL-USD", side="buy", size=1, entry_price=2, trading_agent_id=agent.id
        )
        done = await held_trade(session, lab, strategy)
        await close_trade(session, trade_id=done.id, exit_price=2)
        plain = await list_open_trades(session, lab=lab)
        assert [t.id for t in plain] == [good.id, lost.id, odd.id, theirs.id]
        assert all(t.exchange_verified is None for t in plain)
        checked = {t.id: t for t in await list_open_trades(session, verify=True, lab=lab)}
        assert checked[good.id].exchange_verified is True
        assert checked[lost.id].exchange_verified is False
        assert "no position" in (checked[lost.id].exchange_detail or "")
        assert checked[odd.id].exchange_verified is False
        assert checked[odd.id].exchange_detail == "the exchange holds sell 0.25 BTC-USD"
        assert checked[theirs.id].exchange_verified is None
        assert "agent" in (checked[theirs.id].exchange_detail or "")


class TestRecentTrades:
    async def test_newest_activity_first_with_a_limit(self, session: AsyncSession) -> None:
        strategy = await make_strategy(session)

        async def trade_at(hours: int) -> Trade:
            return await open_trade(
                session,
                symbol="BTC",
                side="buy",
                size=1,
                entry_price=1,
                strategy_id=strategy.id,
                opened_at=NOW + timedelta(hours=hours),
            )

        early, middle, late = await trade_at(0), await trade_at(1), await trade_at(2)
        await close_trade(
            session, trade_id=early.id, exit_price=2, closed_at=NOW + timedelta(hours=5)
        )
        recent = await list_recent_trades(session)
        assert [t.id for t in recent] == [early.id, late.id, middle.id]
        assert [t.id for t in await list_recent_trades(session, limit=2)] == [early.id, late.id]
        for bad in (0, 501):
            with pytest.raises(InvalidInput):
                await list_recent_trades(session, limit=bad)
