"""Trades: open, close with computed pnl, list; and the operator's emergency controls.

Decisions a user would want to know:
- A strategy's trade is held on the paper exchange (resolvers/market/exchange.py) as the venue
  position whose client reference is the trade's id. A trading agent's trade lives on its
  agent's own book (the Halyrd runtime); the emergency controls do not route orders for it.
- force-close sends a market close to the venue and closes the trade at the fill. When the
  venue does not close (CloseFailed, or it holds no position: PositionMissing) the answer is
  502 with the venue's code, and the trade stays `open` with `close_error` and
  `close_attempted_at` recorded and committed although the request fails ("possibly open").
  A later successful close clears `close_error`.
- mark-failed writes the trade off: status `failed`, the reason, `closed_at`, no pnl. It stops
  counting as open (in the ledger, the strategy's allocation and a trading agent's account)
  and never touches the venue: a position the venue still holds for it is left there for
  reconciliation (POST /api/system/exchange/reconcile reports it as unknown_on_exchange).
- Times are market time (the lab clock), like the fills they record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from sqlalchemy import Connection, Row, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.agent_roster import get_trading_agent
from resolvers.choices import PHASE, TRADE_SIDE, TRADE_STATUS
from resolvers.errors import Conflict, DomainError, InvalidInput, NotFound
from resolvers.lab.live import emit_fill
from resolvers.lab.services import Lab
from resolvers.market.exchange import ExchangeError
from resolvers.notifications import raise_notification
from resolvers.pagination import MAX_PAGE, Page, paginate
from resolvers.validation import require_choice, require_positive, require_text
from resolvers.views import Doc, View, from_row, to_payload
from storage.base import utcnow
from storage.outbox import append_event
from storage.reads import read
from storage.strategies import Strategy
from storage.trades import Trade as TradeRow
from storage.trading_agents import TradingAgent

SIDES = TRADE_SIDE.values
TRADE_STATUSES = TRADE_STATUS.values
PHASES = PHASE.values
RECENT_DEFAULT = 50
REASON_MAX = 500


class VenueCloseFailed(DomainError):
    """The venue did not confirm a close: 502 with the venue's code. `persist` makes the
    request boundary commit the recorded `close_error` before answering."""

    code = "EXCHANGE_ERROR"
    status = 502
    persist = True


@dataclass(frozen=True, slots=True)
class Trade(View):
    """A trade owned by a strategy or a trading agent."""

    id: int
    strategy_id: int | None
    agent_id: Annotated[str | None, Doc("the owning trading agent's id", source="trading_agent_id")]
    symbol: str
    side: Annotated[str, TRADE_SIDE]
    size: float
    entry_price: float
    exit_price: float | None
    fees: float
    pnl: float | None
    status: Annotated[str, TRADE_STATUS]
    phase: Annotated[str, PHASE]
    failure_reason: str | None
    opened_at: datetime
    closed_at: datetime | None
    close_error: Annotated[
        str | None,
        "the last failed close on the exchange while the trade stays open (it may still be "
        "open there); cleared by a successful close",
    ]
    paper_session_id: Annotated[int | None, "the paper session that opened it"]
    bot_id: Annotated[int | None, "the bot that made it (the bot factory)"] = None


@dataclass(frozen=True, slots=True)
class OpenTrade(Trade):
    """An open trade, optionally re-verified against the exchange."""

    exchange_verified: Annotated[
        bool | None,
        "true when the venue holds this trade's position (same symbol, side and size), false "
        "when not; null when not verified (verify=false, or a trading agent's trade, held on "
        "its own book)",
    ] = None
    exchange_detail: Annotated[
        str | None, "what the venue holds instead, or why it was not verified"
    ] = None


def trade_view(row: TradeRow | Row[Any]) -> Trade:
    """The API's view of a trade row."""
    return from_row(Trade, row)


def trade_payload(row: TradeRow) -> dict[str, object]:
    """A trade event's payload: the trade as the REST API answers it."""
    return to_payload(trade_view(row))


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
    paper_session_id: int | None = None,
    bot_id: int | None = None,
) -> TradeRow:
    """Record an opened position for exactly one owner."""
    if [strategy_id, trading_agent_id, bot_id].count(None) != 2:
        raise InvalidInput("a trade has exactly one owner: a strategy, a trading agent or a bot")
    if strategy_id is not None and await session.get(Strategy, strategy_id) is None:
        raise NotFound(f"strategy {strategy_id} not found", details={"id": strategy_id})
    if trading_agent_id is not None and await session.get(TradingAgent, trading_agent_id) is None:
        raise NotFound(f"agent {trading_agent_id} not found", details={"id": trading_agent_id})
    if fees < 0:
        raise InvalidInput("fees must not be negative", details={"field": "fees"})
    row = TradeRow(
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
        paper_session_id=paper_session_id,
        bot_id=bot_id,
    )
    session.add(row)
    await session.flush()
    await append_event(
        session, topic="trade.opened", entity_id=str(row.id), payload=trade_payload(row)
    )
    return row


