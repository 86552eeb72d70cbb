"""The gauntlet as a promotion gate: research_only -> paper needs a passed gauntlet on the
strategy's current family and parameters (resolvers/readiness.py asks here)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.quant.strategies import validate_params
from storage.research.gauntlet import GauntletWorkflow
from storage.strategies import Strategy


async def latest_gauntlet(session: AsyncSession, *, strategy: Strategy) -> GauntletWorkflow | None:
    """The strategy's newest workflow judging its current family and parameters, if any."""
    params = dict(validate_params(strategy.family, strategy.params))
    rows = await session.execute(
        select(GauntletWorkflow)
        .where(GauntletWorkflow.strategy_id == strategy.id)
        .order_by(GauntletWorkflow.id.desc())
    )
    for row in rows.scalars():
        if row.family == strategy.family and row.params == params:
            return row
    return None


async def gauntlet_passed(session: AsyncSession, *, strategy: Strategy) -> bool:
    """Whether that workflow passed every test."""
    latest = await latest_gauntlet(session, strategy=strategy)
    return latest is not None and latest.status == "passed"
