"""Bots: create, change, start, stop and delete them; their trades and positions.

Decisions a user would want to know:
- A bot is a strategy family (`template`, GET /api/bot-factory/templates) with its params, a
  symbol, a timeframe and risk settings, all checked against the template's bounds: 422
  UNKNOWN_TEMPLATE, INVALID_PARAMS, UNKNOWN_SYMBOL, UNKNOWN_TIMEFRAME, INVALID_RISK,
  UNKNOWN_VENUE, with `details.field` naming the field (`params.fast`, `risk.notional`). Params
  or risk settings not given take the template's defaults; an int setting takes a whole number
  (10 or 10.0, not 10.5). Names are 1-100 characters and need not be unique.
- Venue: `paper` (default) trades on the lab's paper exchange, trades phase paper. `live` is
  refused with 409 LIVE_ROUTING_DISABLED unless live routing is on: the execution mode is live
  and the build is not paper-locked (resolvers/control.py; the paper lock wins). A bot has no
  lifecycle stage of its own (it is not a pipeline strategy), so that gate is the lifecycle's
  live gate for it. A live bot trades phase live through the lab's exchange (the only venue
  the lab has); if live routing is switched off while it runs it opens nothing and is paused.
- State: `desired_state` (running | stopped) is what the operator asked for; `status` is what
  the supervisor (server/bot_supervisor.py) reports: stopped, starting (asked to run, no task
  yet), running, restarting (its task died, waiting out the backoff), failed (died too often:
  `last_error` says why), paused (the system is paused, or a live bot lost live routing).
- Start and stop are idempotent: starting a running bot or stopping a stopped one changes
  nothing and writes no event. Starting a failed bot starts it again (its restart count is
  kept). Start answers at once with status starting; the supervisor spawns its task on its
  next pass. Stop answers with status stopped: the bot's step reads its row under the bot's
  lock, so no order is placed after the stop commits; its task is ended on the next pass.
- Stop (and delete) leave an open position open: a started bot manages it again; a deleted
  bot's open trade is the operator's (POST /api/trades/{id}/force-close).
- DELETE stops a running bot first (a bot.stopped event), then marks it deleted (soft delete:
  `deleted_at`); its trades keep their bot_id, and GET .../trades and .../positions of a
  deleted bot still answer. A deleted bot is 404 on every other route and is listed only with
  include_deleted=true.
- PUT changes any of name, template, params, symbol, timeframe, risk and venue, also on a
  running bot (its next step uses them; a trade on a symbol the bot no longer trades is
  closed). Changing the template re-checks params against the new family (params not given
  then take its defaults).
- Every change is an event: bot.created, bot.updated, bot.started, bot.stopped, bot.deleted;
  the supervisor writes bot.running, bot.restarting, bot.failed, bot.paused, bot.resumed.
- Lists are oldest first with keyset cursors, like the other Forven lists.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.bots.templates import RISK
from resolvers.choices import PHASE, TRADE_SIDE
from resolvers.control import control_state, load_control
from resolvers.errors import Conflict, InvalidInput, NotFound
from resolvers.lab.services import Lab
from resolvers.pagination import Page, paginate
from resolvers.quant.strategies import FAMILIES, Params, ParamSpec, validate_params
from resolvers.strategies import TIMEFRAMES
from resolvers.trades import Trade, list_trades
from resolvers.validation import require_text
from resolvers.views import Choices, View, from_row, to_payload
from storage.base import utcnow
from storage.bots import BOT_DESIRED, BOT_STATUSES, BOT_VENUES
from storage.bots import Bot as BotRow
from storage.outbox import append_event
from storage.trades import Trade as TradeRow

BOT_STATUS = Choices("BotStatus", BOT_STATUSES)
BOT_DESIRED_STATE = Choices("BotDesiredState", BOT_DESIRED)
BOT_VENUE = Choices("BotVenue", BOT_VENUES)
NAME_MAX = 100


class LiveRoutingDisabled(Conflict):
    code = "LIVE_ROUTING_DISABLED"


@dataclass(frozen=True, slots=True)
class Bot(View):
    """An autonomous trading bot of the bot factory."""

    id: int
    name: str
    template: Annotated[str, "its strategy family (a template of GET /api/bot-factory/templates)"]
    params: Annotated[Params, "the family's parameters, every default filled in"]
    symbol: str
    timeframe: str
    risk: Annotated[Params, "notional, stop_loss_pct, allow_short"]
    venue: Annotated[str, BOT_VENUE]
    desired_state: Annotated[str, BOT_DESIRED_STATE]
    status: Annotated[str, BOT_STATUS]
    heartbeat_at: Annotated[datetime | None, "the supervisor's last sight of its task alive"]
    restarts: Annotated[int, "times the supervisor restarted it after its task died"]
    last_error: Annotated[str | None, "why its task last died"]
    steps: Annotated[int, "closed bars it has acted on"]
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


@dataclass(frozen=True, slots=True)
class BotPosition(View):
    """One open trade of a bot, marked to the market."""

    trade_id: int
    symbol: str
    side: Annotated[str, TRADE_SIDE]
    size: float
    entry_price: float
    mark_price: float
    unrealized_pnl: Annotated[float, "at the mark, before exit fees"]
    phase: Annotated[str, PHASE]
    opened_at: datetime


def bot_view(row: BotRow) -> Bot:
    return from_row(Bot, row, template=row.family)


async def bot_event(session: AsyncSession, topic: str, row: BotRow, **extra: Any) -> None:
    payload = to_payload(bot_view(row)) | extra
    await append_event(session, topic=topic, entity_id=str(row.id), payload=payload)


async def bot_row(session: AsyncSession, bot_id: int, *, deleted: bool = False) -> BotRow:
    """The bot (404 when unknown, or deleted unless `deleted`)."""
    row = await session.get(BotRow, bot_id)
    if row is None or (row.deleted_at is not None and not deleted):
        raise NotFound(f"bot {bot_id} not found", details={"id": bot_id})
    return row


def _number(spec: ParamSpec, value: object, field: str, code: str) -> int | float:
    number: int | float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        if spec.kind == "float":
            number = float(value)
        elif float(value).is_integer():
            number = int(value)
    if number is None:
        raise InvalidInput(
            f"{field} must be {'a whole number' if spec.kind == 'int' else 'a number'}",
            code=code,
            details={"field": field},
        )
    if not spec.low <= number <= spec.high:
        raise InvalidInput(
            f"{field} must be between {spec.low} and {spec.high}, got {number}",
            code=code,
            details={"field": field, "min": spec.low, "max": spec.high},
        )
    return number


def _settings(
    specs: tuple[ParamSpec, ...], given: Any, what: str, code: str
) -> dict[str, int | float]:
    """`given` checked against `specs` (unknown names refused), defaults filled in."""
    if given is None:
        given = {}
    if not isinstance(given, dict):
        raise InvalidInput(f"{what} must be an object", code=code, details={"field": what})
    named = {spec.name: spec for spec in specs}
    for name in given:
        if name not in named:
            raise InvalidInput(
                f"unknown {what} setting {name!r}; known: {', '.join(named)}",
                code=code,
                details={"field": f"{what}.{name}"},
            )
    return {
        spec.name: _number(spec, given[spec.name], f"{what}.{spec.name}", code)
        if spec.name in given
        else spec.default
        for spec in specs
    }


def checked_params(template: str, params: Any) -> dict[str, int | float]:
    family = FAMILIES[template]
    values = _settings(family.params, params, "params", "INVALID_PARAMS")
    try:
        return validate_params(family, values)  # the family's own cross-parameter rule
    except ValueError as exc:
        raise InvalidInput(str(exc), code="INVALID_PARAMS", details={"field": "params"}) from exc


def checked_template(template: Any) -> str:
    if not isinstance(template, str) or template not in FAMILIES:
        raise InvalidInput(
            f"unknown template {template!r}; known: {', '.join(FAMILIES)}",
            code="UNKNOWN_TEMPLATE",
            details={"field": "template"},
        )
    return template


def checked_symbol(symbol: Any, lab: Lab) -> str:
    known = lab.config.tick_symbols
    value = symbol.upper() if isinstance(symbol, str) else symbol
    if value not in known:
        raise InvalidInput(
            f"unknown symbol {symbol!r}; known: {', '.join(known)}",
            code="UNKNOWN_SYMBOL",
            details={"field": "symbol"},
        )
    return str(value)


def checked_timeframe(timeframe: Any) -> str:
    if timeframe not in TIMEFRAMES:
        raise InvalidInput(
            f"unknown timeframe {timeframe!r}; known: {', '.join(TIMEFRAMES)}",
            code="UNKNOWN_TIMEFRAME",
            details={"field": "timeframe"},
        )
    return str(timeframe)


def checked_venue(venue: Any) -> str:
    if venue not in BOT_VENUES:
        raise InvalidInput(
            f"venue must be one of {', '.join(BOT_VENUES)}",
            code="UNKNOWN_VENUE",
            details={"field": "venue"},
        )
    return str(venue)


async def live_routing(session: AsyncSession, lab: Lab) -> bool:
    """Whether live orders may be routed: execution mode live and no paper lock."""
    return control_state(await load_control(session), lab).execution_mode == "live"


async def _require_live(session: AsyncSession, lab: Lab) -> None:
    if not await live_routing(session, lab):
        raise LiveRoutingDisabled(
            "live routing is off (execution mode paper, or the build is paper-locked): a live "
            "bot needs POST /api/execution-mode live on a build with TRADEGRAPH_LIVE_TRADING",
            details={"field": "venue"},
        )


async def list_bots(
    session: AsyncSession,
    *,
    include_deleted: bool = False,
    first: int | None = None,
    after: str | None = None,
    with_total: bool = True,
) -> Page[Bot]:
    """Bots oldest first (deleted ones only with include_deleted)."""
    stmt = select(BotRow)
    if not include_deleted:
        stmt = stmt.where(BotRow.deleted_at.is_(None))
    page = await paginate(session, stmt, BotRow.id, first=first, after=after, with_total=with_total)
    return page.map(bot_view)


async def create_bot(
    session: AsyncSession,
    *,
    name: Any,
    template: Any,
    params: Any = None,
    symbol: Any = None,
    timeframe: Any = None,
    risk: Any = None,
    venue: Any = "paper",
    lab: Lab,
) -> Bot:
    """A new bot, stopped (POST .../start runs it)."""
    family = checked_template(template)
    place = checked_venue(venue if venue is not None else "paper")
    if place == "live":
        await _require_live(session, lab)
    now = utcnow()
    row = BotRow(
        name=require_text("name", name, max_length=NAME_MAX),
        family=family,
        params=checked_params(family, params),
        symbol=checked_symbol(symbol if symbol is not None else lab.config.tick_symbols[0], lab),
        timeframe=checked_timeframe(timeframe if timeframe is not None else "1h"),
        risk=_settings(RISK, risk, "risk", "INVALID_RISK"),
        venue=place,
        desired_state="stopped",
        status="stopped",
        restarts=0,
        steps=0,
        stopped_side=0,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    await session.flush()
    await bot_event(session, "bot.created", row)
    return bot_view(row)


async def update_bot(
    session: AsyncSession,
    *,
    bot_id: int,
    name: Any = None,
    template: Any = None,
    params: Any = None,
    symbol: Any = None,
    timeframe: Any = None,
    risk: Any = None,
    venue: Any = None,
    lab: Lab,
) -> Bot:
    """Change the given fields (422 when none is given)."""
    row = await bot_row(session, bot_id)
    given = [name, template, params, symbol, timeframe, risk, venue]
    if all(value is None for value in given):
        raise InvalidInput(
            "give at least one of name, template, params, symbol, timeframe, risk, venue",
            code="NOTHING_TO_UPDATE",
        )
    if name is not None:
        row.name = require_text("name", name, max_length=NAME_MAX)
    if template is not None:
        family = checked_template(template)
        if family != row.family:
            row.family = family
            row.params = checked_params(family, params if params is not None else {})
    if params is not None:
        row.params = checked_params(row.family, params)
    if symbol is not None:
        row.symbol = checked_symbol(symbol, lab)
    if timeframe is not None:
        row.timeframe = checked_timeframe(timeframe)
    if risk is not None:
        row.risk = _settings(RISK, risk, "risk", "INVALID_RISK")
    if venue is not None:
        row.venue = checked_venue(venue)
        if row.venue == "live":
            await _require_live(session, lab)
    row.updated_at = utcnow()
    await session.flush()
    await bot_event(session, "bot.updated", row)
    return bot_view(row)


async def start_bot(session: AsyncSession, *, bot_id: int, lab: Lab) -> Bot:
    """Ask the supervisor to run the bot (idempotent; a failed bot starts again)."""
    row = await bot_row(session, bot_id)
    if row.venue == "live":
        await _require_live(session, lab)
    if row.desired_state == "running" and row.status != "failed":
        return bot_view(row)
    row.desired_state, row.status = "running", "starting"
    row.updated_at = utcnow()
    await session.flush()
    await bot_event(session, "bot.started", row)
    return bot_view(row)


async def _stop(session: AsyncSession, row: BotRow, reason: str) -> bool:
    if row.desired_state == "stopped" and row.status == "stopped":
        return False
    row.desired_state, row.status = "stopped", "stopped"
    row.updated_at = utcnow()
    await session.flush()
    await bot_event(session, "bot.stopped", row, reason=reason)
    return True


async def stop_bot(session: AsyncSession, *, bot_id: int) -> Bot:
    """Stop the bot (idempotent); its open position stays open."""
    row = await bot_row(session, bot_id)
    await _stop(session, row, "stopped by the operator")
    return bot_view(row)


async def delete_bot(session: AsyncSession, *, bot_id: int) -> Bot:
    """Stop the bot if it runs, then mark it deleted; its trades are kept."""
    row = await bot_row(session, bot_id)
    await _stop(session, row, "deleted")
    row.deleted_at = row.updated_at = utcnow()
    await session.flush()
    await bot_event(session, "bot.deleted", row)
    return bot_view(row)


async def list_bot_trades(
    session: AsyncSession,
    *,
    bot_id: int,
    first: int | None = None,
    after: str | None = None,
    with_total: bool = True,
) -> Page[Trade]:
    """The bot's trades oldest first (a deleted bot's too)."""
    await bot_row(session, bot_id, deleted=True)
    return await list_trades(
        session, bot_id=bot_id, first=first, after=after, with_total=with_total
    )


async def list_bot_positions(
    session: AsyncSession, *, bot_id: int, lab: Lab, now: datetime | None = None
) -> list[BotPosition]:
    """The bot's open trades marked at the market's price now (a deleted bot's too)."""
    await bot_row(session, bot_id, deleted=True)
    moment = now or lab.clock.now()
    stmt = (
        select(TradeRow)
        .where(TradeRow.bot_id == bot_id, TradeRow.status == "open")
        .order_by(TradeRow.id)
    )
    out = []
    for trade in (await session.execute(stmt)).scalars():
        mark = lab.exchange.mark_price(trade.symbol, moment)
        sign = 1 if trade.side == "buy" else -1
        out.append(
            BotPosition(
                trade_id=trade.id,
                symbol=trade.symbol,
                side=trade.side,
                size=trade.size,
                entry_price=trade.entry_price,
                mark_price=mark,
                unrealized_pnl=sign * (mark - trade.entry_price) * trade.size,
                phase=trade.phase,
                opened_at=trade.opened_at,
            )
        )
    return out
