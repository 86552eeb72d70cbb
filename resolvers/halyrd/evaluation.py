"""Evaluation: when a PAPER agent becomes ELIGIBLE, and the automatic status moves.

The window runs from `agent.window_started_at` to now. An agent is eligible when the window has
lasted `window_days`, it holds at least `trade_floor` trades closed in the window (paper or
live), and every risk objective held at its WORST over the window:
- max_drawdown: the deepest fall of a window snapshot below the running peak of the window's
  snapshots (the window starts a fresh peak, like account.py);
- daily_loss: per UTC day, the lowest snapshot against that day's opening equity (the last
  window snapshot before the day, else the day's first one);
- max_trade_pct: the largest filled non-exit order's notional over the equity of the last
  snapshot at or before it (starting capital before any snapshot);
- max_gross_exposure: at each of those orders, the open trades' notional at their ENTRY prices
  (the records keep no historical marks) over the same equity.

`refresh_status` (once per runtime step, after the equity snapshot):
- PAPER -> ELIGIBLE when the evaluation passes.
- PAPER/ELIGIBLE whose window breaks an objective: the evaluation failed and starts over (the
  window restarts now; ELIGIBLE drops to PAPER). Breaches stay in a window, so without a
  restart the agent could never pass again.
- ELIGIBLE -> PAPER when it stops passing otherwise (e.g. a config raised the trade floor).
- LIVE -> DEMOTED (phase paper, signing session revoked) when the current drawdown or today's
  loss is at or over its limit.
- DEMOTED -> PAPER with a fresh window once `demotion_cooldown_days` have passed ("reset").
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.agent_roster import get_trading_agent
from resolvers.choices import AGENT_STATUS
from resolvers.halyrd.account import agent_clock
from resolvers.halyrd.config import AgentConfig, parse_config
from resolvers.halyrd.proposal import AccountState
from resolvers.halyrd.risk import LOSS_RULES, Objective, objective, objectives, ratio
from resolvers.halyrd.status import restart_window, set_status
from resolvers.views import View
from storage.halyrd import AgentEquity, AgentOrder
from storage.trades import Trade
from storage.trading_agents import TradingAgent

DAY = 86_400


@dataclass(frozen=True, slots=True)
class Evaluation(View):
    """Where the agent stands against its promotion gates."""

    state: Annotated[str, AGENT_STATUS]  # the agent's status
    objectives: Annotated[list[Objective], "worst value in the window"]
    window_days_elapsed: float
    window_days: float
    trade_floor: int
    trades: Annotated[int, "trades closed in the window"]
    eligible: bool


def describe(item: Objective) -> str:
    return f"{item.rule} {item.current:.4g} breaks its limit {item.limit:.4g}"


def failing_gates(evaluation: Evaluation) -> list[str]:
    """Each gate the evaluation does not pass, in words."""
    failing: list[str] = []
    if evaluation.window_days_elapsed < evaluation.window_days:
        failing.append(
            f"window {evaluation.window_days_elapsed:.2f} of {evaluation.window_days:g} days"
        )
    if evaluation.trades < evaluation.trade_floor:
        failing.append(f"{evaluation.trades} of {evaluation.trade_floor} trades")
    failing.extend(describe(o) for o in evaluation.objectives if not o.holds)
    return failing


def worst_drawdown(equities: list[float]) -> float:
    peak, worst = 0.0, 0.0
    for equity in equities:
        peak = max(peak, equity)
        if peak > 0:
            worst = max(worst, 1.0 - equity / peak)
    return worst


def worst_daily_loss(points: list[tuple[int, float]]) -> float:
    """`points` are (ts_s, equity) in time order; each UTC day opens at the previous point."""
    worst = 0.0
    day: int | None = None
    opening = low = 0.0
    previous: float | None = None
    for ts_s, equity in points:
        if ts_s // DAY != day:
            day, opening, low = ts_s // DAY, equity if previous is None else previous, equity
        low = min(low, equity)
        if opening > 0:
            worst = max(worst, 1.0 - low / opening)
        previous = equity
    return worst


async def _snapshots(
    session: AsyncSession, agent_id: str, start_s: int, end_s: int
) -> tuple[list[tuple[int, float]], tuple[int, float] | None]:
    """The window's snapshots, and the last one before it."""
    where = AgentEquity.trading_agent_id == agent_id
    rows = await session.execute(
        select(AgentEquity.ts_s, AgentEquity.equity)
        .where(where, AgentEquity.ts_s >= start_s, AgentEquity.ts_s <= end_s)
        .order_by(AgentEquity.ts_s)
    )
    before = await session.execute(
        select(AgentEquity.ts_s, AgentEquity.equity)
        .where(where, AgentEquity.ts_s < start_s)
        .order_by(AgentEquity.ts_s.desc())
        .limit(1)
    )
    prior = before.first()
    return [(int(t), float(e)) for t, e in rows.all()], (
        None if prior is None else (int(prior[0]), float(prior[1]))
    )


