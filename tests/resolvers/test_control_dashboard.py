"""Status, heartbeat and dashboard are read from the ledger, the paper exchange and the job rows:
each figure here is recomputed by hand from the same data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.approvals import create_approval
from resolvers.dashboard import (
    PaperAccount,
    get_dashboard,
    get_system_heartbeat,
    get_system_status,
)
from resolvers.lab.services import Lab, build_lab
from resolvers.market.clock import MarketClock
from resolvers.market.feed import MarketFeed
from resolvers.scheduler import ensure_jobs, record_run, update_job
from resolvers.trades import close_trade, open_trade
from resolvers.trading_agents import ensure_seed_agent
from resolvers.views import from_row
from storage.base import utcnow
from storage.paper import PaperSession
from tests.resolvers.factories import make_hypothesis, make_strategy

ORIGIN = datetime(2026, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def lab() -> Lab:
    return build_lab(MarketFeed(7, ORIGIN), clock=MarketClock(start=NOW, wall=lambda: NOW))


async def test_status_counts(session: AsyncSession, lab: Lab) -> None:
    hypothesis = await make_hypothesis(session)
    first = await make_strategy(session, hypothesis, name="a", lab=lab)
    archived = await make_strategy(session, hypothesis, name="b", lab=lab)
    archived.status = "archived"
    await ensure_seed_agent(session)
    await open_trade(
        session, symbol="BTC-USD", side="buy", size=1, entry_price=10, strategy_id=first.id
    )
    await ensure_jobs(session)
    session.add(PaperSession(status="running", strategy_ids=[first.id], capital=1000.0))
    await session.flush()

    status = await get_system_status(session, lab=lab)
    assert (status.paused, status.mode, status.execution_mode) == (False, "semi_auto", "paper")
    assert status.strategies_by_stage.quick_screen == 1  # the archived one is not counted
    assert (status.open_trades, status.agents) == (1, 1)
    assert (status.paper_service.running, status.paper_service.deployed_strategies) == (True, 1)
    assert [job.id for job in status.scheduler][0] == "market_ticks"


async def test_heartbeat_beats_with_the_scheduler(session: AsyncSession, lab: Lab) -> None:
    await ensure_jobs(session)
    beat = await get_system_heartbeat(session, lab=lab)
    assert (beat.ts, beat.alive) == (None, False)

    recent = utcnow() - timedelta(seconds=1)
    await record_run(session, job_id="market_ticks", started_at=recent, status="ok")
    beat = await get_system_heartbeat(session, lab=lab)
    assert (beat.ts, beat.alive) == (recent, True)

    await update_job(session, job_id="market_ticks", enabled=False)
    assert not (await get_system_heartbeat(session, lab=lab)).alive  # nothing runs any more

    await update_job(session, job_id="market_ticks", enabled=True)
    stale = utcnow() - timedelta(seconds=30)
    await record_run(session, job_id="market_ticks", started_at=stale, status="ok")
    assert not (await get_system_heartbeat(session, lab=lab)).alive


async def test_heartbeat_equity_and_risk(session: AsyncSession, lab: Lab) -> None:
    strategy = await make_strategy(session, lab=lab)
    exchange = lab.exchange
    for trade_id, side, size in ((1, "buy", 0.5), (2, "sell", 2.0)):
        symbol = "BTC-USD" if trade_id == 1 else "ETH-USD"
        await open_trade(
            session, symbol=symbol, side=side, size=size, entry_price=1, strategy_id=strategy.id
        )
        await exchange.open(
            session, trade_id=trade_id, symbol=symbol, side=side, size=size, now=NOW
        )
    await exchange.close(session, trade_id=2, now=NOW)  # a realized loss: spread and two fees

    beat = await get_system_heartbeat(session, lab=lab)
    account = await exchange.account(session, now=NOW)
    assert beat.equity == from_row(PaperAccount, account)
    mark = exchange.mark_price("BTC-USD", NOW)
    assert beat.risk.open_positions == 1
    assert beat.risk.gross_exposure == pytest.approx(0.5 * mark)
    assert beat.risk.exposure_pct == pytest.approx(0.5 * mark / account.equity * 100)
    assert beat.risk.largest_position_pct == beat.risk.exposure_pct
    fills = [await exchange.fills(session, trade_id=i) for i in (1, 2)]
    cash = [account.capital]
    for fill in sorted((f for group in fills for f in group), key=lambda f: f.id):
        cash.append(cash[-1] + fill.realized_pnl)
    lowest = min(cash)
    assert beat.risk.max_drawdown_pct == pytest.approx(
        (account.capital - lowest) / account.capital * 100
    )
    assert beat.risk.max_drawdown_pct > 0


async def test_dashboard(session: AsyncSession, lab: Lab) -> None:
    strategy = await make_strategy(session, lab=lab)
    results = []
    for exit_price in (110.0, 90.0, 120.0):
        trade = await open_trade(
            session, symbol="BTC-USD", side="buy", size=1, entry_price=100, strategy_id=strategy.id
        )
        results.append(await close_trade(session, trade_id=trade.id, exit_price=exit_price))
    still_open = await open_trade(
        session, symbol="BTC-USD", side="sell", size=1, entry_price=100, strategy_id=strategy.id
    )
    await create_approval(
        session, type="promotion", target_type="strategy", target_id="1", owner="pipeline"
    )
    board = await get_dashboard(session, lab=lab)
    assert (board.trades.open, board.trades.closed, board.trades.failed) == (1, 3, 0)
    assert board.trades.realized_pnl == pytest.approx(sum(t.pnl or 0 for t in results))
    assert board.trades.win_rate == pytest.approx(2 / 3)
    assert board.recent_trades[0].id == still_open.id and len(board.recent_trades) == 4
    assert (board.hypotheses, board.pending_approvals) == (1, 1)
    assert board.equity.capital == lab.config.paper_capital
    assert not board.paper_service.running and not board.system.paused
