"""The policy layer: four risk objectives, each a ceiling, checked before any new exposure.

- max_drawdown: equity below the evaluation window's peak (see account.py), as a fraction.
- daily_loss: equity below the UTC day's opening equity, as a fraction.
- max_trade_pct: one order's notional over equity.
- max_gross_exposure: open notional (plus the order's) over equity.

The two loss rules stop new exposure once the current value is AT the limit (an agent exactly at
its drawdown limit may not add risk); the two size rules refuse only what goes OVER the limit
(an order of exactly the allowed size passes). `Objective.holds` follows the same edges.

Exits (`order.reduces_exposure`) are never vetoed: they only shrink the book, and refusing them
would trap the agent in the very position that broke a limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.agent_roster import get_trading_agent
from resolvers.halyrd.account import agent_clock, current_account
from resolvers.halyrd.config import AgentConfig, RiskLimits, parse_config
from resolvers.halyrd.proposal import AccountState, ProposedOrder
from resolvers.halyrd.refusals import RiskVeto
from resolvers.views import View
from storage.halyrd import AgentEquity, AgentOrder
from storage.trading_agents import TradingAgent

RULES = ("max_drawdown", "daily_loss", "max_trade_pct", "max_gross_exposure")
LOSS_RULES = ("max_drawdown", "daily_loss")
# With no positive equity a ratio has no finite value; it is reported as this (over any limit),
# because JSON and GraphQL floats cannot carry infinity.
RATIO_CAP = 1e6


@dataclass(frozen=True, slots=True)
class Objective(View):
    """One risk objective (a ceiling) and the room left under it."""

    rule: str
    current: float
    limit: float
    headroom_pct: Annotated[float, "(limit - current) / limit x 100"]  # negative once breached
    holds: bool


def ratio(amount: float, equity: float) -> float:
    """amount / equity, RATIO_CAP when equity is not positive and amount is."""
    if equity > 0:
        return min(amount / equity, RATIO_CAP)
    return 0.0 if amount <= 0 else RATIO_CAP


def objective(rule: str, current: float, limit: float) -> Objective:
    """One objective with its headroom; loss rules fail at the limit, size rules over it."""
    holds = current < limit if rule in LOSS_RULES else current <= limit
    # Limits are positive (config bounds); a zero limit has no headroom to speak of.
    headroom = (limit - current) / limit * 100.0 if limit > 0 else 0.0
    return Objective(rule=rule, current=current, limit=limit, headroom_pct=headroom, holds=holds)


def _veto(rule: str, message: str, current: float, limit: float, **extra: float) -> RiskVeto:
    details: dict[str, object] = {"current": current, "limit": limit, **extra}
    return RiskVeto(message, rule=rule, details=details)


def check_order(limits: RiskLimits, account: AccountState, order: ProposedOrder) -> None:
    """Raise RiskVeto naming the first broken rule; exits always pass (see module docstring)."""
    if order.reduces_exposure:
        return
    if account.drawdown >= limits.max_drawdown:
        raise _veto(
            "max_drawdown",
            f"drawdown {account.drawdown:.2%} is at or over the {limits.max_drawdown:.2%} limit: "
            "no new exposure until it recovers",
            account.drawdown,
            limits.max_drawdown,
        )
    if account.daily_loss >= limits.daily_loss:
        raise _veto(
            "daily_loss",
            f"today's loss {account.daily_loss:.2%} is at or over the {limits.daily_loss:.2%} "
            "limit: no new exposure until the next UTC day",
            account.daily_loss,
            limits.daily_loss,
        )
    trade_pct = ratio(order.notional, account.equity)
    if trade_pct > limits.max_trade_pct:
        raise _veto(
            "max_trade_pct",
            f"order notional {order.notional:,.2f} is {trade_pct:.2%} of equity "
            f"{account.equity:,.2f}; limit {limits.max_trade_pct:.2%}",
            trade_pct,
            limits.max_trade_pct,
            notional=order.notional,
        )
    gross_after = ratio(account.gross_exposure + order.notional, account.equity)
    if gross_after > limits.max_gross_exposure:
        raise _veto(
            "max_gross_exposure",
            f"gross exposure would be {gross_after:.2f}x equity "
            f"({account.gross_exposure:,.2f} open + {order.notional:,.2f}); "
            f"limit {limits.max_gross_exposure:.2f}x",
            gross_after,
            limits.max_gross_exposure,
            notional=order.notional,
        )


def objectives(
    limits: RiskLimits, account: AccountState, *, last_trade_pct: float = 0.0
) -> list[Objective]:
    """The four objectives at this moment; `last_trade_pct` is the latest order's size."""
    return [
        objective("max_drawdown", account.drawdown, limits.max_drawdown),
        objective("daily_loss", account.daily_loss, limits.daily_loss),
        objective("max_trade_pct", last_trade_pct, limits.max_trade_pct),
        objective(
            "max_gross_exposure",
            ratio(account.gross_exposure, account.equity),
            limits.max_gross_exposure,
        ),
    ]


async def equity_at(session: AsyncSession, *, agent_id: str, ts: datetime, default: float) -> float:
    """The equity of the last snapshot at or before `ts` (`default` when there is none)."""
    stmt = (
        select(AgentEquity.equity)
        .where(AgentEquity.trading_agent_id == agent_id, AgentEquity.ts_s <= int(ts.timestamp()))
        .order_by(AgentEquity.ts_s.desc())
        .limit(1)
    )
    value = await session.scalar(stmt)
    return default if value is None else float(value)


async def last_trade_pct(
    session: AsyncSession, *, agent: TradingAgent, config: AgentConfig
) -> float:
    """The latest filled non-exit order's notional over the equity it was sized against (the
    last snapshot at or before it, else starting capital); 0 before any such order."""
    stmt = (
        select(AgentOrder)
        .where(
            AgentOrder.trading_agent_id == agent.id,
            AgentOrder.status == "filled",
            AgentOrder.intent != "exit",
        )
        .order_by(AgentOrder.id.desc())
        .limit(1)
    )
    order = await session.scalar(stmt)
    if order is None:
        return 0.0
    equity = await equity_at(
        session, agent_id=agent.id, ts=order.ts, default=config.starting_capital
    )
    return ratio(order.notional, equity)


async def list_objectives(
    session: AsyncSession, *, agent_id: str, now: datetime | None = None
) -> list[Objective]:
    """The agent's risk objectives now (`current` allowed). Open trades are marked at the last
    fill price per symbol the agent saw, else at their entry price: a read has no live feed.
    `now` defaults to the agent's clock (evaluation.agent_clock)."""
    agent = await get_trading_agent(session, agent_id=agent_id)
    config = parse_config(agent.config)
    moment = now or agent_clock(agent)
    account = await current_account(session, agent=agent, config=config, now=moment)
    pct = await last_trade_pct(session, agent=agent, config=config)
    return objectives(config.risk, account, last_trade_pct=pct)