async def _size_worsts(
    session: AsyncSession,
    agent: TradingAgent,
    config: AgentConfig,
    points: list[tuple[int, float]],
    start: datetime,
    now: datetime,
) -> tuple[float, float]:
    """Worst order size and worst gross exposure over equity at the window's entry orders."""
    orders = (
        await session.execute(
            select(AgentOrder.ts, AgentOrder.notional).where(
                AgentOrder.trading_agent_id == agent.id,
                AgentOrder.status == "filled",
                AgentOrder.intent != "exit",
                AgentOrder.ts >= start,
                AgentOrder.ts <= now,
            )
        )
    ).all()
    if not orders:
        return 0.0, 0.0
    trades = (
        await session.execute(
            select(Trade.opened_at, Trade.closed_at, Trade.size, Trade.entry_price).where(
                Trade.trading_agent_id == agent.id,
                Trade.status != "failed",
                Trade.opened_at <= now,
                or_(Trade.closed_at.is_(None), Trade.closed_at >= start),
            )
        )
    ).all()
    times = [t for t, _ in points]
    worst_trade, worst_gross = 0.0, 0.0
    for ts, notional in orders:
        index = bisect_right(times, int(ts.timestamp())) - 1
        equity = points[index][1] if index >= 0 else config.starting_capital
        gross = sum(
            size * entry
            for opened, closed, size, entry in trades
            if opened <= ts and (closed is None or closed > ts)
        )
        worst_trade = max(worst_trade, ratio(notional, equity))
        worst_gross = max(worst_gross, ratio(gross, equity))
    return worst_trade, worst_gross


async def evaluate(
    session: AsyncSession, *, agent: TradingAgent, config: AgentConfig, now: datetime
) -> Evaluation:
    """The evaluation of the agent's current window as of `now`."""
    start = agent.window_started_at
    start_s, now_s = int(start.timestamp()), int(now.timestamp())
    points, prior = await _snapshots(session, agent.id, start_s, now_s)
    size_points = ([prior] if prior else []) + points
    worst_trade, worst_gross = await _size_worsts(session, agent, config, size_points, start, now)
    trades = await session.scalar(
        select(func.count(Trade.id)).where(
            Trade.trading_agent_id == agent.id,
            Trade.status == "closed",
            Trade.closed_at >= start,
            Trade.closed_at <= now,
        )
    )
    limits = config.risk
    measured = [
        objective("max_drawdown", worst_drawdown([e for _, e in points]), limits.max_drawdown),
        objective("daily_loss", worst_daily_loss(points), limits.daily_loss),
        objective("max_trade_pct", worst_trade, limits.max_trade_pct),
        objective("max_gross_exposure", worst_gross, limits.max_gross_exposure),
    ]
    elapsed = max(0.0, (now - start).total_seconds() / DAY)
    rules = config.evaluation
    count = int(trades or 0)
    eligible = (
        elapsed >= rules.window_days
        and count >= rules.trade_floor
        and all(o.holds for o in measured)
    )
    return Evaluation(
        state=agent.status,
        objectives=measured,
        window_days_elapsed=elapsed,
        window_days=rules.window_days,
        trade_floor=rules.trade_floor,
        trades=count,
        eligible=eligible,
    )


async def get_evaluation(
    session: AsyncSession, *, agent_id: str, now: datetime | None = None
) -> Evaluation:
    """The agent's evaluation state (`current` allowed) from its records, at `now` (default:
    the agent's clock)."""
    agent = await get_trading_agent(session, agent_id=agent_id)
    return await evaluate(
        session, agent=agent, config=parse_config(agent.config), now=now or agent_clock(agent)
    )


async def refresh_status(
    session: AsyncSession,
    *,
    agent: TradingAgent,
    config: AgentConfig,
    account: AccountState,
    now: datetime,
) -> None:
    """Apply the automatic moves (module docstring) for the agent's state at `now`."""
    if agent.status in ("PAPER", "ELIGIBLE"):
        result = await evaluate(session, agent=agent, config=config, now=now)
        broken = [o for o in result.objectives if not o.holds]
        if broken:
            reason = "evaluation failed: " + "; ".join(describe(o) for o in broken)
            if agent.status == "ELIGIBLE":
                await set_status(
                    session, agent=agent, status="PAPER", phase="paper", reason=reason, now=now
                )
            await restart_window(session, agent=agent, reason=reason, now=now)
        elif result.eligible and agent.status == "PAPER":
            reason = (
                f"evaluation passed: {result.trades} trades over "
                f"{result.window_days_elapsed:.2f} days, every objective held"
            )
            await set_status(
                session, agent=agent, status="ELIGIBLE", phase="paper", reason=reason, now=now
            )
        elif not result.eligible and agent.status == "ELIGIBLE":
            reason = "evaluation no longer passes: " + "; ".join(failing_gates(result))
            await set_status(
                session, agent=agent, status="PAPER", phase="paper", reason=reason, now=now
            )
    elif agent.status == "LIVE":
        current = [o for o in objectives(config.risk, account) if o.rule in LOSS_RULES]
        breached = [o for o in current if not o.holds]
        if breached:
            agent.twak_session = "revoked"
            reason = "risk breach: " + "; ".join(describe(o) for o in breached)
            await set_status(
                session, agent=agent, status="DEMOTED", phase="paper", reason=reason, now=now
            )
    elif agent.status == "DEMOTED":
        cooldown = timedelta(days=config.evaluation.demotion_cooldown_days)
        if now - agent.status_changed_at >= cooldown:
            reason = f"reset: the {cooldown.total_seconds() / DAY:g}-day demotion cooldown passed"
            await set_status(
                session, agent=agent, status="PAPER", phase="paper", reason=reason, now=now
            )
            await restart_window(session, agent=agent, reason=reason, now=now)
