"""Evaluation from real records, and the automatic moves of refresh_status."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.halyrd.account import account_state
from resolvers.halyrd.config import AgentConfig, parse_config
from resolvers.halyrd.equity import record_snapshot
from resolvers.halyrd.evaluation import (
    failing_gates,
    get_evaluation,
    refresh_status,
    worst_daily_loss,
    worst_drawdown,
)
from resolvers.trades import close_trade
from storage.trading_agents import TradingAgent
from tests.resolvers.halyrd.h3_helpers import (
    T0,
    add_order,
    add_trade,
    hours,
    make_agent,
    postgres_session,
    status_events,
)

RULES = {"evaluation": {"window_days": 3, "trade_floor": 4, "demotion_cooldown_days": 2}}


async def snap(session: AsyncSession, agent: TradingAgent, at: datetime, equity: float) -> None:
    await record_snapshot(session, agent_id=agent.id, ts=at, equity=equity, phase=agent.phase)


async def round_trip(
    session: AsyncSession, agent: TradingAgent, opened: datetime, closed: datetime, exit_: float
) -> None:
    """A 1,000-notional long through resolvers.trades, with its entry and exit orders."""
    trade = await add_trade(session, agent, "BTC-USD", "buy", 1, 1_000, at=opened)
    await add_order(session, agent, ts=opened, notional=1_000)
    await close_trade(session, trade_id=trade.id, exit_price=exit_, closed_at=closed)
    await add_order(session, agent, ts=closed, notional=exit_, price=exit_, intent="exit")


async def refresh(
    session: AsyncSession, agent: TradingAgent, now: datetime, config: AgentConfig | None = None
) -> None:
    config = config or parse_config(agent.config)
    state = await account_state(session, agent=agent, config=config, marks={}, now=now)
    await refresh_status(session, agent=agent, config=config, account=state, now=now)


async def a_passing_window(session: AsyncSession, agent: TradingAgent) -> None:
    """Three days of hourly snapshots drifting up, and four winning trades."""
    for hour in range(0, 73):
        await snap(session, agent, T0 + hours(hour), 10_000 + 5 * hour)
    for day in range(4):
        start = T0 + hours(day * 17 + 1)
        await round_trip(session, agent, start, start + hours(5), 1_010)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def db(request: pytest.FixtureRequest, session: AsyncSession) -> AsyncIterator[AsyncSession]:
    """The test's session on SQLite, and again on PostgreSQL when one is configured."""
    if request.param == "sqlite":
        yield session
        return
    async with postgres_session(request.getfixturevalue("postgres_url")) as pg:
        yield pg


class TestGetEvaluation:
    async def test_worst_values_over_the_window(self, db: AsyncSession) -> None:
        agent = await make_agent(db, config=RULES)
        await snap(db, agent, T0 - hours(1), 20_000)  # before the window: not counted
        for hour, equity in ((0, 10_000), (10, 11_000), (20, 9_900), (30, 10_500), (40, 9_504)):
            await snap(db, agent, T0 + hours(hour), equity)
        a = await add_trade(db, agent, "BTC-USD", "buy", 0.1, 10_000, at=T0 + hours(5))
        await add_order(db, agent, ts=T0 + hours(5), notional=1_000)
        b = await add_trade(db, agent, "ETH-USD", "buy", 1, 2_000, at=T0 + hours(12))
        await add_order(db, agent, ts=T0 + hours(12), notional=2_000)
        await close_trade(db, trade_id=a.id, exit_price=10_100, closed_at=T0 + hours(25))
        await add_order(db, agent, ts=T0 + hours(25), notional=5_000, intent="exit")
        await close_trade(db, trade_id=b.id, exit_price=2_100, closed_at=T0 + hours(35))
        old = await add_trade(db, agent, "SOL-USD", "buy", 1, 100, at=T0 - hours(5))
        await close_trade(db, trade_id=old.id, exit_price=90, closed_at=T0 - hours(2))

        result = await get_evaluation(db, agent_id="current", now=T0 + hours(48))

        worst = {o.rule: o.current for o in result.objectives}
        assert worst["max_drawdown"] == pytest.approx(1 - 9_504 / 11_000)
        assert worst["daily_loss"] == pytest.approx(1 - 9_504 / 9_900)  # day 2 opens at 9,900
        assert worst["max_trade_pct"] == pytest.approx(2_000 / 11_000)
        assert worst["max_gross_exposure"] == pytest.approx((1_000 + 2_000) / 11_000)
        assert all(o.holds for o in result.objectives)
        assert (result.state, result.trades, result.trade_floor) == ("PAPER", 2, 4)
        assert (result.window_days_elapsed, result.window_days) == (2.0, 3.0)
        assert not result.eligible
        assert failing_gates(result) == ["window 2.00 of 3 days", "2 of 4 trades"]

    def test_window_arithmetic(self) -> None:
        assert worst_drawdown([100, 120, 90, 130, 117]) == pytest.approx(0.25)
        assert worst_drawdown([]) == 0.0
        day = 86_400
        points = [(0, 100.0), (100, 95.0), (day + 1, 90.0), (day + 2, 99.0), (2 * day, 80.0)]
        # day 0: 100 -> 95 (5%); day 1 opens at 95, low 90 (5.26%); day 2 opens at 99 -> 80
        assert worst_daily_loss(points) == pytest.approx(1 - 80 / 99)