async def get_trade(session: AsyncSession, *, trade_id: int) -> Trade:
    """One trade (404 when unknown)."""
    return trade_view(await trade_row(session, trade_id=trade_id))


async def trade_row(session: AsyncSession, *, trade_id: int) -> TradeRow:
    row = await session.get(TradeRow, trade_id)
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
) -> TradeRow:
    """Close an open trade at `exit_price`, adding exit fees and computing net pnl."""
    row = await trade_row(session, trade_id=trade_id)
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
    row.close_error = None  # closed for certain: no longer possibly open
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
    paper_session_id: int | None = None,
    bot_id: int | None = None,
    first: int | None = None,
    after: str | None = None,
    with_total: bool = True,
) -> Page[Trade]:
    """A page of trades, oldest first, filtered by status, phase, owner and paper session."""
    stmt = select(TradeRow)
    if status is not None:
        stmt = stmt.where(TradeRow.status == require_choice("status", status, TRADE_STATUSES))
    if phase is not None:
        stmt = stmt.where(TradeRow.phase == require_choice("phase", phase, PHASES))
    if strategy_id is not None:
        stmt = stmt.where(TradeRow.strategy_id == strategy_id)
    if trading_agent_id is not None:
        stmt = stmt.where(TradeRow.trading_agent_id == trading_agent_id)
    if paper_session_id is not None:
        stmt = stmt.where(TradeRow.paper_session_id == paper_session_id)
    if bot_id is not None:
        stmt = stmt.where(TradeRow.bot_id == bot_id)
    page = await paginate(
        session, stmt, TradeRow.id, first=first, after=after, with_total=with_total
    )
    return page.map(trade_view)


async def list_trades_by_strategy_ids(
    session: AsyncSession, *, strategy_ids: Sequence[int]
) -> list[list[Trade]]:
    """Each strategy's trades, oldest first, in one statement (on the read path:
    storage/reads.py)."""
    grouped: dict[int, list[Trade]] = {i: [] for i in strategy_ids}
    for row in await read(session, _trades_by_strategy_ids, strategy_ids):
        if row.strategy_id is not None:
            grouped[row.strategy_id].append(trade_view(row))
    return [grouped[i] for i in strategy_ids]


def _trades_by_strategy_ids(connection: Connection, ids: Sequence[int]) -> list[Row[Any]]:
    table = TradeRow.__table__
    stmt = select(table).where(table.c.strategy_id.in_(ids)).order_by(table.c.id)
    return list(connection.execute(stmt))


async def list_agent_trades(
    session: AsyncSession, *, agent_id: str, phase: str = "all"
) -> list[Trade]:
    """Every trade of one trading agent (`current` allowed), oldest first; phase may be `all`."""
    agent = await get_trading_agent(session, agent_id=agent_id)
    stmt = select(TradeRow).where(TradeRow.trading_agent_id == agent.id).order_by(TradeRow.id)
    if phase != "all":
        stmt = stmt.where(TradeRow.phase == require_choice("phase", phase, PHASES))
    return [trade_view(row) for row in (await session.execute(stmt)).scalars()]


async def list_open_trades(
    session: AsyncSession, *, verify: bool = False, lab: Lab
) -> list[OpenTrade]:
    """Every open trade, oldest first; with `verify`, each strategy trade is checked against
    the venue's position for it (side, size and symbol must agree)."""
    stmt = select(TradeRow).where(TradeRow.status == "open").order_by(TradeRow.id)
    rows = list((await session.execute(stmt)).scalars())
    if not verify:
        return [_open(row, None, None) for row in rows]
    venue = lab.exchange
    held = {p.trade_id: p for p in await venue.positions(session) if p.trade_id is not None}
    checked = []
    for row in rows:
        if row.trading_agent_id is not None:
            detail = f"held on trading agent {row.trading_agent_id}'s own book, not this venue"
            checked.append(_open(row, None, detail))
            continue
        position = held.get(row.id)
        if position is None:
            checked.append(_open(row, False, "the exchange holds no position for it"))
        elif (position.symbol, position.side) != (row.symbol, row.side) or not _same_size(
            position.size, row.size
        ):
            seen = f"{position.side} {position.size:g} {position.symbol}"
            checked.append(_open(row, False, f"the exchange holds {seen}"))
        else:
            checked.append(_open(row, True, None))
    return checked


