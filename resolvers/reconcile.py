"""Reconciliation: our open trades against the positions the paper exchange holds.

Which trades are compared: open trades the exchange carries, i.e. opened by the paper service
(`paper_session_id` set), or with a fill or a position on the venue. Research records (the
demo's backtest history) and the Halyrd agents' trades (their own venue) are not routed to
this exchange and are left alone. The paper venue fills market orders at once, so it has no
resting orders: its positions are everything there is to compare.

Differences, and what a repair does (the venue is the truth about what is held):
- missing_on_exchange: an open trade, no venue position and no close on the venue. Repair:
  the trade is marked failed ("not on exchange at reconcile"), which frees its capital.
- closed_on_exchange: an open trade whose position the venue closed (a close fill exists) but
  our ledger did not record. Repair: the trade is closed at that fill's price and fee.
- unknown_on_exchange: a venue position no open trade of ours owns (no trade id, or a trade
  that is closed or failed). Repair: the venue position is closed at market.
- mismatch: the trade and its venue position differ in symbol, side or size. Repair: the trade
  takes the venue's symbol, side, size and entry price (the position is not traded).
Either kind of repair clears a trade's `close_error`: the venue has answered the question it
left open. A repair that fails on the venue (e.g. a close refused with 502) is reported with
`repaired: false` and its error; it never fails the whole reconciliation. Without repair
nothing but the report changes. Each run writes an `exchange.reconciled` event with the
report (GraphQL `lastReconciliation` reads it back).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Annotated, Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import DomainError
from resolvers.lab.live import emit_fill
from resolvers.lab.services import Lab
from resolvers.trades import close_trade, trade_payload
from resolvers.views import Choices, View, to_payload
from storage.events import Event
from storage.exchange import ExchangeFill, ExchangePosition
from storage.outbox import append_event
from storage.trades import Trade

RECONCILE_KIND = Choices(
    "ReconcileKind",
    ("missing_on_exchange", "closed_on_exchange", "unknown_on_exchange", "mismatch"),
)
KINDS = RECONCILE_KIND.values
TOPIC = "exchange.reconciled"
FAILED_REASON = "not on exchange at reconcile"
_TOLERANCE = 1e-9


@dataclass(frozen=True, slots=True)
class ReconcileDifference(View):
    """One difference between our ledger and the exchange."""

    kind: Annotated[str, RECONCILE_KIND]
    trade_id: int | None
    position_id: int | None
    symbol: str
    detail: str
    repaired: bool = False
    error: Annotated[str | None, "why a repair failed"] = None


@dataclass(frozen=True, slots=True)
class Reconciliation(View):
    """A reconciliation report."""

    repair: bool
    checked_trades: int
    checked_positions: int
    differences: list[ReconcileDifference]
    repaired: int


def report(
    repair: bool, trades: int, positions: int, differences: list[ReconcileDifference]
) -> Reconciliation:
    """A report; `repaired` counts the differences a repair fixed."""
    fixed = sum(1 for d in differences if d.repaired)
    return Reconciliation(repair, trades, positions, differences, fixed)


async def _exchange_trades(session: AsyncSession) -> list[Trade]:
    filled = select(ExchangeFill.trade_id).where(ExchangeFill.trade_id.is_not(None))
    held = select(ExchangePosition.trade_id).where(ExchangePosition.trade_id.is_not(None))
    routed = or_(Trade.paper_session_id.is_not(None), Trade.id.in_(filled), Trade.id.in_(held))
    stmt = (
        select(Trade)
        .where(Trade.status == "open")
        # a strategy's paper trade, or any bot's (the bot factory routes every order here)
        .where(
            or_(
                and_(Trade.phase == "paper", Trade.strategy_id.is_not(None)),
                Trade.bot_id.is_not(None),
            )
        )
        .where(routed)
        .order_by(Trade.id)
    )
    return list((await session.execute(stmt)).scalars())


async def _close_fill(session: AsyncSession, trade_id: int) -> ExchangeFill | None:
    stmt = (
        select(ExchangeFill)
        .where(ExchangeFill.trade_id == trade_id, ExchangeFill.kind == "close")
        .order_by(ExchangeFill.id.desc())
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


def _mismatch(trade: Trade, position: ExchangePosition) -> str | None:
    parts = []
    if trade.symbol.upper() != position.symbol.upper():
        parts.append(f"symbol {trade.symbol} here, {position.symbol} on the venue")
    if trade.side != position.side:
        parts.append(f"side {trade.side} here, {position.side} on the venue")
    if abs(trade.size - position.size) > _TOLERANCE * max(1.0, abs(position.size)):
        parts.append(f"size {trade.size:g} here, {position.size:g} on the venue")
    return "; ".join(parts) or None


async def _trade_event(session: AsyncSession, topic: str, trade: Trade) -> None:
    await append_event(session, topic=topic, entity_id=str(trade.id), payload=trade_payload(trade))


async def _repair_missing(session: AsyncSession, trade: Trade, now: datetime) -> None:
    trade.status, trade.failure_reason = "failed", FAILED_REASON
    trade.closed_at, trade.close_error = now, None
    await session.flush()
    await _trade_event(session, "trade.failed", trade)


async def _repair_closed(session: AsyncSession, trade: Trade, fill: ExchangeFill) -> None:
    trade.close_error = None
    await close_trade(
        session, trade_id=trade.id, exit_price=fill.price, exit_fees=fill.fee, closed_at=fill.ts
    )


async def _repair_mismatch(session: AsyncSession, trade: Trade, pos: ExchangePosition) -> None:
    trade.symbol, trade.side, trade.size = pos.symbol, pos.side, pos.size
    trade.entry_price, trade.close_error = pos.entry_price, None
    await session.flush()
    await _trade_event(session, "trade.reconciled", trade)


async def _check_trade(
    session: AsyncSession,
    trade: Trade,
    position: ExchangePosition | None,
    *,
    repair: bool,
    now: datetime,
) -> ReconcileDifference | None:
    if position is None:
        fill = await _close_fill(session, trade.id)
        if fill is not None:
            detail = f"the venue closed it at {fill.price:g} on {fill.ts.isoformat()}"
            if repair:
                await _repair_closed(session, trade, fill)
            return ReconcileDifference(
                "closed_on_exchange", trade.id, None, trade.symbol, detail, repair
            )
        if repair:
            await _repair_missing(session, trade, now)
        detail = "open here, the venue holds no position for it"
        return ReconcileDifference(
            "missing_on_exchange", trade.id, None, trade.symbol, detail, repair
        )
    differs = _mismatch(trade, position)
    if differs is None:
        return None
    if repair:
        await _repair_mismatch(session, trade, position)
    return ReconcileDifference("mismatch", trade.id, position.id, position.symbol, differs, repair)


async def _check_stray(
    session: AsyncSession, position: ExchangePosition, lab: Lab, *, repair: bool, now: datetime
) -> ReconcileDifference:
    owner = "no trade" if position.trade_id is None else f"trade {position.trade_id} is not open"
    detail = f"{position.side} {position.size:g} {position.symbol} on the venue ({owner})"
    found = ReconcileDifference(
        "unknown_on_exchange", position.trade_id, position.id, position.symbol, detail
    )
    if not repair:
        return found
    try:
        fill = await lab.exchange.close_stray(session, position_id=position.id, now=now)
    except DomainError as exc:
        return replace(found, error=f"{exc.code}: {exc.message}")
    await emit_fill(session, fill=fill, strategy_id=None, session_id=None)
    return replace(found, repaired=True)


async def reconcile_exchange(
    session: AsyncSession,
    *,
    repair: bool = True,
    lab: Lab,
    now: datetime | None = None,
) -> Reconciliation:
    """Compare, report and (with `repair`) fix the differences; see the module docstring."""
    moment = now or lab.clock.now()
    trades = await _exchange_trades(session)
    positions = await lab.exchange.positions(session)
    by_trade = {p.trade_id: p for p in positions if p.trade_id is not None}
    owned = {t.id for t in trades}
    differences: list[ReconcileDifference] = []
    for trade in trades:
        found = await _check_trade(
            session, trade, by_trade.get(trade.id), repair=repair, now=moment
        )
        if found is not None:
            differences.append(found)
    for position in positions:
        if position.trade_id not in owned:
            differences.append(
                await _check_stray(session, position, lab, repair=repair, now=moment)
            )
    result = report(repair, len(trades), len(positions), differences)
    await append_event(session, topic=TOPIC, entity_id=None, payload=to_payload(result))
    return result


def report_from_payload(payload: dict[str, Any]) -> Reconciliation:
    """The report an `exchange.reconciled` event carries (its payload is the REST answer)."""
    differences = [ReconcileDifference(**d) for d in payload["differences"]]
    return report(
        payload["repair"], payload["checked_trades"], payload["checked_positions"], differences
    )


async def get_last_reconciliation(session: AsyncSession) -> Reconciliation | None:
    """The newest reconciliation report (scheduled or asked for), None before the first."""
    stmt = select(Event).where(Event.topic == TOPIC).order_by(Event.id.desc()).limit(1)
    row = (await session.execute(stmt)).scalar_one_or_none()
    return None if row is None else report_from_payload(dict(row.payload))
