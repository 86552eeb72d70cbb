"""The global paper trading service: start, stop and list its sessions.

Decisions a user would want to know:
- One service, one running session. Starting it stops the running session (stop_reason
  "replaced by session N") and starts a new one deploying the given strategies (each must be
  an active strategy at stage paper: 404 when unknown, 422 STRATEGY_NOT_PAPER otherwise) or,
  by default, every active strategy at stage paper (422 NO_PAPER_STRATEGIES when there is
  none). Starting while the system is paused is allowed; nothing trades until it resumes.
- A session's capital is the paper account's cash when it starts (starting capital plus
  realized pnl); each deployed strategy trades a fixed share of it (resolvers/paper_engine.py).
- Stopping halts trading and leaves open positions open, on the venue and in the ledger (they
  are the operator's to force-close or mark failed). A later session that deploys the same
  strategy carries its open paper trade on, managing it as its own; the trade keeps the
  `paper_session_id` of the session that opened it. Stopping with no session running is 409
  PAPER_SERVICE_NOT_RUNNING and changes nothing.
- Sessions never promote anything; strategies advance only through the lifecycle routes.
- The service's state is in the database, so a restarted server resumes the running session
  on its next paper tick (the scheduler's paper_tick job calls `step_paper_service`).
- Lists are oldest first with keyset cursors, like the other Forven lists; a session's
  trades are the trades it opened.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Annotated, Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import Conflict, InvalidInput, NotFound
from resolvers.lab.services import Lab
from resolvers.market.exchange import InsufficientCapital
from resolvers.pagination import Page, paginate
from resolvers.paper_engine import SERVICE_LOCK, running_sessions, step_paper_service
from resolvers.trades import Trade, list_trades, trade_view
from resolvers.validation import require_text
from resolvers.views import Choices, View
from storage.locks import try_transaction_lock
from storage.outbox import append_event
from storage.paper import PaperSession as PaperSessionRow
from storage.strategies import Strategy
from storage.trades import Trade as TradeRow

__all__ = [
    "PaperSession",
    "get_paper_session",
    "list_paper_session_trades",
    "list_paper_sessions",
    "list_trades_by_paper_session_ids",
    "start_paper_service",
    "step_paper_service",
    "stop_paper_service",
]

MAX_DEPLOYED = 100


PAPER_SESSION_STATUS = Choices("PaperSessionStatus", ("running", "stopped"))


@dataclass(frozen=True, slots=True)
class PaperSession(View):
    """One run of the global paper trading service."""

    id: int
    status: Annotated[str, PAPER_SESSION_STATUS]
    deployed: Annotated[bool, "true while the session is running"]
    strategy_ids: Annotated[list[int], "the strategies it deploys"]
    capital: Annotated[float, "the paper account's cash at its start"]
    started_at: datetime
    stopped_at: datetime | None
    stop_reason: str
    last_tick_at: datetime | None
    ticks: int
    trade_count: Annotated[int, "trades it opened"] = 0
    open_trade_count: Annotated[int, "of those, still open"] = 0
    realized_pnl: Annotated[float, "net pnl of its closed trades"] = 0.0


async def _summaries(session: AsyncSession, rows: Sequence[PaperSessionRow]) -> list[PaperSession]:
    """Each session with its trade counts, in one grouped statement."""
    ids = [row.id for row in rows]
    stats: dict[int | None, tuple[int, int, float]] = {}
    if ids:
        stmt = (
            select(
                TradeRow.paper_session_id,
                func.count(),
                func.sum(case((TradeRow.status == "open", 1), else_=0)),
                func.coalesce(func.sum(TradeRow.pnl), 0.0),
            )
            .where(TradeRow.paper_session_id.in_(ids))
            .group_by(TradeRow.paper_session_id)
        )
        for key, total, still_open, pnl in (await session.execute(stmt)).all():
            stats[key] = (int(total), int(still_open or 0), float(pnl))
    return [
        PaperSession(
            id=row.id,
            status=row.status,
            deployed=row.status == "running",
            strategy_ids=[int(i) for i in row.strategy_ids],
            capital=row.capital,
            started_at=row.started_at,
            stopped_at=row.stopped_at,
            stop_reason=row.stop_reason,
            last_tick_at=row.last_tick_at,
            ticks=row.ticks,
            trade_count=stats.get(row.id, (0, 0, 0.0))[0],
            open_trade_count=stats.get(row.id, (0, 0, 0.0))[1],
            realized_pnl=stats.get(row.id, (0, 0, 0.0))[2],
        )
        for row in rows
    ]


async def _summary(session: AsyncSession, row: PaperSessionRow) -> PaperSession:
    return (await _summaries(session, [row]))[0]


def _payload(row: PaperSessionRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "status": row.status,
        "strategy_ids": list(row.strategy_ids),
        "capital": row.capital,
        "stop_reason": row.stop_reason,
    }


async def _session_row(session: AsyncSession, session_id: int) -> PaperSessionRow:
    row = await session.get(PaperSessionRow, session_id)
    if row is None:
        raise NotFound(f"paper session {session_id} not found", details={"id": session_id})
    return row


async def get_paper_session(session: AsyncSession, *, session_id: int) -> PaperSession:
    return await _summary(session, await _session_row(session, session_id))


async def list_paper_sessions(
    session: AsyncSession,
    *,
    deployed: bool | None = None,
    first: int | None = None,
    after: str | None = None,
    with_total: bool = True,
) -> Page[PaperSession]:
    """Sessions oldest first; deployed=true the running one, false the stopped ones."""
    stmt = select(PaperSessionRow)
    if deployed is not None:
        stmt = stmt.where(PaperSessionRow.status == ("running" if deployed else "stopped"))
    page = await paginate(
        session, stmt, PaperSessionRow.id, first=first, after=after, with_total=with_total
    )
    return replace(page, items=await _summaries(session, page.items))


async def list_paper_session_trades(
    session: AsyncSession,
    *,
    session_id: int,
    first: int | None = None,
    after: str | None = None,
    with_total: bool = True,
) -> Page[Trade]:
    """The trades a session opened, oldest first (404 for an unknown session)."""
    await _session_row(session, session_id)
    return await list_trades(
        session, paper_session_id=session_id, first=first, after=after, with_total=with_total
    )


async def list_trades_by_paper_session_ids(
    session: AsyncSession, *, session_ids: Sequence[int]
) -> list[list[Trade]]:
    """Each session's trades, oldest first, in one statement."""
    stmt = select(TradeRow).where(TradeRow.paper_session_id.in_(session_ids)).order_by(TradeRow.id)
    grouped: dict[int, list[Trade]] = {i: [] for i in session_ids}
    for row in (await session.execute(stmt)).scalars():
        if row.paper_session_id is not None:
            grouped[row.paper_session_id].append(trade_view(row))
    return [grouped[i] for i in session_ids]