def _open(row: TradeRow, verified: bool | None, detail: str | None) -> OpenTrade:
    return from_row(OpenTrade, row, exchange_verified=verified, exchange_detail=detail)


def _same_size(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(abs(a), abs(b), 1.0)


async def list_recent_trades(session: AsyncSession, *, limit: int = RECENT_DEFAULT) -> list[Trade]:
    """The `limit` trades with the latest activity (closed_at when they left the open state,
    else opened_at), newest first, across statuses and owners."""
    if isinstance(limit, bool) or not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(
            f"limit must be between 1 and {MAX_PAGE}", details={"field": "limit", "value": limit}
        )
    activity = func.coalesce(TradeRow.closed_at, TradeRow.opened_at)
    stmt = select(TradeRow).order_by(activity.desc(), TradeRow.id.desc()).limit(limit)
    return [trade_view(row) for row in (await session.execute(stmt)).scalars()]


async def _open_for_control(session: AsyncSession, trade_id: int) -> TradeRow:
    row = await trade_row(session, trade_id=trade_id)
    if row.status != "open":
        raise Conflict(
            f"trade {trade_id} is {row.status}, not open",
            code="TRADE_NOT_OPEN",
            details={"id": trade_id, "status": row.status},
        )
    return row


async def force_close_trade(
    session: AsyncSession,
    *,
    trade_id: int,
    lab: Lab,
    now: datetime | None = None,
) -> Trade:
    """Close a strategy trade's venue position at market, then the trade at the fill.

    409 TRADE_NOT_OPEN when it is not open; 409 AGENT_TRADE for a trading agent's trade (its
    agent's book holds it: send an exit order). A venue that does not close answers 502
    (EXCHANGE_CLOSE_FAILED or EXCHANGE_POSITION_MISSING) with the failure kept on the trade.
    """
    row = await _open_for_control(session, trade_id)
    if row.trading_agent_id is not None:
        raise Conflict(
            f"trade {trade_id} belongs to trading agent {row.trading_agent_id}; close it with "
            f"an exit order (POST /agents/{row.trading_agent_id}/orders)",
            code="AGENT_TRADE",
            details={"id": trade_id, "agent_id": row.trading_agent_id},
        )
    moment = now or lab.clock.now()
    try:
        fill = await lab.exchange.close(session, trade_id=row.id, now=moment)
    except ExchangeError as exc:
        await record_close_failure(session, trade=row, error=exc, now=moment)
        hint = (
            "; re-check with GET /api/trades/open?verify=true, or write it off with "
            f"POST /api/trades/{trade_id}/mark-failed"
        )
        raise VenueCloseFailed(
            exc.message + hint, code=exc.code, details={**exc.details, "trade_id": trade_id}
        ) from exc
    await emit_fill(
        session, fill=fill, strategy_id=row.strategy_id, session_id=row.paper_session_id
    )
    closed = await close_trade(
        session, trade_id=row.id, exit_price=fill.price, exit_fees=fill.fee, closed_at=moment
    )
    return trade_view(closed)


async def record_close_failure(
    session: AsyncSession, *, trade: TradeRow, error: DomainError, now: datetime
) -> None:
    """Keep a failed close on the trade (it may still be open on the venue) with an event."""
    trade.close_error = f"{error.code}: {error.message}"[:REASON_MAX]
    trade.close_attempted_at = now
    await session.flush()
    await append_event(
        session,
        topic="trade.close_failed",
        entity_id=str(trade.id),
        payload={**trade_payload(trade), "code": error.code},
    )
    await raise_notification(
        session,
        type="trade.force_close_failed",
        severity="critical",
        source="trades",
        title=f"Closing trade {trade.id} ({trade.symbol}) failed; it may still be open",
        body=trade.close_error,
        entity_type="trade",
        entity_id=str(trade.id),
        now=now,
        once=True,
    )


async def mark_trade_failed(
    session: AsyncSession,
    *,
    trade_id: int,
    reason: str = "",
    lab: Lab,
    now: datetime | None = None,
) -> Trade:
    """Write an open trade off as failed with a reason, freeing what it held in the ledger."""
    row = await _open_for_control(session, trade_id)
    why = require_text("reason", reason, max_length=REASON_MAX, allow_empty=True)
    row.status = "failed"
    row.failure_reason = why or "marked failed by the operator"
    row.closed_at = now or lab.clock.now()
    await session.flush()
    await append_event(
        session,
        topic="trade.failed",
        entity_id=str(row.id),
        payload=trade_payload(row),
    )
    return trade_view(row)
