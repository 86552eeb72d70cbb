"""One step of the agent's runtime: read the bars, decide, trade, snapshot, evaluate.

Decisions a user would want to know:
- The agent manages its watchlist only. For each symbol it reads the last `lookback_bars`
  closed bars at the spec's interval and takes the family's latest target (-1, 0 or 1; never
  below 0 in spot mode). A target that differs from the held position's direction is
  journaled as a `decision`, then traded: an exit of the whole position, then an entry sized
  `position_pct` x equity / reference mid. If the exit is refused the entry is not tried
  (one net position per symbol). Refusals are recorded by the pipeline and the step goes on.
- Positions outside the watchlist (an operator's, or an old watchlist's) are left alone but
  are marked to market in the equity.
- Orders are live only for an agent whose status is LIVE; a DEMOTED agent trades paper.
- A step is idempotent per bar: stepping again at the same `now` finds the targets held and
  trades nothing (a refused order is tried again, and recorded again, on each step).
- After trading: one equity snapshot at `now` (phase = the agent's phase), the evaluation's
  status refresh, and the heartbeat.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.agent_roster import get_trading_agent
from resolvers.halyrd.account import account_state, open_trades
from resolvers.halyrd.config import AgentConfig, parse_config
from resolvers.halyrd.equity import record_snapshot
from resolvers.halyrd.evaluation import refresh_status
from resolvers.halyrd.journal import append_entry
from resolvers.halyrd.journal_data import JournalDecision
from resolvers.halyrd.orders import quotes_for, submit_order, trading_phase
from resolvers.halyrd.proposal import AccountState, ProposedOrder
from resolvers.halyrd.refusals import OrderRefused
from resolvers.halyrd.signing import Signer
from resolvers.market.feed import MarketFeed, Quote, default_feed
from resolvers.quant.strategies import FAMILIES
from storage.trading_agents import TradingAgent

LABELS = {-1: "short", 0: "flat", 1: "long"}


@dataclass(frozen=True)
class StepReport:
    """What one step did."""

    agent_id: str
    ts: datetime
    equity: float
    status: str  # the agent's status after the evaluation refresh
    decisions: tuple[str, ...] = ()  # symbols whose target differed from the position
    filled: tuple[str, ...] = ()  # order refs
    refused: tuple[tuple[str, str], ...] = ()  # (order ref, code)


@dataclass
class _Step:
    """The state one step threads through its symbols."""

    session: AsyncSession
    agent: TradingAgent
    config: AgentConfig
    quotes: dict[str, Quote]
    now: datetime
    signer: Signer | None
    account: AccountState
    filled: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)

    async def refresh(self) -> None:
        marks = {symbol: quote.reference_mid for symbol, quote in self.quotes.items()}
        self.account = await account_state(
            self.session, agent=self.agent, config=self.config, marks=marks, now=self.now
        )

    async def submit(
        self, symbol: str, side: str, size: float, intent: str, phase: str | None = None
    ) -> bool:
        """Submit one order (in the agent's trading phase unless `phase` says otherwise); True
        when it filled (the book is then re-read)."""
        quote = self.quotes[symbol]
        order = ProposedOrder(
            symbol=symbol,
            side=side,
            size=size,
            mark_price=quote.reference_mid,
            intent=intent,
            market_mode=self.config.strategy.market_mode,
            phase=phase or trading_phase(self.agent),
        )
        try:
            row = await submit_order(
                self.session,
                agent=self.agent,
                config=self.config,
                order=order,
                account=self.account,
                quote=quote,
                now=self.now,
                signer=self.signer,
            )
        except OrderRefused as refusal:
            self.refused.append((str(refusal.details.get("order_ref", "")), refusal.code))
            return False
        self.filled.append(row.order_ref)
        await self.refresh()
        return True


async def step_agent(
    session: AsyncSession,
    *,
    agent_id: str,
    now: datetime,
    feed: MarketFeed | None = None,
    signer: Signer | None = None,
) -> StepReport:
    """Run the agent once at `now` (`current` allowed): trade toward its targets, snapshot
    equity, refresh its evaluation status and stamp its heartbeat."""
    agent = await get_trading_agent(session, agent_id=agent_id)
    config = parse_config(agent.config)
    spec = config.strategy
    source = feed or default_feed()
    held = [trade.symbol for trade in await open_trades(session, agent_id=agent.id)]
    quotes = quotes_for(source, [*config.watchlist, *held], now, spec.interval_seconds)
    step = _Step(session, agent, config, quotes, now, signer, AccountState(0.0, 0.0, 0.0, 0.0))
    await step.refresh()
    if trading_phase(agent) == "live":
        await _flatten_paper(step)
    decisions: list[str] = []
    family = FAMILIES[spec.family]
    for symbol in config.watchlist:
        candles = source.candles(symbol, spec.interval_seconds, now, spec.lookback_bars)
        if len(candles) == 0:
            continue
        target = int(family.signals(candles, spec.params)[-1])
        if spec.market_mode == "spot":
            target = max(target, 0)
        position = step.account.open_by_symbol.get(symbol, 0.0)
        current = (position > 0) - (position < 0)
        if target == current:
            continue
        decisions.append(symbol)
        mid = quotes[symbol].reference_mid
        facts: JournalDecision = {
            "symbol": symbol,
            "family": spec.family,
            "params": dict(spec.params),
            "target": target,
            "position": position,
            "close": float(candles.close[-1]),
            "bar_ts": candles.time_at(-1).isoformat(),
            "reference_mid": mid,
        }
        message = (
            f"{symbol}: {spec.family} signal {LABELS[target]} while {LABELS[current]}; "
            f"last close {facts['close']:,.6g} ({facts['bar_ts']}), mid {mid:,.6g}"
        )
        await append_entry(
            session, agent_id=agent.id, kind="decision", message=message, data=facts, ts=now
        )
        if current and not await step.submit(
            symbol, "sell" if position > 0 else "buy", abs(position), "exit"
        ):
            continue
        size = spec.position_pct * step.account.equity / mid
        if target and size > 0:
            await step.submit(symbol, "buy" if target > 0 else "sell", size, "entry")
    account = step.account
    await record_snapshot(
        session, agent_id=agent.id, ts=now, equity=account.equity, phase=agent.phase
    )
    await refresh_status(session, agent=agent, config=config, account=account, now=now)
    agent.last_heartbeat = now
    await session.flush()
    return StepReport(
        agent_id=agent.id,
        ts=now,
        equity=account.equity,
        status=agent.status,
        decisions=tuple(decisions),
        filled=tuple(step.filled),
        refused=tuple(step.refused),
    )


async def _flatten_paper(step: _Step) -> None:
    """A promoted agent starts live from a flat book: positions left from paper trading are
    closed as paper exits (quote and mode layers, never signed) before any live order, so a
    live order never closes a paper position and no paper fill is ever signed."""
    for trade in await open_trades(step.session, agent_id=step.agent.id):
        if trade.phase == "paper" and trade.symbol in step.quotes:
            side = "sell" if trade.side == "buy" else "buy"
            await step.submit(trade.symbol, side, trade.size, "exit", phase="paper")
