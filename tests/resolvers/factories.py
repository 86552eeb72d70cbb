"""Test data made through the resolvers, the same way the app makes it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.hypotheses import add_hypothesis
from resolvers.lab.services import Lab, build_lab
from resolvers.strategies import add_strategy
from storage.hypotheses import Hypothesis
from storage.strategies import Strategy


async def make_hypothesis(session: AsyncSession, title: str = "Trend persistence") -> Hypothesis:
    return await add_hypothesis(session, title=title, thesis="Trends persist after breakouts.")


async def make_strategy(
    session: AsyncSession,
    hypothesis: Hypothesis | None = None,
    *,
    name: str = "MA cross BTC",
    lab: Lab | None = None,
) -> Strategy:
    """A strategy under `hypothesis`, within `lab`'s spawn limits (the default limits if None)."""
    parent = hypothesis or await make_hypothesis(session)
    return await add_strategy(
        session,
        hypothesis_id=parent.id,
        name=name,
        family="ma_cross",
        symbol="btc-usd",
        lab=lab or build_lab(),
    )
