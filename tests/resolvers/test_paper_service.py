"""The paper service: one running session, replaced on start, stopped on stop, listed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import Conflict, InvalidInput, NotFound
from resolvers.lab.services import Lab, LabConfig, build_lab
from resolvers.lifecycle import transition_strategy
from resolvers.market.feed import MarketFeed
from resolvers.paper import (
    get_paper_session,
    list_paper_session_trades,
    list_paper_sessions,
    start_paper_service,
    stop_paper_service,
)
from resolvers.strategies import add_strategy
from resolvers.trades import close_trade, open_trade
from storage.events import Event
from storage.paper import PaperSession
from storage.strategies import STAGES, Strategy
from tests.resolvers.factories import make_hypothesis

ORIGIN = datetime(2026, 1, 1, tzinfo=UTC)
START = datetime(2026, 3, 1, tzinfo=UTC)


def market_lab(**config: Any) -> Lab:
    """A lab on the seeded market (seed 7), with a fresh paper exchange."""
    return build_lab(MarketFeed(7, ORIGIN), config=LabConfig(**config))


async def paper_strategy(
    session: AsyncSession,
    *,
    symbol: str = "BTC-USD",
    family: str = "ma_cross",
    params: dict[str, Any] | None = None,
    stage: str = "paper",
    at: datetime = START,
) -> Strategy:
    """A strategy walked up to `stage` (gates off: these tests are about the paper service)."""
    lab = build_lab()  # set-up only: the default spawn limits
    hypothesis = await make_hypothesis(session)
    strategy = await add_strategy(
        session,
        hypothesis_id=hypothesis.id,
        name=f"{family} {symbol}",
        family=family,
        symbol=symbol,
        params=params,
        lab=lab,
    )
    for target in STAGES[1 : STAGES.index(stage) + 1]:
        await transition_strategy(
            session, strategy_id=strategy.id, target=target, enforce_gates=False, now=at, lab=lab
        )
    return strategy


async def topics(session: AsyncSession, topic: str) -> int:
    return int(await session.scalar(select(func.count()).where(Event.topic == topic)) or 0)


class TestStart:
    async def test_deploys_every_active_paper_strategy_by_default(
        self, session: AsyncSession
    ) -> None:
        lab = market_lab()
        a = await paper_strategy(session)
        b = await paper_strategy(session, symbol="ETH-USD")
        await paper_strategy(session, stage="research_only")
        started = await start_paper_service(session, lab=lab, now=START)
        assert started.status == "running" and started.deployed
        assert started.strategy_ids == [a.id, b.id]
        assert started.capital == pytest.approx(lab.exchange.capital)
        assert started.started_at == START and started.ticks == 0
        assert await topics(session, "paper.session_started") == 1

    async def test_without_paper_strategies_is_refused(self, session: AsyncSession) -> None:
        await paper_strategy(session, stage="research_only")
        with pytest.raises(InvalidInput) as refused:
            await start_paper_service(session, lab=market_lab(), now=START)
        assert refused.value.code == "NO_PAPER_STRATEGIES"
        assert await session.scalar(select(func.count()).select_from(PaperSession)) == 0

    async def test_checks_the_strategies_it_is_given(self, session: AsyncSession) -> None:
        lab = market_lab()
        paper = await paper_strategy(session)
        early = await paper_strategy(session, stage="research_only")
        with pytest.raises(NotFound):
            await start_paper_service(session, strategy_ids=[paper.id, 999], lab=lab, now=START)
        with pytest.raises(InvalidInput) as not_paper:
            await start_paper_service(session, strategy_ids=[early.id], lab=lab, now=START)
        assert not_paper.value.code == "STRATEGY_NOT_PAPER"
        for bad in ([], "1", [0], [True], [1.5]):
            with pytest.raises(InvalidInput):
                await start_paper_service(session, strategy_ids=bad, lab=lab, now=START)
        assert await session.scalar(select(func.count()).select_from(PaperSession)) == 0
        started = await start_paper_service(
            session, strategy_ids=[paper.id, paper.id], lab=lab, now=START
        )
        assert started.strategy_ids == [paper.id]

    async def test_starting_again_replaces_the_running_session(self, session: AsyncSession) -> None:
        lab = market_lab()
        await paper_strategy(session)
        first = await start_paper_service(session, lab=lab, now=START)
        later = START + timedelta(hours=5)
        second = await start_paper_service(session, lab=lab, now=later)
        old = await get_paper_session(session, session_id=first.id)
        assert old.status == "stopped" and old.stopped_at == later
        assert old.stop_reason == f"replaced by session {second.id}"
        running = await list_paper_sessions(session, deployed=True)
        assert [s.id for s in running.items] == [second.id]
        assert await topics(session, "paper.session_stopped") == 1

    async def test_capital_is_the_accounts_cash(self, session: AsyncSession) -> None:
        lab = market_lab()
        strategy = await paper_strategy(session)
        trade = await open_trade(
            session, symbol="BTC-USD", side="buy", size=1, entry_price=1, strategy_id=strategy.id
        )
        fill = await lab.exchange.open(
            session, trade_id=trade.id, symbol="BTC-USD", side="buy", size=0.5, now=START
        )
        started = await start_paper_service(session, lab=lab, now=START)
        assert started.capital == pytest.approx(lab.exchange.capital - fill.fee)


class TestStop:
    async def test_stops_the_running_session_with_a_reason(self, session: AsyncSession) -> None:
        lab = market_lab()
        await paper_strategy(session)
        started = await start_paper_service(session, lab=lab, now=START)
        stopped = await stop_paper_service(session, reason="done for today", lab=lab, now=START)
        assert stopped.id == started.id and stopped.status == "stopped" and not stopped.deployed
        assert stopped.stop_reason == "done for today"
        assert await topics(session, "paper.session_stopped") == 1

    async def test_nothing_running_is_a_conflict(self, session: AsyncSession) -> None:
        with pytest.raises(Conflict) as refused:
            await stop_paper_service(session, lab=market_lab(), now=START)
        assert refused.value.code == "PAPER_SERVICE_NOT_RUNNING"
        assert await topics(session, "paper.session_stopped") == 0

    async def test_default_reason_and_bounded_reason(self, session: AsyncSession) -> None:
        lab = market_lab()
        await paper_strategy(session)
        await start_paper_service(session, lab=lab, now=START)
        with pytest.raises(InvalidInput):
            await stop_paper_service(session, reason="x" * 201, lab=lab, now=START)
        assert (await list_paper_sessions(session, deployed=True)).items
        stopped = await stop_paper_service(session, lab=lab, now=START)
        assert stopped.stop_reason == "stopped by the operator"


class TestLists:
    async def test_deployed_filter_and_paging(self, session: AsyncSession) -> None:
        lab = market_lab()
        await paper_strategy(session)
        ids = [(await start_paper_service(session, lab=lab, now=START)).id for _ in range(3)]
        everything = await list_paper_sessions(session, first=2)
        assert [s.id for s in everything.items] == ids[:2] and everything.total_count == 3
        rest = await list_paper_sessions(session, first=2, after=everything.end_cursor)
        assert [s.id for s in rest.items] == ids[2:]
        stopped = await list_paper_sessions(session, deployed=False)
        assert [s.id for s in stopped.items] == ids[:2]
        running = await list_paper_sessions(session, deployed=True)
        assert [s.id for s in running.items] == ids[2:]

    async def test_session_trades_and_counts(self, session: AsyncSession) -> None:
        lab = market_lab()
        strategy = await paper_strategy(session)
        started = await start_paper_service(session, lab=lab, now=START)
        for pnl_exit in (None, 2.0):
            trade = await open_trade(
                session,
                symbol="BTC-USD",
                side="buy",
                size=1,
                entry_price=1,
                strategy_id=strategy.id,
                paper_session_id=started.id,
            )
            if pnl_exit is not None:
                await close_trade(session, trade_id=trade.id, exit_price=pnl_exit)
        await open_trade(  # not the session's
            session, symbol="BTC-USD", side="buy", size=1, entry_price=1, strategy_id=strategy.id
        )
        page = await list_paper_session_trades(session, session_id=started.id)
        assert len(page.items) == 2 and page.total_count == 2
        assert all(t.paper_session_id == started.id for t in page.items)
        summary = await get_paper_session(session, session_id=started.id)
        assert (summary.trade_count, summary.open_trade_count) == (2, 1)
        assert summary.realized_pnl == pytest.approx(1.0)

    async def test_unknown_session_is_not_found(self, session: AsyncSession) -> None:
        with pytest.raises(NotFound):
            await list_paper_session_trades(session, session_id=41)
        with pytest.raises(NotFound):
            await get_paper_session(session, session_id=41)
