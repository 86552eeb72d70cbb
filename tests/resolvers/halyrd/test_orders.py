"""The order pipeline through manual orders: fills and netting, and each refusal code from a real
scenario, with its records written, streamed and still there after the commit."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from resolvers.errors import InvalidInput, NotFound
from resolvers.halyrd.config import parse_config
from resolvers.halyrd.orders import FEE_RATE, place_order
from resolvers.halyrd.refusals import OrderRefused
from resolvers.market.feed import MarketFeed
from storage.engine import create_engine, create_session_factory
from storage.trading_agents import TradingAgent
from tests.resolvers.halyrd.h2_helpers import (
    T0,
    blocks_of,
    events_of,
    hours,
    journal_of,
    make_agent,
    make_feed,
    orders_of,
    trades_of,
)

TRADE_KEYS = {
    "id", "strategy_id", "agent_id", "symbol", "side", "size", "entry_price", "exit_price",
    "fees", "pnl", "status", "phase", "failure_reason", "opened_at", "closed_at",
    "close_error", "paper_session_id", "bot_id",
}  # fmt: skip
PERP = {"executor_mode": "perp", "strategy": {"market_mode": "perp"}}


async def order(session: AsyncSession, feed: MarketFeed, side: str, size: float, **kw: Any) -> Any:
    kw.setdefault("now", T0)
    kw.setdefault("symbol", "BTC-USD")
    return await place_order(session, agent_id="h2", side=side, size=size, feed=feed, **kw)


class TestFills:
    async def test_a_buy_fills_at_the_ask_and_opens_a_trade(self, session: AsyncSession) -> None:
        await make_agent(session)
        feed = make_feed()
        quote = feed.quote("BTC-USD", T0)
        row = await place_order(
            session, agent_id="current", symbol="btc-usd", side="buy", size=0.01, feed=feed, now=T0
        )
        assert (row.status, row.intent, row.phase, row.code) == ("filled", "manual", "paper", None)
        assert row.price == quote.ask
        assert row.order_ref == f"ord_{row.id}"
        [trade] = await trades_of(session, "h2")
        assert row.trade_id == trade.id
        assert (trade.symbol, trade.side, trade.size, trade.status) == (
            "BTC-USD",
            "buy",
            0.01,
            "open",
        )
        assert trade.entry_price == quote.ask
        assert trade.fees == pytest.approx(0.01 * quote.ask * FEE_RATE)
        [entry] = [e for e in await journal_of(session, "h2") if e.kind == "fill"]
        assert entry.data["order_ref"] == row.order_ref and entry.ts == T0
        [event] = await events_of(session, "h2", "trade")
        assert set(event["data"]) == TRADE_KEYS
        assert event["data"]["id"] == trade.id and event["data"]["status"] == "open"

    async def test_selling_the_position_is_an_exit_that_closes_it(
        self, session: AsyncSession
    ) -> None:
        await make_agent(session)
        feed = make_feed()
        buy = await order(session, feed, "buy", 0.01)
        later = T0 + hours(5)
        bid = feed.quote("BTC-USD", later).bid
        sell = await order(session, feed, "sell", 0.01, now=later)
        assert (sell.intent, sell.price, sell.trade_id) == ("exit", bid, buy.trade_id)
        [trade] = await trades_of(session, "h2")
        fees = (buy.price + bid) * 0.01 * FEE_RATE
        assert trade.status == "closed" and trade.closed_at == later
        assert trade.pnl == pytest.approx((bid - buy.price) * 0.01 - fees)

    async def test_a_smaller_sell_closes_a_split_off_part(self, session: AsyncSession) -> None:
        await make_agent(session)
        feed = make_feed()
        buy = await order(session, feed, "buy", 0.02)
        sell = await order(session, feed, "sell", 0.005, now=T0 + hours(1))
        assert sell.intent == "exit"
        held, part = await trades_of(session, "h2")
        assert (held.status, held.size, held.entry_price) == ("open", 0.015, buy.price)
        assert (part.status, part.size, part.entry_price) == ("closed", 0.005, buy.price)
        assert sell.trade_id == part.id
        entry_fee = buy.notional * FEE_RATE
        assert held.fees + part.fees == pytest.approx(entry_fee + sell.notional * FEE_RATE)
        assert part.pnl == pytest.approx(
            (sell.price - buy.price) * 0.005 - entry_fee / 4 - sell.notional * FEE_RATE
        )

    async def test_a_second_buy_adds_at_the_average_price(self, session: AsyncSession) -> None:
        await make_agent(session)
        feed = make_feed()
        first = await order(session, feed, "buy", 0.01)
        second = await order(session, feed, "buy", 0.03, now=T0 + hours(3))
        [trade] = await trades_of(session, "h2")
        assert trade.size == pytest.approx(0.04)
        assert trade.entry_price == pytest.approx((first.price + 3 * second.price) / 4)
        assert second.intent == "manual"

    async def test_a_larger_opposite_order_flips_a_perp_position(
        self, session: AsyncSession
    ) -> None:
        await make_agent(session, config=PERP)
        feed = make_feed()
        await order(session, feed, "buy", 0.01)
        flip = await order(session, feed, "sell", 0.03, now=T0 + hours(1))
        closed, short = await trades_of(session, "h2")
        assert flip.intent == "manual" and flip.trade_id == short.id
        assert closed.status == "closed"
        assert (short.side, short.status, short.entry_price) == ("sell", "open", flip.price)
        assert short.size == pytest.approx(0.02)
        assert len(await events_of(session, "h2", "trade")) == 3


async def assert_refused(
    session: AsyncSession,
    factory: async_sessionmaker[AsyncSession],
    refusal: OrderRefused,
    *,
    code: str,
    layer: str,
    rule: str,
    kind: str,
) -> None:
    """The order, its block, the journal entry and the event exist, and survive the commit."""
    assert (refusal.code, refusal.layer, refusal.rule) == (code, layer, rule)
    [*_, row] = await orders_of(session, "h2")
    assert (row.status, row.code, row.trade_id) == ("blocked", code, None)
    assert refusal.details["order_ref"] == row.order_ref
    [block] = await blocks_of(session, "h2")
    assert (block.order_id, block.layer, block.rule, block.code) == (row.id, layer, rule, code)
    assert block.reason == refusal.message
    [*_, entry] = await journal_of(session, "h2")
    assert entry.kind == kind and code in entry.message
    [event] = await events_of(session, "h2", "risk_veto")
    assert event["type"] == "risk_veto"
    assert event["data"]["order_ref"] == row.order_ref
    assert (event["data"]["code"], event["data"]["rule"]) == (code, rule)
    await session.commit()  # what the request boundary does for a refusal with persist = True
    async with factory() as fresh:
        assert [o.code for o in await orders_of(fresh, "h2")][-1] == code
        assert [b.rule for b in await blocks_of(fresh, "h2")] == [rule]
        assert (await journal_of(fresh, "h2"))[-1].kind == kind
        assert len(await events_of(fresh, "h2", "risk_veto")) == 1


class TestRefusals:
    async def test_a_sized_up_order_is_a_risk_veto(
        self, session: AsyncSession, session_factory: async_sessionmaker[AsyncSession]
    ) -> None:
        await make_agent(session)
        feed = make_feed()
        size = 0.5 * 10_000 / feed.quote("BTC-USD", T0).reference_mid  # half the equity
        with pytest.raises(OrderRefused) as caught:
            await order(session, feed, "buy", size)
        assert "limit 25.00%" in caught.value.message
        await assert_refused(
            session,
            session_factory,
            caught.value,
            code="RISK_VETO",
            layer="policy",
            rule="max_trade_pct",
            kind="block",
        )
        assert await trades_of(session, "h2") == []

    async def test_a_paused_feed_makes_the_quote_stale(
        self, session: AsyncSession, session_factory: async_sessionmaker[AsyncSession]
    ) -> None:
        await make_agent(session)
        feed = make_feed()
        feed.pause("BTC-USD", at=T0)
        with pytest.raises(OrderRefused) as caught:
            await order(session, feed, "buy", 0.01, now=T0 + timedelta(minutes=10))
        await assert_refused(
            session,
            session_factory,
            caught.value,
            code="QUOTE_STALE",
            layer="quote",
            rule="quote_age",
            kind="skip",
        )

    async def test_a_dislocated_venue_diverges(
        self, session: AsyncSession, session_factory: async_sessionmaker[AsyncSession]
    ) -> None:
        await make_agent(session)
        feed = make_feed()
        feed.set_dislocation("BTC-USD", 120)
        with pytest.raises(OrderRefused) as caught:
            await order(session, feed, "buy", 0.01)
        await assert_refused(
            session,
            session_factory,
            caught.value,
            code="QUOTE_DIVERGENCE",
            layer="quote",
            rule="mid_divergence",
            kind="skip",
        )

    async def test_a_thin_book_lacks_liquidity(
        self, session: AsyncSession, session_factory: async_sessionmaker[AsyncSession]
    ) -> None:
        await make_agent(session)
        feed = make_feed()
        feed.set_depth_factor("BTC-USD", 1e-4)
        with pytest.raises(OrderRefused) as caught:
            await order(session, feed, "buy", 0.01)
        await assert_refused(
            session,
            session_factory,
            caught.value,
            code="INSUFFICIENT_LIQUIDITY",
            layer="quote",
            rule="book_depth",
            kind="block",
        )

    async def test_a_perp_spec_on_a_spot_executor_is_a_mode_mismatch(
        self, session: AsyncSession, session_factory: async_sessionmaker[AsyncSession]
    ) -> None:
        await make_agent(session, config={"strategy": {"market_mode": "perp"}})
        with pytest.raises(OrderRefused) as caught:
            await order(session, make_feed(), "buy", 0.01)
        await assert_refused(
            session,
            session_factory,
            caught.value,
            code="MARKET_MODE_MISMATCH",
            layer="mode",
            rule="spec_mode",
            kind="block",
        )

    async def test_a_spot_sell_without_the_asset_is_a_mode_mismatch(
        self, session: AsyncSession, session_factory: async_sessionmaker[AsyncSession]
    ) -> None:
        await make_agent(session)
        with pytest.raises(OrderRefused) as caught:
            await order(session, make_feed(), "sell", 0.01)
        await assert_refused(
            session,
            session_factory,
            caught.value,
            code="MARKET_MODE_MISMATCH",
            layer="mode",
            rule="spot_short",
            kind="block",
        )

    async def test_a_live_agent_past_its_daily_cap_is_a_twak_block(
        self, session: AsyncSession, session_factory: async_sessionmaker[AsyncSession]
    ) -> None:
        await make_agent(session, status="LIVE", config={"signing": {"daily_cap": 1_000.0}})
        feed = make_feed()
        first = await order(session, feed, "buy", 0.01)  # about 720 of notional
        assert (first.status, first.phase) == ("filled", "live")
        assert first.tx_hash is not None and first.tx_hash.startswith("0x")
        assert (await trades_of(session, "h2"))[0].phase == "live"
        with pytest.raises(OrderRefused) as caught:
            await order(session, feed, "buy", 0.01, now=T0 + hours(1))
        await assert_refused(
            session,
            session_factory,
            caught.value,
            code="TWAK_BLOCK",
            layer="signing",
            rule="daily_cap",
            kind="block",
        )


class TestPolicyAndExits:
    async def test_an_exit_is_never_vetoed_by_policy(self, session: AsyncSession) -> None:
        agent = await make_agent(session)
        feed = make_feed()
        await order(session, feed, "buy", 0.01)
        tight = parse_config({"risk": {"max_trade_pct": 0.001}})
        agent.config = tight.to_dict()
        with pytest.raises(OrderRefused, match="limit 0.10%"):
            await order(session, feed, "buy", 0.01, now=T0 + hours(1))
        sell = await order(session, feed, "sell", 0.01, now=T0 + hours(1))
        assert (sell.status, sell.intent) == ("filled", "exit")

    async def test_a_demoted_agent_trades_paper(self, session: AsyncSession) -> None:
        await make_agent(session, status="DEMOTED")
        row = await order(session, make_feed(), "buy", 0.01)
        assert (row.phase, row.tx_hash) == ("paper", None)


class TestValidation:
    @pytest.mark.parametrize(
        ("field", "kwargs"),
        [
            ("side", {"side": "hold"}),
            ("size", {"size": 0}),
            ("size", {"size": -1.0}),
            ("size", {"size": math.nan}),
            ("size", {"size": math.inf}),
            ("size", {"size": True}),
            ("size", {"size": 1e13}),
            ("symbol", {"symbol": "   "}),
        ],
    )
    async def test_bad_input_is_a_422_naming_the_field_and_records_nothing(
        self, session: AsyncSession, field: str, kwargs: dict[str, Any]
    ) -> None:
        agent: TradingAgent = await make_agent(session)
        values: dict[str, Any] = {"symbol": "BTC-USD", "side": "buy", "size": 0.01, **kwargs}
        with pytest.raises(InvalidInput) as caught:
            await place_order(session, agent_id=agent.id, feed=make_feed(), now=T0, **values)
        assert caught.value.details["field"] == field
        assert await orders_of(session, agent.id) == []

    async def test_an_unknown_agent_is_not_found(self, session: AsyncSession) -> None:
        with pytest.raises(NotFound):
            await place_order(
                session, agent_id="nobody", symbol="BTC-USD", side="buy", size=1, feed=make_feed()
            )


@pytest.mark.postgres
async def test_fills_and_refusals_persist_on_postgresql(postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    factory = create_session_factory(engine)
    try:
        async with factory() as session:
            await make_agent(session, status="LIVE", config=PERP)
            feed = make_feed()
            filled = await order(session, feed, "buy", 0.01)
            flip = await order(session, feed, "sell", 0.02, now=T0 + hours(1))
            feed.set_dislocation("BTC-USD", -90)
            with pytest.raises(OrderRefused):
                await order(session, feed, "buy", 0.01, now=T0 + hours(2))
            await session.commit()
        async with factory() as fresh:
            rows = await orders_of(fresh, "h2")
            assert [(o.status, o.code) for o in rows] == [
                ("filled", None),
                ("filled", None),
                ("blocked", "QUOTE_DIVERGENCE"),
            ]
            assert rows[0].tx_hash == filled.tx_hash and rows[0].ts == T0
            assert [(t.side, t.status) for t in await trades_of(fresh, "h2")] == [
                ("buy", "closed"),
                ("sell", "open"),
            ]
            assert rows[1].trade_id == flip.trade_id
            assert [b.rule for b in await blocks_of(fresh, "h2")] == ["mid_divergence"]
            assert len(await events_of(fresh, "h2", "trade")) == 3
    finally:
        await engine.dispose()