def _requested_ids(strategy_ids: Any) -> list[int]:
    if not isinstance(strategy_ids, list) or not strategy_ids:
        raise InvalidInput(
            "strategy_ids must be a non-empty list of strategy ids",
            details={"field": "strategy_ids"},
        )
    # ids are 64-bit columns: a larger one is refused here, not overflowed in the driver
    if any(
        isinstance(i, bool) or not isinstance(i, int) or not 1 <= i < 2**63 for i in strategy_ids
    ):
        raise InvalidInput("strategy ids are positive integers", details={"field": "strategy_ids"})
    if len(set(strategy_ids)) > MAX_DEPLOYED:
        raise InvalidInput(
            f"at most {MAX_DEPLOYED} strategies per session", details={"field": "strategy_ids"}
        )
    return sorted(set(strategy_ids))


async def _deployable(session: AsyncSession, strategy_ids: Any) -> list[int]:
    """The ids to deploy: the requested ones, checked, or every active paper strategy."""
    if strategy_ids is None:
        stmt = select(Strategy.id).where(Strategy.stage == "paper", Strategy.status == "active")
        found = sorted((await session.execute(stmt)).scalars())
        if not found:
            raise InvalidInput(
                "no active strategy is at stage paper; promote one first "
                "(POST /api/lifecycle/transition)",
                code="NO_PAPER_STRATEGIES",
            )
        return found
    wanted = _requested_ids(strategy_ids)
    rows = {
        s.id: s
        for s in (await session.execute(select(Strategy).where(Strategy.id.in_(wanted)))).scalars()
    }
    for strategy_id in wanted:
        strategy = rows.get(strategy_id)
        if strategy is None:
            raise NotFound(f"strategy {strategy_id} not found", details={"id": strategy_id})
        if strategy.stage != "paper" or strategy.status != "active":
            raise InvalidInput(
                f"strategy {strategy_id} is {strategy.status} at stage {strategy.stage}; only "
                "active strategies at stage paper can paper-trade",
                code="STRATEGY_NOT_PAPER",
                details={"id": strategy_id, "stage": strategy.stage, "status": strategy.status},
            )
    return wanted


async def _claim(session: AsyncSession) -> None:
    if not await try_transaction_lock(session, SERVICE_LOCK):
        raise Conflict(
            "the paper service is being changed or stepped; try again",
            code="PAPER_SERVICE_BUSY",
        )


async def _stop(session: AsyncSession, row: PaperSessionRow, reason: str, now: datetime) -> None:
    row.status = "stopped"
    row.stopped_at = now
    row.stop_reason = reason
    await session.flush()
    await append_event(
        session, topic="paper.session_stopped", entity_id=str(row.id), payload=_payload(row)
    )


async def start_paper_service(
    session: AsyncSession,
    *,
    strategy_ids: Any = None,
    lab: Lab,
    now: datetime | None = None,
) -> PaperSession:
    """Start a new session (stopping the running one) deploying paper-stage strategies."""
    moment = now or lab.clock.now()
    await _claim(session)
    deployed = await _deployable(session, strategy_ids)
    account = await lab.exchange.account(session, now=None)
    if account.cash <= 0:
        raise InsufficientCapital(
            f"the paper account has no cash to trade ({account.cash:.2f})",
            details={"cash": account.cash},
        )
    previous = await running_sessions(session)
    row = PaperSessionRow(
        status="running", strategy_ids=deployed, capital=account.cash, started_at=moment
    )
    session.add(row)
    await session.flush()
    for old in previous:
        await _stop(session, old, f"replaced by session {row.id}", moment)
    await append_event(
        session, topic="paper.session_started", entity_id=str(row.id), payload=_payload(row)
    )
    return await _summary(session, row)


async def stop_paper_service(
    session: AsyncSession,
    *,
    reason: str = "",
    lab: Lab,
    now: datetime | None = None,
) -> PaperSession:
    """Stop the running session; its open positions stay open (see the module docstring)."""
    why = require_text("reason", reason, max_length=200, allow_empty=True)
    await _claim(session)
    running = await running_sessions(session)
    if not running:
        raise Conflict("the paper service is not running", code="PAPER_SERVICE_NOT_RUNNING")
    moment = now or lab.clock.now()
    for row in running:
        await _stop(session, row, why or "stopped by the operator", moment)
    return await _summary(session, running[-1])
