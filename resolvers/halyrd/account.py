"""The agent's book: equity, peak, the day's opening equity and open exposure, as of one moment.

Decisions a user would want to know:
- Equity is starting capital + net realized pnl of every closed trade (paper and live alike)
  + unrealized pnl of open trades at the given marks - the entry fees already paid on them.
  A symbol with no mark is marked at its entry price (no gain, no loss).
- The peak is the highest equity since the current evaluation window started (the window's
  stored snapshots and this moment). A fresh window (an operator's re-approval, the reset after
  a demotion, an evaluation that starts over) therefore starts a fresh peak; without that, an
  agent over its drawdown limit could never open a position again to recover. The equity
  series' own `dd_from_peak` keeps the all-time peak.
- The day's opening equity is the last snapshot before the start of `now`'s UTC day, else the
  first snapshot of the day, else starting capital.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, time

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.halyrd.config import AgentConfig
from resolvers.halyrd.proposal import AccountState
from storage.halyrd import AgentEquity, AgentOrder
from storage.trades import Trade
from storage.trading_agents import TradingAgent


def day_start(now: datetime) -> datetime:
    """Midnight UTC of `now`'s day."""
    return datetime.combine(now.astimezone(UTC).date(), time(), tzinfo=UTC)


def unrealized_pnl(trade: Trade, mark: float) -> float:
    """Gross mark-to-market pnl of an open trade (its fees are counted separately)."""
    move = mark - trade.entry_price
    return move * trade.size if trade.side == "buy" else -move * trade.size


async def open_trades(session: AsyncSession, *, agent_id: str) -> list[Trade]:
    stmt = (
        select(Trade)
        .where(Trade.trading_agent_id == agent_id, Trade.status == "open")
        .order_by(Trade.id)
    )
    return list((await session.execute(stmt)).scalars())


async def _realized(session: AsyncSession, agent_id: str) -> float:
    stmt = select(func.coalesce(func.sum(Trade.pnl), 0.0)).where(
        Trade.trading_agent_id == agent_id, Trade.status == "closed"
    )
    return float(await session.scalar(stmt) or 0.0)


async def _window_peak(session: AsyncSession, agent: TradingAgent, now: datetime) -> float | None:
    stmt = select(func.max(AgentEquity.equity)).where(
        AgentEquity.trading_agent_id == agent.id,
        AgentEquity.ts_s >= int(agent.window_started_at.timestamp()),
        AgentEquity.ts_s <= int(now.timestamp()),
    )
    value = await session.scalar(stmt)
    return None if value is None else float(value)


async def _day_start_equity(
    session: AsyncSession, agent_id: str, now: datetime, default: float
) -> float:
    start_s = int(day_start(now).timestamp())
    base = select(AgentEquity.equity).where(AgentEquity.trading_agent_id == agent_id).limit(1)
    before = await session.scalar(
        base.where(AgentEquity.ts_s < start_s).order_by(AgentEquity.ts_s.desc())
    )
    if before is not None:
        return float(before)
    first = await session.scalar(
        base.where(AgentEquity.ts_s >= start_s, AgentEquity.ts_s <= int(now.timestamp())).order_by(
            AgentEquity.ts_s
        )
    )
    return default if first is None else float(first)


async def account_state(
    session: AsyncSession,
    *,
    agent: TradingAgent,
    config: AgentConfig,
    marks: Mapping[str, float],
    now: datetime,
) -> AccountState:
    """The agent's book at `now`, open trades marked to `marks` (reference mids by symbol)."""
    prices = {symbol.upper(): float(price) for symbol, price in marks.items()}
    trades = await open_trades(session, agent_id=agent.id)
    unrealized = 0.0
    gross = 0.0
    positions: dict[str, float] = {}
    for trade in trades:
        mark = prices.get(trade.symbol, trade.entry_price)
        unrealized += unrealized_pnl(trade, mark) - trade.fees
        gross += abs(trade.size) * mark
        signed = trade.size if trade.side == "buy" else -trade.size
        positions[trade.symbol] = positions.get(trade.symbol, 0.0) + signed
    equity = config.starting_capital + await _realized(session, agent.id) + unrealized
    stored_peak = await _window_peak(session, agent, now)
    peak = equity if stored_peak is None else max(stored_peak, equity)
    opening = await _day_start_equity(session, agent.id, now, config.starting_capital)
    return AccountState(
        equity=equity,
        peak=peak,
        day_start_equity=opening,
        gross_exposure=gross,
        open_by_symbol=positions,
    )


async def latest_marks(
    session: AsyncSession, *, agent_id: str, symbols: Iterable[str]
) -> dict[str, float]:
    """The last fill price the agent saw per symbol (its latest filled AgentOrder).

    Reads that answer outside a runtime step (objectives, evaluation) have no market feed at
    hand, so they mark open trades at these prices; a symbol never filled is absent (and is
    then marked at its entry price by `account_state`).
    """
    wanted = sorted({s.upper() for s in symbols})
    if not wanted:
        return {}
    latest = (
        select(func.max(AgentOrder.id))
        .where(
            AgentOrder.trading_agent_id == agent_id,
            AgentOrder.status == "filled",
            AgentOrder.symbol.in_(wanted),
        )
        .group_by(AgentOrder.symbol)
    )
    stmt = select(AgentOrder.symbol, AgentOrder.price).where(AgentOrder.id.in_(latest))
    return {symbol: float(price) for symbol, price in (await session.execute(stmt)).all()}


async def current_account(
    session: AsyncSession, *, agent: TradingAgent, config: AgentConfig, now: datetime
) -> AccountState:
    """`account_state` at the latest known prices (see `latest_marks`)."""
    trades = await open_trades(session, agent_id=agent.id)
    marks = await latest_marks(session, agent_id=agent.id, symbols=[t.symbol for t in trades])
    return await account_state(session, agent=agent, config=config, marks=marks, now=now)


def agent_clock(agent: TradingAgent) -> datetime:
    """The moment an agent's records describe: its last step (its heartbeat) or a later status
    change or window restart. Reads measure time on this clock, so two reads of an idle agent
    agree, an agent that never ran has run for no time, and a replayed history is judged at
    its own end; the runner keeps the clock near the wall clock."""
    moments = (agent.last_heartbeat, agent.window_started_at, agent.status_changed_at)
    return max(m for m in moments if m is not None)
