"""One step of one bot: trade toward its family's target on the lab's paper exchange.

Decisions a user would want to know:
- Like a paper strategy (resolvers/paper_engine.py): the target (-1, 0, 1) comes from the lab
  feed's closed bars at the bot's timeframe, never a forming bar; a bot holds at most one
  trade; when the target differs from it the trade is closed at market and, unless the target
  is flat, a new one opens the other way. Size: `risk.notional` USD at the fill price. Bots
  share the lab's one paper account with the paper service.
- `risk.allow_short` 0 clips short targets to flat. `risk.stop_loss_pct` > 0 closes a trade
  whose adverse move from entry reaches it (checked every step, not only on a new bar); the
  bot then stays flat on that side until the family's target changes.
- A step acts when a new bar has closed since the last one it acted on, or a stop is hit;
  otherwise it writes nothing, so a bot waiting for its next bar costs a few reads. A step
  that acts records a heartbeat too.
- A venue failure (a refused order, a close the venue does not confirm) undoes only that
  action (a savepoint) and is a `bot.step_failed` event; the trade whose close failed keeps
  `close_error` and the close is retried on the next step. Any other exception ends the step
  and is the bot task's death: the supervisor restarts it (server/bot_supervisor.py).
- Nothing is ordered while the system is paused, nor for a live bot while live routing is
  off: the bot's status becomes paused (bot.paused, with the reason) and running again
  (bot.resumed) on the first step after.
- Fills are `live.fill` events (strategy_id null) and `bot.fill` events naming the bot.
- Several instances on PostgreSQL: the step holds the advisory lock `bot:<id>` for its
  transaction and an instance that finds it taken skips the step; the next step sees the
  positions the holder left, so no order is placed twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.bots.bots import bot_event, live_routing
from resolvers.control import is_paused
from resolvers.errors import DomainError
from resolvers.lab.live import emit_fill
from resolvers.lab.services import Lab
from resolvers.paper_engine import MIN_BARS, WARMUP
from resolvers.quant.strategies import FAMILIES
from resolvers.strategies import TIMEFRAME_SECONDS
from resolvers.trades import close_trade, open_trade, record_close_failure
from storage.base import utcnow
from storage.bots import Bot
from storage.exchange import ExchangeFill
from storage.locks import try_transaction_lock
from storage.outbox import append_event, savepoint
from storage.trades import Trade


@dataclass(frozen=True, slots=True)
class StepResult:
    stepped: bool  # False: skipped (lock taken elsewhere, not running, nothing new)
    fills: int = 0
    status: str = ""


def lock_name(bot_id: int) -> str:
    return f"bot:{bot_id}"


def last_bar_end(timeframe: str, now: datetime) -> datetime:
    interval = TIMEFRAME_SECONDS[timeframe]
    return datetime.fromtimestamp(int(now.timestamp()) // interval * interval, tz=UTC)


def direction(trade: Trade) -> int:
    return 1 if trade.side == "buy" else -1


def target_for(lab: Lab, bot: Bot, now: datetime) -> int | None:
    """The family's target after the last closed bar (None before the data begins)."""
    family = FAMILIES[bot.family]
    params = dict(bot.params or {})
    longest = max([int(v) for v in params.values() if isinstance(v, int)] or [1])
    candles = lab.feed.candles(
        bot.symbol, TIMEFRAME_SECONDS[bot.timeframe], now, max(MIN_BARS, WARMUP * longest)
    )
    if len(candles) == 0:
        return None
    target = int(family.signals(candles, params)[-1])
    if not bot.risk.get("allow_short", 1):
        target = max(target, 0)
    return target


