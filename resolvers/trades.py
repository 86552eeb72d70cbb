"""Trades: open, close with computed pnl, mark failed, list."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import Conflict, InvalidInput, NotFound
from resolvers.pagination import Page, paginate
from resolvers.trading_agents import get_trading_agent
from resolvers.validation import require_choice, require_positive, require_text
from storage.base import utcnow
from storage.outbox import append_event
from storage.strategies import Strategy
from storage.trades import Trade
from storage.trading_agents import TradingAgent

SIDES = ("buy", "sell")
TRADE_STATUSES = ("open", "closed", "failed")
PHASES = ("paper", "live")


def trade_payload(row: Trade) -> dict[str, object]:
    return {
        "id": row.id,
        "strategy_id": row.strategy_id,
        "trading_agent_id": row.trading_agent_id,
        "symbol": row.symbol,
        "side": row.side,
        "size": row.size,
        "status": row.status,
        "pnl": row.pnl,
    }


def realized_pnl(*, side: str, size: float, entry: float, exit_: float, fees: float) -> float:
    """Net pnl of a round trip: long gains when price rises, short when it falls."""
    gross = (exit_ - entry) * size if side == "buy" else (entry - exit_) * size
    return gross - fees


async def open_trade(
    session: AsyncSession,
    *,
    symbol: str,
    side: str,
    size: float,
    entry_price: float,
    strategy_id: int | None = None,
    trading_agent_id: str | None = None,
    fees: float = 0.0,
    phase: str = "paper",
    opened_at: datetime | None = None,
) -> Trade:
    """Record an opened position for exactly one owner."""
    if (strategy_id is None) == (trading_agent_id is None):
        raise InvalidInput("a trade has exactly one owner: a strategy or a trading agent")
    if strategy_id is not None and await session.get(Strategy, strategy_id) is None:
        raise NotFound(f"strategy {strategy_id} not found", details={"id": strategy_id})
    if trading_agent_id is not None and await session.get(TradingAgent, trading_agent_id) is None:
        raise NotFound(f"agent {trading_agent_id} not found", details={"id": trading_agent_id})
    if fees < 0:
        raise InvalidInput("fees must not be negative", details={"field": "fees"})
    row = Trade(
        strategy_id=strategy_id,
        trading_agent_id=trading_agent_id,
        symbol=require_text("symbol", symbol, max_length=40).upper(),
        side=require_choice("side", side, SIDES),
        size=require_positive("size", size),
        entry_price=require_positive("entry_price", entry_price),
        fees=fees,
        status="open",
        phase=require_choice("phase", phase, PHASES),
        opened_at=opened_at or utcnow(),
    )
    session.add(row)
    await session.flush()
    await append_event(
        session, topic="trade.opened", entity_id=str(row.id), payload=trade_payload(row)
    )
    return row


async def get_trade(session: AsyncSession, *, trade_id: int) -> Trade:
    row = await session.get(Trade, trade_id)
    if row is None:
        raise NotFound(f"trade {trade_id} not found", details={"id": trade_id})
    return row


async def close_trade(
    session: AsyncSession,
    *,
    trade_id: int,
    exit_price: float,
    exit_fees: float = 0.0,
    closed_at: datetime | None = None,
) -> Trade:
    """Close an open trade at `exit_price`, adding exit fees and computing net pnl."""
    row = await get_trade(session, trade_id=trade_id)
    if row.status != "open":
        raise Conflict(f"trade {trade_id} is {row.status}, not open", code="TRADE_NOT_OPEN")
    if exit_fees < 0:
        raise InvalidInput("exit_fees must not be negative", details={"field": "exit_fees"})
    row.exit_price = require_positive("exit_price", exit_price)
    row.fees = row.fees + exit_fees
    row.pnl = realized_pnl(
        side=row.side, size=row.size, entry=row.entry_price, exit_=row.exit_price, fees=row.fees
    )
    row.status = "closed"
    row.closed_at = closed_at or utcnow()
    await session.flush()
    await append_event(
        session, topic="trade.closed", entity_id=str(row.id), payload=trade_payload(row)
    )
    return row


async def list_trades(
    session: AsyncSession,
    *,
    status: str | None = None,
    phase: str | None = None,
    strategy_id: int | None = None,
    trading_agent_id: str | None = None,
    first: int | None = None,
    after: str | None = None,
    with_total: bool = True,
) -> Page[Trade]:
    """A page of trades, oldest first, filtered by status, phase and owner."""
    stmt = select(Trade)
    if status is not None:
        stmt = stmt.where(Trade.status == require_choice("status", status, TRADE_STATUSES))
    if phase is not None:
        stmt = stmt.where(Trade.phase == require_choice("phase", phase, PHASES))
    if strategy_id is not None:
        stmt = stmt.where(Trade.strategy_id == strategy_id)
    if trading_agent_id is not None:
        stmt = stmt.where(Trade.trading_agent_id == trading_agent_id)
    return await paginate(session, stmt, Trade.id, first=first, after=after, with_total=with_total)


async def list_trades_by_strategy_ids(
    session: AsyncSession, *, strategy_ids: Sequence[int]
) -> list[list[Trade]]:
    """Each strategy's trades, oldest first, in one statement."""
    stmt = select(Trade).where(Trade.strategy_id.in_(strategy_ids)).order_by(Trade.id)
    grouped: dict[int, list[Trade]] = {i: [] for i in strategy_ids}
    for row in (await session.execute(stmt)).scalars():
        if row.strategy_id is not None:
            grouped[row.strategy_id].append(row)
    return [grouped[i] for i in strategy_ids]


async def list_agent_trades(
    session: AsyncSession, *, agent_id: str, phase: str = "all"
) -> list[Trade]:
    """Every trade of one trading agent (`current` allowed), oldest first; phase may be `all`."""
    agent = await get_trading_agent(session, agent_id=agent_id)
    stmt = select(Trade).where(Trade.trading_agent_id == agent.id).order_by(Trade.id)
    if phase != "all":
        stmt = stmt.where(Trade.phase == require_choice("phase", phase, PHASES))
    return list((await session.execute(stmt)).scalars())
