"""The lifecycle DAG, every ordered pair of stages, with the readiness gates enforced."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import Conflict, InvalidInput, InvalidTransition
from resolvers.lifecycle import list_transitions_by_strategy_ids, transition_strategy
from storage.events import Event
from storage.strategies import STAGES, LifecycleTransition, Strategy
from tests.resolvers.lifecycle_kit import (
    NOW,
    THIN,
    WEAK,
    count,
    fixed_lab,
    make,
    paper_record,
    pass_gauntlet,
    walk,
)


async def _ready_at(session: AsyncSession, stage: str) -> Strategy:
    """A strategy at `stage` whose next move's gates all pass on `fixed_lab(live=True)`."""
    strategy = await walk(session, await make(session), stage)
    await paper_record(session, strategy)
    await pass_gauntlet(session, strategy)
    return strategy


async def _snapshot(session: AsyncSession, strategy: Strategy) -> tuple[object, ...]:
    [history] = await list_transitions_by_strategy_ids(session, strategy_ids=[strategy.id])
    return (
        strategy.stage,
        [(h.from_stage, h.to_stage) for h in history],
        await count(session, LifecycleTransition),
        await count(session, Event),
    )


class TestTransitionStrategy:
    @pytest.mark.parametrize(("source", "target"), list(itertools.product(STAGES, STAGES)))
    async def test_only_the_next_stage_is_allowed(
        self, session: AsyncSession, source: str, target: str
    ) -> None:
        strategy = await _ready_at(session, source)
        lab = fixed_lab(live=True)
        allowed = STAGES.index(target) == STAGES.index(source) + 1
        before = await _snapshot(session, strategy)
        if allowed:
            moved = await transition_strategy(
                session, strategy_id=strategy.id, target=target, lab=lab
            )
            assert moved.stage == target
            stage, history, rows, events = await _snapshot(session, strategy)
            assert history[-1] == (source, target)
            assert (rows, events) == (before[2] + 1, before[3] + 1)  # type: ignore[operator]
        else:
            with pytest.raises(InvalidTransition) as caught:
                await transition_strategy(session, strategy_id=strategy.id, target=target, lab=lab)
            assert (caught.value.code, caught.value.status) == ("INVALID_TRANSITION", 409)
            assert caught.value.details["allowed"] == (
                STAGES[STAGES.index(source) + 1] if source != "live" else None
            )
            assert await _snapshot(session, strategy) == before

    @pytest.mark.parametrize(
        ("kind", "source", "target", "failing"),
        [
            (THIN, "quick_screen", "research_only", {"backtest_trades"}),
            (
                WEAK,
                "research_only",
                "paper",
                {
                    "backtest_sharpe",
                    "backtest_max_drawdown",
                    "backtest_profit_factor",
                    "gauntlet_passed",
                },
            ),
        ],
    )
    async def test_failing_gates_refuse_the_move_and_change_nothing(
        self,
        session: AsyncSession,
        kind: tuple[str, str],
        source: str,
        target: str,
        failing: set[str],
    ) -> None:
        lab = fixed_lab()
        strategy = await walk(session, await make(session, kind, lab=lab), source, lab=lab)
        before = await _snapshot(session, strategy)
        with pytest.raises(Conflict) as caught:
            await transition_strategy(session, strategy_id=strategy.id, target=target, lab=lab)
        assert (caught.value.code, caught.value.status) == ("NOT_READY", 409)
        assert {g["name"] for g in caught.value.details["failing"]} == failing
        assert await _snapshot(session, strategy) == before

    async def test_live_is_refused_while_routing_is_locked(self, session: AsyncSession) -> None:
        strategy = await _ready_at(session, "paper")
        lab = fixed_lab(live=False)
        with pytest.raises(Conflict) as caught:
            await transition_strategy(session, strategy_id=strategy.id, target="live", lab=lab)
        assert [g["name"] for g in caught.value.details["failing"]] == ["live_routing_enabled"]
        assert strategy.stage == "paper"

    async def test_a_losing_paper_record_cannot_go_live(self, session: AsyncSession) -> None:
        lab = fixed_lab(live=True)
        strategy = await walk(session, await make(session, lab=lab), "paper", lab=lab)
        await paper_record(session, strategy, trades=12, pnl=-1.0)
        with pytest.raises(Conflict) as caught:
            await transition_strategy(session, strategy_id=strategy.id, target="live", lab=lab)
        assert [g["name"] for g in caught.value.details["failing"]] == ["paper_net_pnl"]

    async def test_unknown_stage_is_a_validation_error(self, session: AsyncSession) -> None:
        lab = fixed_lab()
        strategy = await make(session, lab=lab)
        with pytest.raises(InvalidInput):
            await transition_strategy(session, strategy_id=strategy.id, target="candidate", lab=lab)

    async def test_history_records_every_step_in_order_on_the_lab_clock(
        self, session: AsyncSession
    ) -> None:
        strategy = await _ready_at(session, "quick_screen")
        lab = fixed_lab(live=True)
        for target in ("research_only", "paper"):
            await transition_strategy(session, strategy_id=strategy.id, target=target, lab=lab)
        with pytest.raises(Conflict):  # paper_days: it entered paper just now
            await transition_strategy(session, strategy_id=strategy.id, target="live", lab=lab)
        lab = fixed_lab(live=True, now=NOW + timedelta(days=7))
        await transition_strategy(session, strategy_id=strategy.id, target="live", lab=lab)
        [history] = await list_transitions_by_strategy_ids(session, strategy_ids=[strategy.id])
        assert [(h.from_stage, h.to_stage) for h in history] == [
            (None, "quick_screen"),
            ("quick_screen", "research_only"),
            ("research_only", "paper"),
            ("paper", "live"),
        ]
        assert [h.created_at for h in history[1:]] == [NOW, NOW, NOW + timedelta(days=7)]
