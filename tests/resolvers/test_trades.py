"""Trades: ownership, pnl on close, listing."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import Conflict, InvalidInput, NotFound
from resolvers.trades import close_trade, list_trades, open_trade
from resolvers.trading_agents import ensure_seed_agent
from tests.resolvers.factories import make_strategy


class TestOpenTrade:
    async def test_needs_exactly_one_owner(self, session: AsyncSession) -> None:
        strategy = await make_strategy(session)
        await ensure_seed_agent(session)
        with pytest.raises(InvalidInput):
            await open_trade(session, symbol="BTC", side="buy", size=1, entry_price=10)
        with pytest.raises(InvalidInput):
            await open_trade(
                session,
                symbol="BTC",
                side="buy",
                size=1,
                entry_price=10,
                strategy_id=strategy.id,
                trading_agent_id="seed",
            )

    async def test_unknown_owner_is_not_found(self, session: AsyncSession) -> None:
        with pytest.raises(NotFound):
            await open_trade(
                session, symbol="BTC", side="buy", size=1, entry_price=10, strategy_id=999
            )

    @pytest.mark.parametrize(
        ("field", "value"), [("size", 0), ("size", -1), ("entry_price", 0), ("side", "long")]
    )
    async def test_rejects_bad_values(
        self, session: AsyncSession, field: str, value: object
    ) -> None:
        strategy = await make_strategy(session)
        kwargs: dict[str, object] = {"symbol": "BTC", "side": "buy", "size": 1, "entry_price": 10}
        kwargs[field] = value
        with pytest.raises(InvalidInput):
            await open_trade(session, strategy_id=strategy.id, **kwargs)  # type: ignore[arg-type]


class TestCloseTrade:
    @pytest.mark.parametrize(
        ("side", "entry", "exit_", "expected"),
        [("buy", 100.0, 110.0, 2 * 10 - 3.0), ("sell", 100.0, 110.0, -2 * 10 - 3.0)],
    )
    async def test_pnl_is_net_of_both_legs_fees(
        self, session: AsyncSession, side: str, entry: float, exit_: float, expected: float
    ) -> None:
        strategy = await make_strategy(session)
        trade = await open_trade(
            session,
            strategy_id=strategy.id,
            symbol="BTC",
            side=side,
            size=2,
            entry_price=entry,
            fees=1.0,
        )
        closed = await close_trade(session, trade_id=trade.id, exit_price=exit_, exit_fees=2.0)
        assert closed.status == "closed"
        assert closed.fees == pytest.approx(3.0)
        assert closed.pnl == pytest.approx(expected)

    async def test_closing_twice_conflicts(self, session: AsyncSession) -> None:
        strategy = await make_strategy(session)
        trade = await open_trade(
            session, strategy_id=strategy.id, symbol="BTC", side="buy", size=1, entry_price=5
        )
        await close_trade(session, trade_id=trade.id, exit_price=6)
        with pytest.raises(Conflict):
            await close_trade(session, trade_id=trade.id, exit_price=7)


class TestListTrades:
    async def test_filters_and_pages(self, session: AsyncSession) -> None:
        strategy = await make_strategy(session)
        ids = []
        for i in range(5):
            trade = await open_trade(
                session,
                strategy_id=strategy.id,
                symbol="BTC",
                side="buy",
                size=1,
                entry_price=10 + i,
            )
            ids.append(trade.id)
        await close_trade(session, trade_id=ids[0], exit_price=12)
        first = await list_trades(session, status="open", first=2)
        assert [t.id for t in first.items] == ids[1:3]
        assert first.has_next_page and first.total_count == 4
        rest = await list_trades(session, status="open", first=2, after=first.end_cursor)
        assert [t.id for t in rest.items] == ids[3:5]
        assert not rest.has_next_page
