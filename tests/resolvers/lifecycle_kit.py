"""Strategies with known readiness on the seeded market, at a fixed lab moment.

On the default feed (seed 7) at NOW, over the screening window of 1h bars:
- GOOD (bollinger_reversion BTC-USD) passes the quick-screen and paper gates;
- WEAK (ma_cross BTC-USD) passes the quick screen (enough trades) but not the paper gates;
- THIN (rsi_reversion BTC-USD) trades too rarely for the quick screen.
Paper also needs a passed gauntlet, which no strategy on this market earns: `pass_gauntlet`
records one.
test_readiness.py pins these facts, so a change in the market shows up there first.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.lab.services import Lab, LabConfig, build_lab
from resolvers.lifecycle import transition_strategy
from resolvers.market.clock import MarketClock
from resolvers.market.feed import default_feed
from resolvers.quant.strategies import validate_params
from resolvers.strategies import add_strategy
from resolvers.trades import close_trade, open_trade
from storage.base import utcnow
from storage.research.gauntlet import GauntletWorkflow
from storage.strategies import STAGES, Strategy
from tests.resolvers.factories import make_hypothesis

NOW = datetime(2026, 11, 1, tzinfo=UTC)
GOOD = ("bollinger_reversion", "BTC-USD")
WEAK = ("ma_cross", "BTC-USD")
THIN = ("rsi_reversion", "BTC-USD")


def fixed_lab(*, live: bool = False, now: datetime = NOW, **config: Any) -> Lab:
    """A lab on the default feed with its clock stopped at `now`."""
    clock = MarketClock(start=now, wall=lambda: now)
    return build_lab(default_feed(), clock=clock, config=LabConfig(paper_locked=not live, **config))


async def make(
    session: AsyncSession,
    kind: tuple[str, str] = GOOD,
    *,
    hypothesis_id: int | None = None,
    lab: Lab | None = None,
) -> Strategy:
    """A strategy of `kind` within `lab`'s spawn limits (the default limits if None)."""
    family, symbol = kind
    if hypothesis_id is None:
        hypothesis_id = (await make_hypothesis(session)).id
    return await add_strategy(
        session, hypothesis_id=hypothesis_id, name=f"{family} {symbol}", family=family,
        symbol=symbol,
        lab=lab or build_lab(),
    )  # fmt: skip


async def walk(
    session: AsyncSession,
    strategy: Strategy,
    stage: str,
    *,
    paper_since: datetime | None = None,
    lab: Lab | None = None,
) -> Strategy:
    """Put `strategy` at `stage` without gates (test set-up), entering paper at `paper_since`
    (eight days before NOW by default)."""
    for target in STAGES[STAGES.index(strategy.stage) + 1 : STAGES.index(stage) + 1]:
        when = (paper_since or NOW - timedelta(days=8)) if target == "paper" else NOW
        await transition_strategy(
            session,
            strategy_id=strategy.id,
            target=target,
            enforce_gates=False,
            now=when,
            lab=lab or build_lab(),
        )
    return strategy


async def paper_record(
    session: AsyncSession, strategy: Strategy, *, trades: int = 10, pnl: float = 5.0
) -> None:
    """`trades` closed paper trades of the strategy, each netting `pnl`."""
    for i in range(trades):
        opened = NOW - timedelta(days=7, hours=-i)
        trade = await open_trade(
            session, symbol=strategy.symbol, side="buy", size=1.0, entry_price=100.0,
            strategy_id=strategy.id, opened_at=opened,
        )  # fmt: skip
        await close_trade(
            session,
            trade_id=trade.id,
            exit_price=100.0 + pnl,
            closed_at=opened + timedelta(hours=1),
        )


async def count(session: AsyncSession, model: type) -> int:
    return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def pass_gauntlet(session: AsyncSession, strategy: Strategy) -> GauntletWorkflow:
    """A gauntlet on the strategy's current family and parameters that passed, as the job
    runner leaves one (test set-up: the seeded random-walk market gives no strategy an edge
    the battery would pass; tests/resolvers/research/ run the real thing)."""
    now = utcnow()
    row = GauntletWorkflow(
        strategy_id=strategy.id,
        status="passed",
        family=strategy.family,
        params=dict(validate_params(strategy.family, strategy.params)),
        dataset={"kind": "lab_feed"},
        created_at=now,
        updated_at=now,
        finished_at=now,
    )
    session.add(row)
    await session.flush()
    return row
