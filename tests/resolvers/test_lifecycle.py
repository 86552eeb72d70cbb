"""The lifecycle DAG, every pair of stages."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import InvalidInput, InvalidTransition
from resolvers.lifecycle import list_transitions_by_strategy_ids, transition_strategy
from storage.events import Event
from storage.strategies import STAGES, LifecycleTransition, Strategy
from tests.resolvers.factories import make_strategy


async def _at_stage(session: AsyncSession, stage: str) -> Strategy:
    strategy = await make_strategy(session)
    for target in STAGES[1 : STAGES.index(stage) + 1]:
        await transition_strategy(session, strategy_id=strategy.id, target=target)
    assert strategy.stage == stage
    return strategy


async def _count(session: AsyncSession, model: type) -> int:
    return (await session.execute(select(func.count()).select_from(model))).scalar_one()


class TestTransitionStrategy:
    @pytest.mark.parametrize(("source", "target"), list(itertools.product(STAGES, STAGES)))
    async def test_only_the_next_stage_is_allowed(
        self, session: AsyncSession, source: str, target: str
    ) -> None:
        strategy = await _at_stage(session, source)
        allowed = STAGES.index(target) == STAGES.index(source) + 1
        history_before = await _count(session, LifecycleTransition)
        events_before = await _count(session, Event)
        if allowed:
            moved = await transition_strategy(session, strategy_id=strategy.id, target=target)
            assert moved.stage == target
            assert await _count(session, LifecycleTransition) == history_before + 1
            assert await _count(session, Event) == events_before + 1
        else:
            with pytest.raises(InvalidTransition) as caught:
                await transition_strategy(session, strategy_id=strategy.id, target=target)
            assert caught.value.code == "INVALID_TRANSITION"
            assert caught.value.status == 409
            assert strategy.stage == source
            assert await _count(session, LifecycleTransition) == history_before
            assert await _count(session, Event) == events_before

    async def test_unknown_stage_is_a_validation_error(self, session: AsyncSession) -> None:
        strategy = await make_strategy(session)
        with pytest.raises(InvalidInput):
            await transition_strategy(session, strategy_id=strategy.id, target="candidate")

    async def test_history_records_every_step_in_order(self, session: AsyncSession) -> None:
        strategy = await _at_stage(session, "live")
        [history] = await list_transitions_by_strategy_ids(session, strategy_ids=[strategy.id])
        assert [(h.from_stage, h.to_stage) for h in history] == [
            (None, "quick_screen"),
            ("quick_screen", "research_only"),
            ("research_only", "paper"),
            ("paper", "live"),
        ]
