"""One tick of the paper service: each deployed strategy trades toward its family's target.

Decisions a user would want to know:
- Signals come from the lab feed's closed bars at the strategy's timeframe (never a forming
  bar): the family's target position (-1, 0, 1) after the last closed bar. A strategy holds
  at most one paper trade; when the target differs from it the trade is closed at market and,
  unless the target is flat, a new one opens the other way. A strategy's open trade is any
  open trade of it opened by a paper session, so a new session carries a previous one's.
- Size: each strategy trades a notional of session capital x ALLOCATION / deployed
  strategies, at the fill price (so half the capital at most is committed at entry).
- A strategy that has left stage paper (promoted, archived or deleted) leaves the session: its
  open paper trade is closed at market and a `paper.strategy_left` event says why. The
  session never moves a strategy's stage.
- Each strategy's work runs in its own savepoint: a venue failure (a close the exchange does
  not confirm, an order it refuses) undoes only that strategy's step, is recorded (a failed
  close on the trade as `close_error`, every failure as a `paper.step_failed` event) and the
  others go on. A trade whose close failed is never doubled by an opposite open; the close is
  retried on the next tick.
- One `live.indicator` event per strategy per new closed bar (the family's current indicator
  values and target), and a `live.fill` event per fill.
- Nothing happens while the system is paused; on PostgreSQL one instance steps at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.control import is_paused
from resolvers.errors import DomainError
from resolvers.lab.live import emit_fill, emit_indicator
from resolvers.lab.services import Lab
from resolvers.quant.family_series import latest_values
from resolvers.quant.strategies import FAMILIES, validate_params
from resolvers.strategies import TIMEFRAME_SECONDS
from resolvers.trades import close_trade, open_trade, record_close_failure
from storage.locks import try_transaction_lock
from storage.outbox import append_event, savepoint
from storage.paper import PaperSession
from storage.strategies import Strategy
from storage.trades import Trade

SERVICE_LOCK = "paper_service"
ALLOCATION = 0.5
MIN_BARS = 300  # closed bars a signal is computed on, at least
WARMUP = 5  # ... and this many times the longest window of the strategy's params


async def running_sessions(session: AsyncSession) -> list[PaperSession]:
    """The running session(s), oldest first (one, unless two starts raced on SQLite)."""
    stmt = select(PaperSession).where(PaperSession.status == "running").order_by(PaperSession.id)
    return list((await session.execute(stmt)).scalars())


@dataclass(frozen=True)
class Signal:
    target: int
    bar_ts: datetime  # open time of the last closed bar
    bar_end: datetime
    values: dict[str, float | None]


def signal_for(lab: Lab, strategy: Strategy, now: datetime) -> Signal | None:
    """The strategy's target after the last closed bar (None before the data begins)."""
    family = FAMILIES[strategy.family]
    params = validate_params(family, strategy.params or {})
    longest = max([int(v) for v in params.values() if isinstance(v, int)] or [1])
    interval = TIMEFRAME_SECONDS[strategy.timeframe]
    candles = lab.feed.candles(strategy.symbol, interval, now, max(MIN_BARS, WARMUP * longest))
    if len(candles) == 0:
        return None
    target = int(family.signals(candles, params)[-1])
    values = latest_values(strategy.family, candles, params)
    values["close"] = float(candles.close[-1])
    bar_ts = datetime.fromtimestamp(int(candles.ts[-1]), tz=UTC)
    end = datetime.fromtimestamp(int(candles.ts[-1]) + interval, tz=UTC)
    return Signal(target, bar_ts, end, values)


def direction(trade: Trade) -> int:
    return 1 if trade.side == "buy" else -1


