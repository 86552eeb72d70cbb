"""The account: equity from real trades, the window's peak, the day's opening equity."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.halyrd.account import account_state, current_account, latest_marks
from resolvers.halyrd.config import parse_config
from resolvers.halyrd.equity import record_snapshot
from resolvers.trades import close_trade
from tests.resolvers.halyrd.h3_helpers import (
    T0,
    add_order,
    add_trade,
    hours,
    make_agent,
    postgres_session,
)

CONFIG = parse_config({})  # starting capital 10,000


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def db(request: pytest.FixtureRequest, session: AsyncSession) -> AsyncIterator[AsyncSession]:
    """The test's session on SQLite, and again on PostgreSQL when one is configured."""
    if request.param == "sqlite":
        yield session
        return
    async with postgres_session(request.getfixturevalue("postgres_url")) as pg:
        yield pg


class TestEquity:
    async def test_a_fresh_agent_holds_its_starting_capital(self, session: AsyncSession) -> None:
        agent = await make_agent(session)
        state = await account_state(session, agent=agent, config=CONFIG, marks={}, now=T0)
        assert state.equity == 10_000
        assert state.peak == 10_000
        assert state.day_start_equity == 10_000
        assert state.gross_exposure == 0
        assert state.open_by_symbol == {}

    async def test_realized_unrealized_and_fees(self, db: AsyncSession) -> None:
        agent = await make_agent(db)
        # closed paper long: (110 - 100) x 1 - 2 fees = +8
        won = await add_trade(db, agent, "BTC-USD", "buy", 1, 100, fees=1)
        await close_trade(db, trade_id=won.id, exit_price=110, exit_fees=1, closed_at=T0)
        # closed live short: (50 - 55) x 2 - 0.5 fees = -10.5
        lost = await add_trade(db, agent, "ETH-USD", "sell", 2, 50, fees=0.5, phase="live")
        await close_trade(db, trade_id=lost.id, exit_price=55, closed_at=T0)
        # open long marked at 130: +5 less its 0.6 entry fee; open short without a mark: -0.2
        await add_trade(db, agent, "BTC-USD", "buy", 0.5, 120, fees=0.6)
        await add_trade(db, agent, "SOL-USD", "sell", 10, 20, fees=0.2)
        state = await account_state(
            db, agent=agent, config=CONFIG, marks={"btc-usd": 130.0}, now=T0
        )
        assert state.equity == pytest.approx(10_000 + 8 - 10.5 + 4.4 - 0.2)
        assert state.gross_exposure == pytest.approx(0.5 * 130 + 10 * 20)
        assert state.open_by_symbol == {"BTC-USD": 0.5, "SOL-USD": -10}
        assert state.peak == pytest.approx(state.equity)  # no snapshot yet

    async def test_a_failed_trade_is_not_equity(self, session: AsyncSession) -> None:
        agent = await make_agent(session)
        trade = await add_trade(session, agent, "BTC-USD", "buy", 1, 100)
        trade.status = "failed"
        await session.flush()
        state = await account_state(session, agent=agent, config=CONFIG, marks={}, now=T0)
        assert state.equity == 10_000
        assert state.open_by_symbol == {}


class TestPeak:
    async def test_the_peak_is_the_windows_highest_snapshot(self, session: AsyncSession) -> None:
        agent = await make_agent(session, window_started_at=T0)
        await record_snapshot(
            session, agent_id=agent.id, ts=T0 - hours(1), equity=12_000, phase="paper"
        )
        for offset, equity in ((0, 10_000), (1, 10_500), (2, 10_200)):
            await record_snapshot(
                session, agent_id=agent.id, ts=T0 + hours(offset), equity=equity, phase="paper"
            )
        await record_snapshot(
            session, agent_id=agent.id, ts=T0 + hours(9), equity=11_000, phase="paper"
        )
        state = await account_state(
            session, agent=agent, config=CONFIG, marks={}, now=T0 + hours(3)
        )
        # 12,000 is before the window, 11,000 after `now`
        assert state.peak == 10_500
        assert state.drawdown == pytest.approx(1 - 10_000 / 10_500)

    async def test_current_equity_above_every_snapshot_is_the_peak(
        self, session: AsyncSession
    ) -> None:
        agent = await make_agent(session)
        await record_snapshot(session, agent_id=agent.id, ts=T0, equity=9_000, phase="paper")
        state = await account_state(session, agent=agent, config=CONFIG, marks={}, now=T0)
        assert state.peak == 10_000


class TestDayStart:
    async def test_last_snapshot_before_midnight(self, db: AsyncSession) -> None:
        agent = await make_agent(db, window_started_at=T0 - hours(48))
        for offset, equity in ((-25, 9_000), (-1, 10_100), (1, 10_300)):
            await record_snapshot(
                db, agent_id=agent.id, ts=T0 + hours(offset), equity=equity, phase="paper"
            )
        state = await account_state(db, agent=agent, config=CONFIG, marks={}, now=T0 + hours(5))
        assert state.day_start_equity == 10_100
        assert state.daily_loss == pytest.approx(1 - 10_000 / 10_100)
        state = await account_state(db, agent=agent, config=CONFIG, marks={}, now=T0 - hours(2))
        assert state.day_start_equity == 9_000

    async def test_first_snapshot_of_the_day_without_an_earlier_one(
        self, session: AsyncSession
    ) -> None:
        agent = await make_agent(session)
        await record_snapshot(
            session, agent_id=agent.id, ts=T0 + hours(2), equity=10_400, phase="paper"
        )
        await record_snapshot(
            session, agent_id=agent.id, ts=T0 + hours(3), equity=10_100, phase="paper"
        )
        early = await account_state(
            session, agent=agent, config=CONFIG, marks={}, now=T0 + hours(1)
        )
        assert early.day_start_equity == 10_000  # nothing yet at 01:00: starting capital
        later = await account_state(
            session, agent=agent, config=CONFIG, marks={}, now=T0 + hours(4)
        )
        assert later.day_start_equity == 10_400
        assert later.daily_loss == pytest.approx(1 - 10_000 / 10_400)


class TestLatestMarks:
    async def test_last_fill_per_symbol_marks_reads(self, db: AsyncSession) -> None:
        agent = await make_agent(db)
        await add_trade(db, agent, "BTC-USD", "buy", 2, 1_000)
        await add_order(db, agent, ts=T0, notional=2_000, price=1_000)
        await add_order(db, agent, ts=T0 + hours(1), notional=1_100, price=1_100)
        await add_order(db, agent, ts=T0 + hours(2), notional=1_500, price=1_500, status="blocked")
        marks = await latest_marks(db, agent_id=agent.id, symbols=["btc-usd", "ETH-USD"])
        assert marks == {"BTC-USD": 1_100}
        state = await current_account(db, agent=agent, config=CONFIG, now=T0 + hours(3))
        assert state.equity == pytest.approx(10_000 + 2 * 100)
        assert state.gross_exposure == pytest.approx(2 * 1_100)