class BotStep:
    def __init__(self, session: AsyncSession, lab: Lab, bot: Bot, now: datetime):
        self.session, self.lab, self.bot, self.now = session, lab, bot, now
        self.phase = "live" if bot.venue == "live" else "paper"
        self.fills = 0

    async def failed(self, action: str, exc: DomainError, trade_id: int | None) -> None:
        payload = {"bot_id": self.bot.id, "trade_id": trade_id, "action": action,
                   "code": exc.code, "message": exc.message}  # fmt: skip
        await append_event(
            self.session, topic="bot.step_failed", entity_id=str(self.bot.id), payload=payload
        )

    async def filled(self, fill: ExchangeFill) -> None:
        self.fills += 1
        await emit_fill(self.session, fill=fill, strategy_id=None, session_id=None)
        payload = {
            "bot_id": self.bot.id,
            "trade_id": fill.trade_id,
            "kind": fill.kind,
            "side": fill.side,
            "size": fill.size,
            "price": fill.price,
            "fee": fill.fee,
        }
        await append_event(
            self.session, topic="bot.fill", entity_id=str(self.bot.id), payload=payload
        )

    async def close(self, trade: Trade) -> bool:
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
                await self.filled(fill)
        except DomainError as exc:
            await self.session.refresh(trade)
            await record_close_failure(self.session, trade=trade, error=exc, now=self.now)
            await self.failed("close", exc, trade.id)
            return False
        return True

    async def open(self, target: int) -> None:
        side = "buy" if target > 0 else "sell"
        try:
            async with savepoint(self.session):
                price = self.lab.exchange.fill_price(self.bot.symbol, side, self.now)
                size = float(f"{float(self.bot.risk['notional']) / price:.6g}")
                trade = await open_trade(
                    self.session,
                    symbol=self.bot.symbol,
                    side=side,
                    size=size,
                    entry_price=price,
                    bot_id=self.bot.id,
                    phase=self.phase,
                    opened_at=self.now,
                )
                fill = await self.lab.exchange.open(
                    self.session,
                    trade_id=trade.id,
                    symbol=self.bot.symbol,
                    side=side,
                    size=size,
                    now=self.now,
                )
                trade.entry_price, trade.fees = fill.price, fill.fee
                await self.session.flush()
                await self.filled(fill)
        except DomainError as exc:
            await self.failed("open", exc, None)

    def stop_hit(self, trade: Trade) -> bool:
        pct = float(self.bot.risk.get("stop_loss_pct", 0.0))
        if pct <= 0:
            return False
        mark = self.lab.exchange.mark_price(trade.symbol, self.now)
        adverse = (trade.entry_price - mark) / trade.entry_price * direction(trade)
        return adverse * 100 >= pct

    async def trade(self, held: list[Trade], target: int | None) -> None:
        for trade in [t for t in held if t.symbol != self.bot.symbol]:
            await self.close(trade)  # the bot was moved to another symbol
        held = [t for t in held if t.symbol == self.bot.symbol]
        for trade in held:
            if self.stop_hit(trade) and await self.close(trade):
                self.bot.stopped_side = direction(trade)
                await bot_event(self.session, "bot.stop_loss", self.bot, trade_id=trade.id)
        held = [t for t in held if t.status == "open"]
        if target is None:
            return
        if self.bot.stopped_side and target != self.bot.stopped_side:
            self.bot.stopped_side = 0  # the target moved on: the stopped side may trade again
        if self.bot.stopped_side:
            target = 0
        keep = [t for t in held if direction(t) == target]
        for trade in held:
            if direction(trade) != target and not await self.close(trade):
                return  # possibly still open: never hold it and its opposite at once
        if target != 0 and not keep:
            await self.open(target)


async def _held(session: AsyncSession, bot_id: int) -> list[Trade]:
    stmt = select(Trade).where(Trade.bot_id == bot_id, Trade.status == "open").order_by(Trade.id)
    return list((await session.execute(stmt)).scalars())


async def step_bot(session: AsyncSession, *, lab: Lab, bot_id: int, now: datetime) -> StepResult:
    """One step of the bot, in the caller's transaction (the caller commits)."""
    if not await try_transaction_lock(session, lock_name(bot_id)):
        return StepResult(False)
    # the row locked for the step (PostgreSQL): a stop or delete committing meanwhile waits for
    # it, and a step after them sees them, so no order follows a committed stop
    bot = await session.get(Bot, bot_id, with_for_update=True)
    if bot is None or bot.deleted_at is not None or bot.desired_state != "running":
        return StepResult(False)
    if bot.status == "failed":
        return StepResult(False, status=bot.status)
    why = ""
    if await is_paused(session):
        why = "the system is paused"
    elif bot.venue == "live" and not await live_routing(session, lab):
        why = "live routing is off"
    if why:
        if bot.status != "paused":
            bot.status = "paused"
            await session.flush()
            await bot_event(session, "bot.paused", bot, reason=why)
        return StepResult(True, status=bot.status)
    if bot.status != "running":
        was = bot.status
        bot.status = "running"
        await session.flush()
        await bot_event(session, "bot.resumed" if was == "paused" else "bot.running", bot)
    bar_end = last_bar_end(bot.timeframe, now)
    new_bar = bot.last_bar_end is None or bar_end > bot.last_bar_end
    stops = float(bot.risk.get("stop_loss_pct", 0.0)) > 0
    held = await _held(session, bot.id) if new_bar or stops else []
    step = BotStep(session, lab, bot, now)
    if not new_bar and not any(step.stop_hit(t) for t in held):
        return StepResult(False, status=bot.status)
    # a write first, so that the savepoints below nest in this transaction (on SQLite a
    # savepoint opened outside one would start, and its release commit, a transaction)
    bot.heartbeat_at = utcnow()  # a step that acts is a sign of life too
    if new_bar:
        bot.steps += 1
        bot.last_bar_end = bar_end
    await session.flush()
    await step.trade(held, target_for(lab, bot, now) if new_bar else None)
    await session.flush()
    return StepResult(True, fills=step.fills, status=bot.status)
