"""Hypotheses and strategy creation rules."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import InvalidInput, NotFound
from resolvers.hypotheses import create_hypothesis, list_hypotheses
from resolvers.strategies import create_strategy


async def test_search_matches_title_and_thesis(session: AsyncSession) -> None:
    a = await create_hypothesis(session, title="Funding skew", thesis="perp funding mean-reverts")
    await create_hypothesis(session, title="Breakouts", thesis="volatility clusters", lane="trend")
    page = await list_hypotheses(session, search="FUNDING")
    assert [h.id for h in page.items] == [a.id]
    assert (await list_hypotheses(session, lane="trend")).total_count == 1


async def test_title_is_required(session: AsyncSession) -> None:
    with pytest.raises(InvalidInput):
        await create_hypothesis(session, title="   ")


class TestCreateStrategy:
    async def test_requires_a_hypothesis(self, session: AsyncSession) -> None:
        with pytest.raises(InvalidInput) as caught:
            await create_strategy(
                session, hypothesis_id=None, name="x", family="ma_cross", symbol="BTC"
            )
        assert caught.value.code == "HYPOTHESIS_REQUIRED"
        with pytest.raises(NotFound):
            await create_strategy(
                session, hypothesis_id=77, name="x", family="ma_cross", symbol="BTC"
            )

    async def test_rejects_unknown_family_and_bad_params(self, session: AsyncSession) -> None:
        parent = await create_hypothesis(session, title="t")
        with pytest.raises(InvalidInput):
            await create_strategy(
                session, hypothesis_id=parent.id, name="x", family="astrology", symbol="BTC"
            )
        with pytest.raises(InvalidInput) as caught:
            await create_strategy(
                session,
                hypothesis_id=parent.id,
                name="x",
                family="ma_cross",
                symbol="BTC",
                params={"no_such_param": 3},
            )
        assert caught.value.code == "INVALID_PARAMS"

    async def test_starts_at_quick_screen_with_defaults(self, session: AsyncSession) -> None:
        parent = await create_hypothesis(session, title="t")
        row = await create_strategy(
            session, hypothesis_id=parent.id, name="x", family="ma_cross", symbol="eth"
        )
        assert row.stage == "quick_screen" and row.symbol == "ETH"
        assert row.params  # the family's defaults, filled in
