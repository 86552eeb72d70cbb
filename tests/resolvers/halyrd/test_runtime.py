"""The runtime step over days of hourly bars: it trades toward the strategy's targets, snapshots
equity, is deterministic and idempotent per bar, and goes on past refusals."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.halyrd.runtime import StepReport, step_agent
from resolvers.market.feed import MarketFeed
from resolvers.quant.strategies import FAMILIES
from storage.engine import create_engine, create_session_factory
from tests.resolvers.halyrd.h2_helpers import (
    T0,
    equity_of,
    hours,
    journal_of,
    make_agent,
    make_feed,
    orders_of,
    trades_of,
)

FAST: dict[str, Any] = {
    "family": "ma_cross",
    "params": {"fast": 3, "slow": 12},
    "lookback_bars": 60,
}
SPOT: dict[str, Any] = {"strategy": FAST}
PERP: dict[str, Any] = {"strategy": {**FAST, "market_mode": "perp"}, "executor_mode": "perp"}


async def run(
    session: AsyncSession, agent_id: str, feed: MarketFeed, steps: int, start: datetime = T0
) -> list[StepReport]:
    return [
        await step_agent(session, agent_id=agent_id, now=start + hours(i), feed=feed)
        for i in range(steps)
    ]


def target(feed: MarketFeed, symbol: str, now: datetime, *, spot: bool) -> int:
    bars = feed.candles(symbol, 3600, now, FAST["lookback_bars"])
    value = int(FAMILIES["ma_cross"].signals(bars, FAST["params"])[-1])
    return max(value, 0) if spot else value


async def directions(session: AsyncSession, agent_id: str) -> dict[str, int]:
    held = {t.symbol: 1 if t.side == "buy" else -1 for t in await trades_of(session, agent_id)}
    open_ = {t.symbol for t in await trades_of(session, agent_id) if t.status == "open"}
    return {symbol: held[symbol] if symbol in open_ else 0 for symbol in held}


class TestStepAgent:
    async def test_days_of_steps_follow_the_strategy_and_snapshot_equity(
        self, session: AsyncSession
    ) -> None:
        agent = await make_agent(session, config=SPOT)
        feed = make_feed()
        reports: list[StepReport] = []
        for i in range(72):
            now = T0 + hours(i)
            reports.append(await step_agent(session, agent_id="h2", now=now, feed=feed))
            held = await directions(session, "h2")
            for symbol in ("BTC-USD", "ETH-USD", "SOL-USD"):
                assert held.get(symbol, 0) == target(feed, symbol, now, spot=True), (symbol, now)
        filled = [ref for report in reports for ref in report.filled]
        assert len(filled) >= 10
        assert all(not report.refused for report in reports)
        trades = await trades_of(session, "h2")
        assert trades and all(t.side == "buy" for t in trades)  # spot: targets clipped at flat
        assert any(t.status == "closed" and t.pnl is not None for t in trades)
        snapshots = await equity_of(session, "h2")
        assert [s.ts_s for s in snapshots] == [int((T0 + hours(i)).timestamp()) for i in range(72)]
        assert snapshots[-1].equity == reports[-1].equity
        assert len({round(s.equity, 6) for s in snapshots}) > 10  # marked to market each hour
        assert agent.last_heartbeat == T0 + hours(71)
        decisions = [e for e in await journal_of(session, "h2") if e.kind == "decision"]
        assert len(decisions) == sum(len(r.decisions) for r in reports)
        assert {"family", "target", "close", "reference_mid"} <= set(decisions[0].data)

    async def test_the_same_seed_gives_the_same_trades(self, session: AsyncSession) -> None:
        for agent_id in ("a", "b", "c"):
            await make_agent(session, agent_id=agent_id, config=SPOT, running=False)
        await run(session, "a", make_feed(seed=11), 36)
        await run(session, "b", make_feed(seed=11), 36)
        await run(session, "c", make_feed(seed=12), 36)

        async def book(agent_id: str) -> list[tuple[Any, ...]]:
            return [
                (t.symbol, t.side, t.size, t.entry_price, t.exit_price, t.pnl, t.opened_at)
                for t in await trades_of(session, agent_id)
            ]

        assert await book("a") == await book("b")
        assert await book("a") != await book("c")
        curves = [[s.equity for s in await equity_of(session, i)] for i in ("a", "b")]
        assert curves[0] == curves[1]

    async def test_stepping_twice_at_one_moment_trades_once(self, session: AsyncSession) -> None:
        await make_agent(session, config=SPOT)
        feed = make_feed()
        busy = [i for i, report in enumerate(await run(session, "h2", feed, 30)) if report.filled]
        assert len(busy) >= 2
        for i in busy[:2]:  # the same moments again, from a fresh agent's start
            await make_agent(session, agent_id=f"again{i}", config=SPOT, running=False)
            await run(session, f"again{i}", feed, i + 1)
            orders = len(await orders_of(session, f"again{i}"))
            again = await step_agent(session, agent_id=f"again{i}", now=T0 + hours(i), feed=feed)
            assert again.filled == () and again.decisions == ()
            assert len(await orders_of(session, f"again{i}")) == orders
            assert len(await equity_of(session, f"again{i}")) == i + 1

    async def test_perp_goes_short_where_spot_stays_flat(self, session: AsyncSession) -> None:
        await make_agent(session, agent_id="spot", config=SPOT, running=False)
        await make_agent(session, agent_id="perp", config=PERP, running=False)
        await run(session, "spot", make_feed(), 48)
        await run(session, "perp", make_feed(), 48)
        assert {t.side for t in await trades_of(session, "perp")} == {"buy", "sell"}
        assert {t.side for t in await trades_of(session, "spot")} == {"buy"}

    async def test_refusals_are_recorded_and_the_step_goes_on(self, session: AsyncSession) -> None:
        await make_agent(session, config=SPOT)
        feed = make_feed()
        await run(session, "h2", feed, 12)
        before = await directions(session, "h2")
        feed.pause(at=T0 + hours(11))
        paused = await run(session, "h2", feed, 24, start=T0 + hours(12))
        codes = {code for report in paused for _, code in report.refused}
        assert codes == {"QUOTE_STALE"}
        assert all(report.filled == () for report in paused)
        assert await directions(session, "h2") == before
        skips = [e for e in await journal_of(session, "h2") if e.kind == "skip"]
        assert len(skips) == sum(len(r.refused) for r in paused)
        assert len(await equity_of(session, "h2")) == 36  # snapshots go on while paused
        feed.resume()
        resumed = await run(session, "h2", feed, 1, start=T0 + hours(36))
        assert resumed[0].filled and not resumed[0].refused

    async def test_a_perp_spec_on_a_spot_executor_never_trades(self, session: AsyncSession) -> None:
        await make_agent(session, config={"strategy": {**FAST, "market_mode": "perp"}})
        reports = await run(session, "h2", make_feed(), 24)
        codes = [code for report in reports for _, code in report.refused]
        assert codes and set(codes) == {"MARKET_MODE_MISMATCH"}
        assert await trades_of(session, "h2") == []

    async def test_a_live_agent_signs_its_orders(self, session: AsyncSession) -> None:
        await make_agent(session, status="LIVE", config=SPOT)
        await run(session, "h2", make_feed(), 24)
        filled = [o for o in await orders_of(session, "h2") if o.status == "filled"]
        assert filled
        assert all(o.phase == "live" and o.tx_hash for o in filled)
        assert {t.phase for t in await trades_of(session, "h2")} == {"live"}
        assert {s.phase for s in await equity_of(session, "h2")} == {"live"}

    async def test_promotion_flattens_the_paper_book_before_any_live_order(
        self, session: AsyncSession
    ) -> None:
        agent = await make_agent(session, config=SPOT)
        feed = make_feed()
        await run(session, "h2", feed, 48)
        paper_open = [t for t in await trades_of(session, "h2") if t.status == "open"]
        assert paper_open, "the paper run should end holding a position"
        agent.status, agent.phase, agent.twak_session = "LIVE", "live", "active"
        await run(session, "h2", feed, 1, start=T0 + hours(48))
        for trade in paper_open:
            await session.refresh(trade)
            assert trade.status == "closed"
        closing = [
            o
            for o in await orders_of(session, "h2")
            if o.trade_id in {t.id for t in paper_open} and o.intent == "exit"
        ]
        assert closing and all(o.phase == "paper" and o.tx_hash is None for o in closing)
        live = [t for t in await trades_of(session, "h2") if t.phase == "live"]
        assert all(t.status == "open" for t in live)


@pytest.mark.postgres
async def test_steps_on_postgresql_match_sqlite(postgres_url: str, session: AsyncSession) -> None:
    await make_agent(session, config=SPOT)
    await run(session, "h2", make_feed(), 24)
    engine = create_engine(postgres_url)
    try:
        async with create_session_factory(engine)() as pg:
            await make_agent(pg, config=SPOT)
            await run(pg, "h2", make_feed(), 24)
            await pg.commit()
            trades = [(t.symbol, t.entry_price, t.pnl) for t in await trades_of(pg, "h2")]
            assert trades and trades == [
                (t.symbol, t.entry_price, t.pnl) for t in await trades_of(session, "h2")
            ]
            assert len(await equity_of(pg, "h2")) == 24
    finally:
        await engine.dispose()
