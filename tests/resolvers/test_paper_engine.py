"""The paper service's tick: trading toward each family's target through the paper exchange,
failures kept to one strategy, strategies that leave, and never a promotion."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from resolvers.control import load_control
from resolvers.lab.services import Lab
from resolvers.lifecycle import transition_strategy
from resolvers.paper import get_paper_session, start_paper_service, step_paper_service
from resolvers.paper_engine import ALLOCATION, signal_for
from resolvers.quant.strategies import FAMILIES
from resolvers.readiness import evaluate_gates
from storage.approvals import Approval
from storage.events import Event
from storage.outbox import EventMessage, commit_and_publish
from storage.strategies import LifecycleTransition, Strategy
from storage.trades import Trade
from tests.resolvers.test_paper_service import START, market_lab, paper_strategy

HOUR = timedelta(hours=1)
FLIPPY = {"fast": 2, "slow": 5}  # an ma_cross that changes its mind every few hours


async def held(session: AsyncSession, strategy_id: int) -> list[Trade]:
    stmt = select(Trade).where(
        Trade.strategy_id == strategy_id,
        Trade.status == "open",
        Trade.paper_session_id.is_not(None),
    )
    return list((await session.execute(stmt.order_by(Trade.id))).scalars())


async def count(session: AsyncSession, topic: str) -> int:
    return int(await session.scalar(select(func.count()).where(Event.topic == topic)) or 0)


async def steps(session: AsyncSession, lab: Lab, start: datetime, hours: int) -> int:
    fills, now = 0, start
    for _ in range(hours):
        now += HOUR
        fills += await step_paper_service(session, lab=lab, now=now)
    return fills


class TestTrading:
    async def test_holds_the_family_target_on_the_venue(self, session: AsyncSession) -> None:
        lab = market_lab()
        strategy = await paper_strategy(session, params=FLIPPY)
        started = await start_paper_service(session, lab=lab, now=START)
        notional = started.capital * ALLOCATION
        now, fills, seen = START, 0, set()
        for _ in range(36):
            now += HOUR
            fills += await step_paper_service(session, lab=lab, now=now)
            candles = lab.feed.candles("BTC-USD", 3600, now, 300)
            target = int(FAMILIES["ma_cross"].signals(candles, FLIPPY)[-1])
            seen.add(target)
            open_now = await held(session, strategy.id)
            assert [1 if t.side == "buy" else -1 for t in open_now] == ([target] if target else [])
            venue = {p.trade_id: p for p in await lab.exchange.positions(session)}
            for trade in open_now:
                position = venue[trade.id]
                assert (position.side, position.size) == (trade.side, trade.size)
                assert trade.entry_price == position.entry_price
                assert trade.size * trade.entry_price == pytest.approx(notional, rel=1e-5)
        assert {-1, 1} <= seen, "the window must contain both directions"
        assert fills == await count(session, "live.fill") > 2
        closed = (await session.execute(select(Trade).where(Trade.status == "closed"))).scalars()
        for trade in closed:  # each close is the venue's close fill, its fees both legs
            legs = await lab.exchange.fills(session, trade_id=trade.id)
            assert [f.kind for f in legs] == ["open", "close"]
            assert trade.exit_price == legs[1].price
            assert trade.fees == pytest.approx(legs[0].fee + legs[1].fee)
        summary = await get_paper_session(session, session_id=started.id)
        assert summary.ticks == 36 and summary.last_tick_at == now

    async def test_one_indicator_update_per_closed_bar(self, session: AsyncSession) -> None:
        lab = market_lab()
        strategy = await paper_strategy(session)
        await start_paper_service(session, lab=lab, now=START)
        await step_paper_service(session, lab=lab, now=START + HOUR)
        await step_paper_service(session, lab=lab, now=START + HOUR + timedelta(minutes=20))
        assert await count(session, "live.indicator") == 1
        await step_paper_service(session, lab=lab, now=START + 2 * HOUR)
        rows = (await session.execute(select(Event).where(Event.topic == "live.indicator"))).all()
        assert len(rows) == 2
        payload = rows[-1][0].payload
        assert payload["strategy_id"] == strategy.id and payload["symbol"] == "BTC-USD"
        assert {"fast_sma", "slow_sma", "close"} <= set(payload["data"]["values"])
        assert payload["data"]["bar_ts"] == (START + HOUR).isoformat()

    async def test_carried_into_a_new_session(self, session: AsyncSession) -> None:
        lab = market_lab()
        strategy = await paper_strategy(session, family="macd_momentum")
        first = await start_paper_service(session, lab=lab, now=START)
        await steps(session, lab, START, 3)
        [kept] = await held(session, strategy.id)
        second = await start_paper_service(session, lab=lab, now=START + 3 * HOUR)
        later = START + 3 * HOUR + timedelta(minutes=1)  # same closed bar: same target
        signal = signal_for(lab, strategy, later)
        assert signal is not None and signal.target == (1 if kept.side == "buy" else -1)
        assert await step_paper_service(session, lab=lab, now=later) == 0
        assert [t.id for t in await held(session, strategy.id)] == [kept.id]  # carried on
        assert kept.paper_session_id == first.id != second.id
        summary = await get_paper_session(session, session_id=second.id)
        assert summary.ticks == 1 and summary.trade_count == 0


class TestFailures:
    async def test_a_failing_close_stays_with_its_strategy(self, session: AsyncSession) -> None:
        lab = market_lab()
        btc = await paper_strategy(session, params=FLIPPY)
        eth = await paper_strategy(session, symbol="ETH-USD", params=FLIPPY)
        await start_paper_service(session, lab=lab, now=START)
        now = START + HOUR
        await step_paper_service(session, lab=lab, now=now)
        [stuck] = await held(session, btc.id)
        lab.exchange.faults.fail_closes("BTC-USD")
        eth_fills_before = await count(session, "live.fill")
        while stuck.close_error is None:
            now += HOUR
            assert now < START + 72 * HOUR, "the BTC strategy never wanted to close"
            await step_paper_service(session, lab=lab, now=now)
            assert [t.id for t in await held(session, btc.id)] == [stuck.id]  # never doubled
        assert stuck.status == "open" and stuck.close_attempted_at == now
        assert stuck.close_error.startswith("EXCHANGE_CLOSE_FAILED")
        assert await lab.exchange.position_for(session, trade_id=stuck.id) is not None
        assert await count(session, "paper.step_failed") >= 1
        for _ in range(24):  # the other strategy trades on meanwhile
            now += HOUR
            await step_paper_service(session, lab=lab, now=now)
        eth_fills = await session.scalar(
            select(func.count()).where(Event.topic == "live.fill", Event.entity_id == "ETH-USD")
        )
        assert eth_fills and eth_fills > 0 and await count(session, "live.fill") > eth_fills_before
        assert [t.id for t in await held(session, btc.id)] in ([stuck.id], [])
        lab.exchange.faults.clear()
        while stuck.status == "open":
            now += HOUR
            await step_paper_service(session, lab=lab, now=now)
        assert stuck.close_error is None and stuck.pnl is not None
        assert eth.stage == "paper"

    async def test_a_refused_open_publishes_nothing_it_undid(
        self, session_factory: async_sessionmaker[AsyncSession]
    ) -> None:
        lab = market_lab()
        published: list[EventMessage] = []

        async def publish(messages: list[EventMessage]) -> None:
            published.extend(messages)

        async with session_factory() as session:
            await paper_strategy(session, family="macd_momentum")
            await start_paper_service(session, lab=lab, now=START)
            # the venue holds a stray position larger than the account: no cash is left
            await lab.exchange.add_stray_position(
                session, symbol="ETH-USD", side="buy", size=1_000, now=START
            )
            await commit_and_publish(session, publish)
            published.clear()
            assert await step_paper_service(session, lab=lab, now=START + HOUR) == 0
            await commit_and_publish(session, publish)
        async with session_factory() as session:
            stored = {e.id: e.topic for e in (await session.execute(select(Event))).scalars()}
            assert await session.scalar(select(func.count()).select_from(Trade)) == 0
        topics = [m.topic for m in published]
        assert "trade.opened" not in topics and "paper.step_failed" in topics
        assert all(stored.get(m.id) == m.topic for m in published)
        refused = next(m for m in published if m.topic == "paper.step_failed")
        assert refused.payload["code"] == "INSUFFICIENT_CAPITAL"


class TestLeavingAndPromotion:
    async def test_a_strategy_that_leaves_paper_is_closed_out(self, session: AsyncSession) -> None:
        lab = market_lab()
        strategy = await paper_strategy(session, family="macd_momentum")
        await start_paper_service(session, lab=lab, now=START)
        await steps(session, lab, START, 2)
        [trade] = await held(session, strategy.id)
        await transition_strategy(
            session, strategy_id=strategy.id, target="live", enforce_gates=False, now=START, lab=lab
        )
        assert await step_paper_service(session, lab=lab, now=START + 3 * HOUR) == 1
        assert trade.status == "closed" and await held(session, strategy.id) == []
        assert await count(session, "paper.strategy_left") == 1
        await steps(session, lab, START + 3 * HOUR, 5)
        assert await held(session, strategy.id) == [] and strategy.stage == "live"

    async def test_never_promotes_even_when_the_live_gates_pass(
        self, session: AsyncSession
    ) -> None:
        lab = market_lab(paper_locked=False)  # so that every live gate can pass
        strategy = await paper_strategy(session, family="macd_momentum")
        before = await session.scalar(select(func.count()).select_from(LifecycleTransition))
        await start_paper_service(session, lab=lab, now=START)
        end = START + 8 * 24 * HOUR
        await steps(session, lab, START, 8 * 24)
        gates = await evaluate_gates(session, strategy=strategy, target="live", lab=lab, now=end)
        assert all(g.passed for g in gates), gates
        refreshed = await session.get(Strategy, strategy.id)
        assert refreshed is not None and refreshed.stage == "paper"
        after = await session.scalar(select(func.count()).select_from(LifecycleTransition))
        assert after == before
        assert await session.scalar(select(func.count()).select_from(Approval)) == 0


class TestIdle:
    async def test_nothing_runs_without_a_session(self, session: AsyncSession) -> None:
        assert await step_paper_service(session, lab=market_lab(), now=START) == 0

    async def test_nothing_runs_while_paused(self, session: AsyncSession) -> None:
        lab = market_lab()
        await paper_strategy(session, family="macd_momentum")
        started = await start_paper_service(session, lab=lab, now=START)
        (await load_control(session)).paused = True
        assert await steps(session, lab, START, 5) == 0
        summary = await get_paper_session(session, session_id=started.id)
        assert summary.ticks == 0 and summary.trade_count == 0
        (await load_control(session)).paused = False
        assert await steps(session, lab, START, 1) == 1
