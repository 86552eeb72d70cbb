"""Demo data for an empty database, made by running the strategy library over the seeded
synthetic market and recording what happened through the resolvers (no raw inserts, no typed
figures). The same seed gives the same prices, trades and stages; timestamps end at the
current UTC midnight so the history looks recent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from resolvers.agents import create_agent, set_agent_toolset
from resolvers.approval_decisions import decide_approval
from resolvers.approvals import create_approval
from resolvers.halyrd.config import parse_config
from resolvers.halyrd.runtime import step_agent
from resolvers.halyrd.status import restart_window
from resolvers.hypotheses import create_hypothesis
from resolvers.lab.services import Lab, build_lab
from resolvers.lifecycle import transition_strategy
from resolvers.market import exchange
from resolvers.market.feed import MarketFeed
from resolvers.paper import start_paper_service, step_paper_service
from resolvers.quant.engine import Costs, Trades, run
from resolvers.quant.market import Candles, generate_candles
from resolvers.quant.performance import max_drawdown
from resolvers.quant.strategies import FAMILIES, validate_params
from resolvers.strategies import create_strategy
from resolvers.trades import close_trade, open_trade
from resolvers.trading_agents import ensure_seed_agent
from server.demo_datasets import seed_demo_datasets
from storage.hypotheses import Hypothesis
from storage.outbox import Publisher, commit_and_publish
from storage.strategies import STAGES

SYMBOLS = ("BTC-USD", "ETH-USD", "SOL-USD")
NOTIONAL = 10_000.0
# The research replays at the paper exchange's costs, which its strategies then trade at.
COSTS = Costs(exchange.FEE_RATE, exchange.SLIPPAGE_BPS)
# The trading agent replays at most this many days (each hourly step is a full runtime step),
# from this origin of the agent's market (server/halyrd_runner.py uses the same one).
AGENT_DAYS = 5
# The paper service runs over the last PAPER_DAYS days, one tick per hour.
PAPER_DAYS = 3
LOOKBACK = 200
MARKET_ORIGIN = datetime(2026, 1, 1, tzinfo=UTC)

THESES = (
    (
        "Trend persistence after moving-average crosses",
        "trend",
        "Once a fast average clears a slow one, the move tends to continue for a while.",
        "Slow-moving capital re-allocates over days, so trends outlast their first signal.",
        ("ma_cross", "macd_momentum"),
    ),
    (
        "Short-term overreaction mean-reverts",
        "mean_reversion",
        "Sharp moves away from the recent mean partly retrace within hours.",
        "Liquidity takers overshoot; market makers restore the price once inventory clears.",
        ("rsi_reversion", "bollinger_reversion"),
    ),
    (
        "Range breakouts carry follow-through",
        "breakout",
        "A close beyond a quiet range starts a directional leg.",
        "Stops cluster outside ranges; their triggering feeds the breakout.",
        ("donchian_breakout", "squeeze_breakout"),
    ),
)

AGENTS = (
    (
        "researcher",
        "Researcher",
        "claude-sonnet",
        "Turns theses into testable strategies.",
        ("research", ("run_verdict", "list_datasets", "get_gauntlet_workflow")),
    ),
    (
        "risk-officer",
        "Risk officer",
        "claude-opus",
        "Reviews promotions against risk limits.",
        ("scheduled", ("get_strategy_readiness", "list_trades")),
    ),
    (
        "operator-assistant",
        "Operator assistant",
        "claude-haiku",
        "Answers operator questions.",
        ("interactive", ("list_strategies", "list_trades")),
    ),
)


@dataclass(frozen=True)
class Outcome:
    """What one family did on one symbol: its trades and the numbers that rank it."""

    family: str
    symbol: str
    candles: Candles
    trades: Trades
    net_pnl: float
    drawdown: float

    @property
    def summary(self) -> str:
        return (
            f"net pnl {self.net_pnl:.2f} over {len(self.trades)} trades, "
            f"max drawdown {self.drawdown:.1%}"
        )


def _market(seed: int, days: int, end: datetime) -> dict[str, Candles]:
    start = end - timedelta(days=days)
    return {
        symbol: generate_candles(
            symbol=symbol, seed=seed, start=start, periods=days * 24, interval=timedelta(hours=1)
        )
        for symbol in SYMBOLS
    }


def _run(family: str, candles: Candles) -> Outcome:
    params = validate_params(family, {})
    positions = FAMILIES[family].compute(candles, params)
    size = round(NOTIONAL / float(candles.close[0]), 6)
    result = run(candles, positions, capital=NOTIONAL, costs=COSTS, size=size)
    trades = result.trades
    net = sum(trades.pnl[trades.closed].tolist())
    return Outcome(family, candles.symbol, candles, trades, net, max_drawdown(result.equity))


def stage_for(rank: int, total: int) -> str:
    """Best quarter goes live, next paper, next research_only, the rest stay in quick_screen."""
    return STAGES[len(STAGES) - 1 - min(len(STAGES) - 1, rank * len(STAGES) // total)]


async def _record_trades(
    session: AsyncSession, outcome: Outcome, *, strategy_id: int | None, agent_id: str | None
) -> None:
    trades, candles = outcome.trades, outcome.candles
    for k in range(len(trades)):
        trade = await open_trade(
            session,
            symbol=outcome.symbol,
            side="buy" if trades.direction[k] > 0 else "sell",
            size=float(trades.size[k]),
            entry_price=float(trades.entry_price[k]),
            strategy_id=strategy_id,
            trading_agent_id=agent_id,
            fees=float(trades.entry_fee[k]),
            opened_at=candles.time_at(int(trades.entry_index[k])),
        )
        if trades.exit_index[k] >= 0:
            await close_trade(
                session,
                trade_id=trade.id,
                exit_price=float(trades.exit_price[k]),
                exit_fees=float(trades.fees[k] - trades.entry_fee[k]),
                closed_at=candles.time_at(int(trades.exit_index[k])),
            )


async def _research(
    session: AsyncSession, lab: Lab, markets: dict[str, Candles], end: datetime
) -> None:
    outcomes: list[tuple[int, Outcome]] = []
    for title, lane, thesis, mechanism, families in THESES:
        hypothesis = await create_hypothesis(
            session, title=title, lane=lane, thesis=thesis, mechanism=mechanism, source="demo"
        )
        for family in families:
            for symbol in SYMBOLS:
                outcomes.append((hypothesis.id, _run(family, markets[symbol])))
    ranked = sorted(outcomes, key=lambda item: item[1].net_pnl, reverse=True)
    for rank, (hypothesis_id, outcome) in enumerate(ranked):
        strategy = await create_strategy(
            session,
            hypothesis_id=hypothesis_id,
            name=f"{FAMILIES[outcome.family].title} {outcome.symbol}",
            family=outcome.family,
            symbol=outcome.symbol,
            source="demo",
            actor="researcher",
            lab=lab,
        )
        await _record_trades(session, outcome, strategy_id=strategy.id, agent_id=None)
        await _promote(session, lab, strategy.id, stage_for(rank, len(ranked)), outcome, end)


async def _ask(
    session: AsyncSession,
    lab: Lab,
    strategy_id: int,
    target: str,
    outcome: Outcome,
    end: datetime,
    decision: str | None = None,
) -> None:
    """File a promotion approval for the risk officer, and decide it when `decision` is set."""
    approval = await create_approval(
        session,
        type=f"promote_to_{target}",
        target_type="strategy",
        target_id=str(strategy_id),
        owner="risk-officer",
        summary=outcome.summary,
        deadline=end + timedelta(days=1),
        classification="low_risk" if outcome.drawdown < 0.1 else "needs_review",
    )
    if decision is not None:
        await decide_approval(
            session,
            approval_id=approval.id,
            decision=decision,
            actor="operator",
            note=outcome.summary,
            lab=lab,
        )


async def _promote(
    session: AsyncSession,
    lab: Lab,
    strategy_id: int,
    stage: str,
    outcome: Outcome,
    end: datetime,
) -> None:
    """Walk the strategy up to `stage`; live needs an approved approval, paper waits on one."""
    for target in STAGES[1 : STAGES.index(stage) + 1]:
        if target == "live":
            await _ask(session, lab, strategy_id, "live", outcome, end, decision="approve")
        await transition_strategy(
            session,
            strategy_id=strategy_id,
            target=target,
            reason=outcome.summary,
            actor="researcher",
            enforce_gates=False,  # replays the demo's own research, not the lab market's
            lab=lab,
        )
    if stage == "paper":
        await _ask(session, lab, strategy_id, "live", outcome, end)
    elif stage == "research_only" and outcome.net_pnl < 0:
        await _ask(session, lab, strategy_id, "paper", outcome, end, decision="deny")


async def _agents(session: AsyncSession) -> None:
    for agent_id, name, model, description, (context, tools) in AGENTS:
        await create_agent(
            session, agent_id=agent_id, name=name, model=model, description=description
        )
        await set_agent_toolset(session, agent_id=agent_id, context=context, tools=tools)


async def _trading_agent(session: AsyncSession, feed: MarketFeed, days: int, end: datetime) -> None:
    """The seed agent's last AGENT_DAYS days, replayed step by step through its real runtime
    (orders through every layer, equity, journal, evaluation) on the agent's market feed."""
    agent = await ensure_seed_agent(session)
    step = timedelta(seconds=parse_config(agent.config).strategy.interval_seconds)
    start = max(end - timedelta(days=min(days, AGENT_DAYS)), MARKET_ORIGIN + step * LOOKBACK)
    await restart_window(session, agent=agent, reason="demo replay starts", now=start)
    moment = start
    while moment <= end:
        await step_agent(session, agent_id=agent.id, now=moment, feed=feed)
        moment += step