class Tick:
    """One step of one running session."""

    def __init__(self, session: AsyncSession, lab: Lab, row: PaperSession, now: datetime):
        self.session, self.lab, self.row, self.now = session, lab, row, now
        self.previous_tick = row.last_tick_at
        self.notional = row.capital * ALLOCATION / max(1, len(row.strategy_ids))
        self.fills = 0

    async def failed(
        self, strategy_id: int, action: str, exc: Exception, trade_id: int | None
    ) -> None:
        code = exc.code if isinstance(exc, DomainError) else "INVALID_STRATEGY"
        message = exc.message if isinstance(exc, DomainError) else str(exc)
        payload = {
            "session_id": self.row.id,
            "strategy_id": strategy_id,
            "trade_id": trade_id,
            "action": action,
            "code": code,
            "message": message,
        }
        await append_event(
            self.session, topic="paper.step_failed", entity_id=str(self.row.id), payload=payload
        )

    async def close(self, trade: Trade) -> bool:
        """Close `trade` at market; False (recorded on the trade) when the venue does not."""
        try:
            async with savepoint(self.session):
                fill = await self.lab.exchange.close(self.session, trade_id=trade.id, now=self.now)
                await close_trade(
                    self.session,
                    trade_id=trade.id,
                    exit_price=fill.price,
                    exit_fees=fill.fee,
                    closed_at=self.now,
                )
                await emit_fill(
                    self.session, fill=fill, strategy_id=trade.strategy_id, session_id=self.row.id
                )
        except DomainError as exc:
            await self.session.refresh(trade)
            await record_close_failure(self.session, trade=trade, error=exc, now=self.now)
            await self.failed(trade.strategy_id or 0, "close", exc, trade.id)
            return False
        self.fills += 1
        return True

    async def open(self, strategy: Strategy, target: int) -> None:
        side = "buy" if target > 0 else "sell"
        try:
            async with savepoint(self.session):
                price = self.lab.exchange.fill_price(strategy.symbol, side, self.now)
                size = float(f"{self.notional / price:.6g}")
                trade = await open_trade(
                    self.session,
                    symbol=strategy.symbol,
                    side=side,
                    size=size,
                    entry_price=price,
                    strategy_id=strategy.id,
                    phase="paper",
                    opened_at=self.now,
                    paper_session_id=self.row.id,
                )
                fill = await self.lab.exchange.open(
                    self.session,
                    trade_id=trade.id,
                    symbol=strategy.symbol,
                    side=side,
                    size=size,
                    now=self.now,
                )
                trade.entry_price, trade.fees = fill.price, fill.fee
                await self.session.flush()
                await emit_fill(
                    self.session, fill=fill, strategy_id=strategy.id, session_id=self.row.id
                )
        except DomainError as exc:
            await self.failed(strategy.id, "open", exc, None)
            return
        self.fills += 1

    async def leave(self, strategy_id: int, strategy: Strategy | None, held: list[Trade]) -> None:
        """A strategy no longer at stage paper: close what it holds, say why."""
        why = "deleted" if strategy is None else f"{strategy.status} at stage {strategy.stage}"
        for trade in held:
            if await self.close(trade):
                payload = {"session_id": self.row.id, "strategy_id": strategy_id,
                           "trade_id": trade.id, "reason": f"strategy is {why}"}  # fmt: skip
                await append_event(
                    self.session,
                    topic="paper.strategy_left",
                    entity_id=str(self.row.id),
                    payload=payload,
                )

    async def trade(self, strategy: Strategy, held: list[Trade]) -> None:
        try:
            signal = signal_for(self.lab, strategy, self.now)
        except (DomainError, ValueError, KeyError) as exc:
            await self.failed(strategy.id, "signal", exc, None)
            return
        if signal is None:
            return
        if self.previous_tick is None or signal.bar_end > self.previous_tick:
            await emit_indicator(
                self.session,
                strategy_id=strategy.id,
                symbol=strategy.symbol,
                ts=self.now,
                bar_ts=signal.bar_ts,
                position=signal.target,
                values=signal.values,
            )
        keep = [t for t in held if direction(t) == signal.target]
        for trade in held:
            if direction(trade) != signal.target and not await self.close(trade):
                return  # possibly still open: never hold it and its opposite at once
        if signal.target != 0 and not keep:
            await self.open(strategy, signal.target)


async def _held(session: AsyncSession, strategy_ids: list[int]) -> dict[int, list[Trade]]:
    stmt = (
        select(Trade)
        .where(
            Trade.strategy_id.in_(strategy_ids),
            Trade.status == "open",
            Trade.paper_session_id.is_not(None),
        )
        .order_by(Trade.id)
    )
    held: dict[int, list[Trade]] = {i: [] for i in strategy_ids}
    for trade in (await session.execute(stmt)).scalars():
        if trade.strategy_id is not None:
            held[trade.strategy_id].append(trade)
    return held


async def step_paper_service(session: AsyncSession, *, lab: Lab, now: datetime) -> int:
    """One tick of the running session (if any); returns how many fills it made."""
    if await is_paused(session) or not await try_transaction_lock(session, SERVICE_LOCK):
        return 0
    running = await running_sessions(session)
    if not running:
        return 0
    row = running[-1]
    tick = Tick(session, lab, row, now)
    row.ticks += 1
    row.last_tick_at = now
    # a write first, so that the savepoints below nest in this transaction (on SQLite a
    # savepoint opened outside one would start, and its release commit, a transaction)
    await session.flush()
    ids = [int(i) for i in row.strategy_ids]
    stmt = select(Strategy).where(Strategy.id.in_(ids))
    strategies = {s.id: s for s in (await session.execute(stmt)).scalars()}
    held = await _held(session, ids)
    for strategy_id in ids:
        strategy = strategies.get(strategy_id)
        if strategy is None or strategy.stage != "paper" or strategy.status != "active":
            await tick.leave(strategy_id, strategy, held[strategy_id])
        else:
            await tick.trade(strategy, held[strategy_id])
    return tick.fills
