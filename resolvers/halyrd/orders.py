"""The order pipeline: policy -> quote -> mode -> signing, then a fill against the venue quote.

Decisions a user would want to know:
- Exits skip the policy layer (they only reduce risk) but pass the quote and mode layers like
  every other order; signing runs only for live orders (an agent whose status is LIVE).
- A refusal is kept: the order (status `blocked`, priced at the venue mid), a RiskBlock, a
  journal entry (`skip` for QUOTE_STALE and QUOTE_DIVERGENCE, which the seed says are
  journaled automatically, `block` otherwise) and a `risk_veto` event; then the refusal is
  raised again, carrying `order_ref`, so the caller still answers 422 with its code.
- A fill takes the ask (buy) or the bid (sell) and pays FEE_RATE of its notional.
- One net position per symbol: an order against the open trade closes it (or splits off and
  closes the part it reduces, keeping the entry price of the rest); a larger one closes it and
  opens the remainder the other way; an order on the same side adds to it at the average price.
- A manual order is an `exit` when it only reduces the current position, else `manual`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.agent_roster import get_trading_agent
from resolvers.control import SystemPaused, is_paused
from resolvers.errors import InvalidInput
from resolvers.halyrd.account import account_state, open_trades
from resolvers.halyrd.blocks import AgentOrder as AgentOrderView
from resolvers.halyrd.blocks import block_view, order_view
from resolvers.halyrd.config import AgentConfig, parse_config
from resolvers.halyrd.events import emit
from resolvers.halyrd.journal import append_entry
from resolvers.halyrd.journal_data import JournalBlock, JournalFill
from resolvers.halyrd.proposal import SIDES, AccountState, ProposedOrder
from resolvers.halyrd.quotes import check_mode, check_quote
from resolvers.halyrd.refusals import OrderRefused, QuoteDivergence, QuoteStale
from resolvers.halyrd.risk import check_order
from resolvers.halyrd.signing import Signer, sign_order
from resolvers.market.feed import MarketFeed, Quote, default_feed
from resolvers.notifications import raise_notification
from resolvers.trades import close_trade, open_trade, trade_payload
from resolvers.validation import require_choice, require_text
from resolvers.views import to_payload
from storage.base import utcnow
from storage.halyrd import AgentOrder, RiskBlock
from storage.trades import Trade
from storage.trading_agents import TradingAgent

FEE_RATE = 0.0005  # taker fee, 5 bps of the fill notional, paper and live alike
MAX_SIZE = 1e12  # base units; beyond this a notional stops being a meaningful number
SKIP_CODES = (QuoteStale.code, QuoteDivergence.code)
_EPS = 1e-9


def trading_phase(agent: TradingAgent) -> str:
    """`live` for an agent whose status is LIVE; everyone else (DEMOTED included) trades paper."""
    return "live" if agent.status == "LIVE" else "paper"


ORDER_KEYS = ("symbol", "side", "size", "intent", "phase")


def block_json(block: RiskBlock, order: AgentOrder) -> JournalBlock:
    """A refusal: the block as GET /risk/blocks answers it (ts, layer, rule, reason, order_ref,
    code) and what the order was."""
    refusal = {**to_payload(block_view(block)), **{k: getattr(order, k) for k in ORDER_KEYS}}
    return cast(JournalBlock, refusal)


def quotes_for(
    feed: MarketFeed, symbols: Iterable[str], now: datetime, interval_seconds: int
) -> dict[str, Quote]:
    """One quote per symbol (upper-cased), taken at `now` from bars of the given interval."""
    return {
        s.upper(): feed.quote(s, now, interval_seconds=interval_seconds)
        for s in dict.fromkeys(symbols)
    }


async def submit_order(
    session: AsyncSession,
    *,
    agent: TradingAgent,
    config: AgentConfig,
    order: ProposedOrder,
    account: AccountState,
    quote: Quote,
    now: datetime,
    signer: Signer | None = None,
) -> AgentOrder:
    """Run `order` through every layer and fill it; a refusal is recorded, then raised."""
    tx_hash: str | None = None
    try:
        if order.intent != "exit":
            check_order(config.risk, account, order)
        check_quote(config.quotes, quote, order, now)
        check_mode(config.executor_mode, order, account.open_by_symbol.get(order.symbol, 0.0))
        if order.phase == "live":
            tx_hash = await sign_order(
                session, agent=agent, config=config, order=order, now=now, signer=signer
            )
    except OrderRefused as refusal:
        await _record_refusal(session, agent, order, quote, now, refusal)
        raise
    return await _fill(session, agent, order, quote, now, tx_hash)


def _order_row(
    agent: TradingAgent, order: ProposedOrder, now: datetime, **values: Any
) -> AgentOrder:
    """An AgentOrder for `order`; `values` holds price, status and code or tx_hash."""
    fields = {key: getattr(order, key) for key in ORDER_KEYS}
    notional = order.size * values["price"]
    return AgentOrder(trading_agent_id=agent.id, ts=now, notional=notional, **fields, **values)


async def _record_refusal(
    session: AsyncSession,
    agent: TradingAgent,
    order: ProposedOrder,
    quote: Quote,
    now: datetime,
    exc: OrderRefused,
) -> None:
    row = _order_row(agent, order, now, price=quote.venue_mid, status="blocked", code=exc.code)
    session.add(row)
    await session.flush()
    fields = {"layer": exc.layer, "rule": exc.rule, "code": exc.code, "reason": exc.message[:500]}
    block = RiskBlock(trading_agent_id=agent.id, order_id=row.id, ts=now, **fields)
    session.add(block)
    await session.flush()
    exc.details["order_ref"] = row.order_ref
    data = block_json(block, row)
    kind = "skip" if exc.code in SKIP_CODES else "block"
    message = f"{order.intent} {order.side} {order.size:.6g} {order.symbol}: {exc.code}. "
    await append_entry(
        session, agent_id=agent.id, kind=kind, message=message + exc.message, data=data, ts=now
    )
    await emit(session, agent_id=agent.id, event_type="risk_veto", ts=now, data=dict(data))
    if exc.code == "RISK_VETO":  # one unread per agent: a strategy retrying would spam
        await raise_notification(
            session,
            type="risk.veto",
            severity="warning",
            source="risk",
            title=f"Risk vetoed an order of trading agent {agent.id} ({exc.rule})",
            body=message + exc.message,
            entity_type="trading_agent",
            entity_id=agent.id,
            now=now,
            once=True,
        )


async def _fill(
    session: AsyncSession,
    agent: TradingAgent,
    order: ProposedOrder,
    quote: Quote,
    now: datetime,
    tx_hash: str | None,
) -> AgentOrder:
    price = quote.ask if order.side == "buy" else quote.bid
    row = _order_row(agent, order, now, price=price, status="filled", tx_hash=tx_hash)
    session.add(row)
    await session.flush()
    fee = row.notional * FEE_RATE
    touched, linked, effect = await _net(session, agent, order, price, fee, now)
    row.trade_id = linked.id
    await session.flush()
    message = (
        f"filled {order.intent} {order.side} {order.size:.6g} {order.symbol} at {price:,.6g} "
        f"(fee {fee:,.2f}, {order.phase}); {effect}"
    )
    data: JournalFill = {
        "order_ref": row.order_ref,
        "symbol": order.symbol,
        "side": order.side,
        "size": order.size,
        "intent": order.intent,
        "phase": order.phase,
        "price": price,
        "fee": fee,
        "tx_hash": tx_hash,
        "trade_ids": [t.id for t in touched],
    }
    await append_entry(session, agent_id=agent.id, kind="fill", message=message, data=data, ts=now)
    for trade in touched:
        await emit(
            session, agent_id=agent.id, event_type="trade", ts=now, data=trade_payload(trade)
        )
    return row


async def _net(
    session: AsyncSession,
    agent: TradingAgent,
    order: ProposedOrder,
    price: float,
    fee: float,
    now: datetime,
) -> tuple[list[Trade], Trade, str]:
    """Apply a fill to the symbol's one open trade: (trades touched, the order's trade, what)."""
    stmt = select(Trade).filter_by(trading_agent_id=agent.id, symbol=order.symbol, status="open")
    held = await session.scalar(stmt.order_by(Trade.id).limit(1))

    async def opened(side: str, size: float, fees: float, *, like: Trade | None = None) -> Trade:
        return await open_trade(
            session,
            symbol=order.symbol,
            side=side,
            size=size,
            entry_price=price if like is None else like.entry_price,
            trading_agent_id=agent.id,
            fees=fees,
            phase=order.phase if like is None else like.phase,
            opened_at=now if like is None else like.opened_at,
        )

    if held is None:
        trade = await opened(order.side, order.size, fee)
        return [trade], trade, f"opened trade #{trade.id}"
    if held.side == order.side:
        total = held.size + order.size
        held.entry_price = (held.entry_price * held.size + price * order.size) / total
        held.size, held.fees = total, held.fees + fee
        await session.flush()
        return [held], held, f"added to trade #{held.id}"
    if order.size < held.size * (1 - _EPS):
        # Split off the reduced part (same entry, its share of the fees paid) and close it.
        part = await opened(held.side, order.size, held.fees * order.size / held.size, like=held)
        held.size, held.fees = held.size - order.size, held.fees - part.fees
        part = await close_trade(
            session, trade_id=part.id, exit_price=price, exit_fees=fee, closed_at=now
        )
        return [part, held], part, f"closed {order.size:.6g} of trade #{held.id} as #{part.id}"
    close_fee = fee * min(1.0, held.size / order.size)
    rest = order.size - held.size
    closed = await close_trade(
        session, trade_id=held.id, exit_price=price, exit_fees=close_fee, closed_at=now
    )
    effect = f"closed trade #{closed.id} (pnl {closed.pnl or 0.0:,.2f})"
    if rest <= _EPS * order.size:
        return [closed], closed, effect
    trade = await opened(order.side, rest, fee - close_fee)
    return [closed, trade], trade, f"{effect}, opened trade #{trade.id}"


def _size(size: float) -> float:
    number = not isinstance(size, bool) and isinstance(size, int | float) and math.isfinite(size)
    if not (number and 0 < size <= MAX_SIZE):
        message = f"size must be a positive number of base units, at most {MAX_SIZE:g}"
        raise InvalidInput(message, details={"field": "size"})
    return float(size)


async def place_order(
    session: AsyncSession,
    *,
    agent_id: str,
    symbol: str,
    side: str,
    size: float,
    feed: MarketFeed | None = None,
    signer: Signer | None = None,
    now: datetime | None = None,
) -> AgentOrder:
    """An operator's market order (`current` allowed), through the same layers as the agent's.

    Any symbol the feed can price may be traded; the agent's runtime manages only its
    watchlist, so a position in a watchlist symbol is brought back to the strategy's target on
    the next step. The book is marked at reference mids of the watchlist, the open positions
    and the order's symbol.
    """
    agent = await get_trading_agent(session, agent_id=agent_id)
    config = parse_config(agent.config)
    name = require_text("symbol", symbol, max_length=40).upper()
    require_choice("side", side, SIDES)
    quantity = _size(size)
    moment = now or utcnow()
    held = [t.symbol for t in await open_trades(session, agent_id=agent.id)]
    interval = config.strategy.interval_seconds
    quotes = quotes_for(feed or default_feed(), [name, *config.watchlist, *held], moment, interval)
    marks = {s: q.reference_mid for s, q in quotes.items()}
    account = await account_state(session, agent=agent, config=config, marks=marks, now=moment)
    position = account.open_by_symbol.get(name, 0.0)
    signed = quantity if side == "buy" else -quantity
    reduces = position * signed < 0 and quantity <= abs(position) * (1 + _EPS)
    if not reduces and await is_paused(session):
        raise SystemPaused(
            "the system is stopped (POST /api/system/start resumes it); only orders that "
            "reduce a position are accepted",
            details={"symbol": name, "side": side},
        )
    order = ProposedOrder(
        symbol=name,
        side=side,
        size=quantity,
        mark_price=quotes[name].reference_mid,
        intent="exit" if reduces else "manual",
        market_mode=config.strategy.market_mode,
        phase=trading_phase(agent),
    )
    return await submit_order(
        session,
        agent=agent,
        config=config,
        order=order,
        account=account,
        quote=quotes[name],
        now=moment,
        signer=signer,
    )


async def place_order_view(
    session: AsyncSession,
    *,
    agent_id: str,
    symbol: str,
    side: str,
    size: float,
    feed: MarketFeed | None = None,
    signer: Signer | None = None,
    now: datetime | None = None,
) -> AgentOrderView:
    """`place_order`, answered as the APIs describe the order."""
    row = await place_order(
        session,
        agent_id=agent_id,
        symbol=symbol,
        side=side,
        size=size,
        feed=feed,
        signer=signer,
        now=now,
    )
    return order_view(row)