async def _paper_service(session: AsyncSession, lab: Lab, days: int, end: datetime) -> None:
    """A paper session deploying every paper-stage strategy, ticked hourly over the last
    PAPER_DAYS days through the real engine on the demo's market. It is left running, so the
    server's paper tick carries it on from the demo's end."""
    start = end - timedelta(days=min(days, PAPER_DAYS))
    await start_paper_service(session, lab=lab, now=start)
    moment = start
    while moment < end:
        moment += timedelta(hours=1)
        await step_paper_service(session, lab=lab, now=moment)


async def seed_demo(
    session_factory: async_sessionmaker[AsyncSession],
    publish: Publisher | None,
    *,
    seed: int,
    days: int,
    end: datetime | None = None,
    feed: MarketFeed | None = None,
    lab: Lab | None = None,
) -> bool:
    """Fill an empty database in one transaction; returns False when data already exists.

    `lab` is the server's (its limits, clock and paper exchange), a default one when None;
    the paper session trades the demo's market, on a lab with the same limits if need be."""
    end = end or datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    async with session_factory() as session:
        existing = await session.scalar(select(func.count()).select_from(Hypothesis))
        if existing:
            return False
        markets = _market(seed, days, end)
        lab = lab or build_lab()
        market = feed or MarketFeed(seed, MARKET_ORIGIN)
        await _agents(session)
        await _research(session, lab, markets, end)
        await seed_demo_datasets(session, markets.values(), seed=seed)
        await _trading_agent(session, market, days, end)
        paper = lab if lab.feed is market else build_lab(market, config=lab.config)
        await _paper_service(session, paper, days, end)
        await commit_and_publish(session, publish)
    return True