class TestRefreshStatus:
    async def test_a_clean_window_makes_a_paper_agent_eligible(self, db: AsyncSession) -> None:
        agent = await make_agent(db, config=RULES)
        await a_passing_window(db, agent)
        await refresh(db, agent, T0 + hours(71))
        assert agent.status == "PAPER"  # one hour short of the window
        await refresh(db, agent, T0 + hours(72))
        assert (agent.status, agent.phase) == ("ELIGIBLE", "paper")
        event = (await status_events(db, agent.id))[-1]["data"]
        assert (event["previous"], event["status"]) == ("PAPER", "ELIGIBLE")
        assert event["reason"].startswith("evaluation passed: 4 trades over 3.00 days")

    async def test_too_few_trades_keep_it_paper(self, session: AsyncSession) -> None:
        agent = await make_agent(session, config={"evaluation": {"trade_floor": 5}})
        await a_passing_window(session, agent)
        await refresh(session, agent, T0 + hours(80))
        assert agent.status == "PAPER"
        assert await status_events(session, agent.id) == []

    async def test_a_breach_flips_eligible_back_and_restarts(self, session: AsyncSession) -> None:
        agent = await make_agent(session, config=RULES)
        await a_passing_window(session, agent)
        await refresh(session, agent, T0 + hours(72))
        assert agent.status == "ELIGIBLE"
        breach = T0 + hours(73)
        await snap(session, agent, breach, 8_000)  # 20% under the window's peak
        await refresh(session, agent, breach)
        assert (agent.status, agent.window_started_at) == ("PAPER", breach)
        assert "max_drawdown 0.2" in agent.status_reason
        fresh = await get_evaluation(session, agent_id=agent.id, now=breach + hours(1))
        assert fresh.trades == 0 and all(o.holds for o in fresh.objectives)
        await refresh(session, agent, breach + hours(1))
        assert agent.window_started_at == breach  # the fresh window holds: no second restart

    async def test_a_paper_breach_restarts_the_window(self, session: AsyncSession) -> None:
        agent = await make_agent(session, config=RULES)
        await snap(session, agent, T0, 10_000)
        await snap(session, agent, T0 + hours(1), 9_400)  # 6% lost today
        await refresh(session, agent, T0 + hours(1))
        assert (agent.status, agent.window_started_at) == ("PAPER", T0 + hours(1))
        assert await status_events(session, agent.id) == []

    async def test_a_live_drawdown_breach_demotes(self, session: AsyncSession) -> None:
        agent = await make_agent(session, status="LIVE", config=RULES)
        await snap(session, agent, T0, 10_000)
        await add_trade(session, agent, "BTC-USD", "buy", 1, 5_000, phase="live", at=T0)
        config = parse_config(agent.config)
        now = T0 + timedelta(days=1, hours=2)
        calm = await account_state(
            session, agent=agent, config=config, marks={"BTC-USD": 4_600}, now=now
        )
        await refresh_status(session, agent=agent, config=config, account=calm, now=now)
        assert agent.status == "LIVE"  # 4% down, 4% today
        crash = await account_state(
            session, agent=agent, config=config, marks={"BTC-USD": 3_400}, now=now
        )
        await refresh_status(session, agent=agent, config=config, account=crash, now=now)
        assert (agent.status, agent.phase, agent.twak_session) == ("DEMOTED", "paper", "revoked")
        assert agent.status_reason.startswith("risk breach: max_drawdown 0.16")

    async def test_demotion_resets_after_the_cooldown(self, session: AsyncSession) -> None:
        agent = await make_agent(session, status="DEMOTED", config=RULES, status_changed_at=T0)
        await refresh(session, agent, T0 + timedelta(days=1.9))
        assert agent.status == "DEMOTED"
        reset = T0 + timedelta(days=2)
        await refresh(session, agent, reset)
        assert (agent.status, agent.phase, agent.window_started_at) == ("PAPER", "paper", reset)
        assert agent.status_reason == "reset: the 2-day demotion cooldown passed"
        assert agent.twak_session == "revoked"  # only a new promotion opens a session
