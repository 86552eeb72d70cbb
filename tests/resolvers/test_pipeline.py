"""The pipeline job in each autonomy mode, and approving the promotions it queues."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.approval_decisions import decide_approval
from resolvers.control import load_control
from resolvers.errors import Conflict
from resolvers.lab.services import Lab
from resolvers.lifecycle import transition_strategy
from resolvers.pipeline import advance_pipeline
from storage.approvals import Approval
from storage.events import Event
from storage.research.gauntlet import GauntletWorkflow
from storage.strategies import Strategy
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


async def _mode(session: AsyncSession, mode: str) -> None:
    (await load_control(session)).mode = mode
    await session.flush()


async def _approvals(session: AsyncSession) -> list[Approval]:
    return list((await session.execute(select(Approval).order_by(Approval.id))).scalars())


async def _run(session: AsyncSession, lab: Lab) -> int:
    return await advance_pipeline(session, lab=lab, now=NOW)


async def _ready_strategies(session: AsyncSession) -> dict[str, Strategy]:
    """One strategy at each stage below live whose next gates pass (live unlocked)."""
    out = {}
    for stage in ("quick_screen", "research_only", "paper"):
        out[stage] = await walk(session, await make(session), stage)
    await paper_record(session, out["paper"])
    await pass_gauntlet(session, out["research_only"])
    return out


@pytest.mark.parametrize(
    ("mode", "moved", "queued"),
    [
        ("manual", {}, {"quick_screen": "research_only", "research_only": "paper",
                        "paper": "live"}),
        ("semi_auto", {"quick_screen": "research_only"},
         {"research_only": "paper", "paper": "live"}),
        ("auto", {"quick_screen": "research_only", "research_only": "paper"},
         {"paper": "live"}),
    ],
)  # fmt: skip
async def test_each_mode_moves_or_queues_what_is_ready(
    session: AsyncSession, mode: str, moved: dict[str, str], queued: dict[str, str]
) -> None:
    lab = fixed_lab(live=True)
    await _mode(session, mode)
    ready = await _ready_strategies(session)
    assert await _run(session, lab) == 3
    for stage, strategy in ready.items():
        assert strategy.stage == moved.get(stage, stage)
    approvals = await _approvals(session)
    assert {a.target_id: (a.type, a.owner, a.status) for a in approvals} == {
        str(ready[stage].id): ("promotion", "pipeline", "pending") for stage in queued
    }
    for approval in approvals:
        stage = next(s for s, row in ready.items() if str(row.id) == approval.target_id)
        assert f"from {stage} to {queued[stage]}" in approval.summary


async def test_a_pending_promotion_is_not_filed_twice(session: AsyncSession) -> None:
    lab = fixed_lab()
    strategy = await walk(session, await make(session, lab=lab), "research_only", lab=lab)
    await pass_gauntlet(session, strategy)
    assert await _run(session, lab) == 1
    events = await count(session, Event)
    assert await _run(session, lab) == 0
    assert len(await _approvals(session)) == 1
    assert await count(session, Event) == events
    assert strategy.stage == "research_only"


async def test_strategies_that_fail_their_gates_are_left_alone(session: AsyncSession) -> None:
    lab = fixed_lab()
    await _mode(session, "auto")
    thin = await make(session, THIN, lab=lab)
    weak = await walk(session, await make(session, WEAK, lab=lab), "research_only", lab=lab)
    locked = await walk(
        session, await make(session, lab=lab), "paper", lab=lab
    )  # live routing is locked
    await paper_record(session, locked)
    archived = await make(session, lab=lab)
    archived.status = "archived"
    await session.flush()
    events = await count(session, Event)
    assert await _run(session, lab) == 0
    assert [s.stage for s in (thin, weak, locked, archived)] == [
        "quick_screen",
        "research_only",
        "paper",
        "quick_screen",
    ]
    assert await count(session, Event) == events
    assert await _approvals(session) == []


class TestApprovingAPromotion:
    async def test_approval_executes_the_move(self, session: AsyncSession) -> None:
        lab = fixed_lab()
        strategy = await walk(session, await make(session, lab=lab), "research_only", lab=lab)
        await pass_gauntlet(session, strategy)
        await _run(session, lab)
        [approval] = await _approvals(session)
        decided = await decide_approval(
            session, approval_id=approval.id, decision="approve", lab=lab
        )
        assert decided.status == "approved"
        assert strategy.stage == "paper"

    async def test_gates_failing_now_keep_it_pending(self, session: AsyncSession) -> None:
        lab = fixed_lab(live=True)
        strategy = await walk(session, await make(session, lab=lab), "paper", lab=lab)
        await paper_record(session, strategy)
        await _run(session, lab)
        [approval] = await _approvals(session)
        lab = fixed_lab(live=False)  # the build got locked to paper meanwhile
        with pytest.raises(Conflict) as caught:
            await decide_approval(session, approval_id=approval.id, decision="approve", lab=lab)
        assert caught.value.code == "NOT_READY"
        assert (approval.status, strategy.stage) == ("pending", "paper")

    async def test_an_outdated_approval_cannot_move_further(self, session: AsyncSession) -> None:
        lab = fixed_lab()
        strategy = await walk(session, await make(session, lab=lab), "research_only", lab=lab)
        await pass_gauntlet(session, strategy)
        await _run(session, lab)
        [approval] = await _approvals(session)
        await transition_strategy(
            session, strategy_id=strategy.id, target="paper", lab=lab
        )  # by hand
        with pytest.raises(Conflict) as caught:
            await decide_approval(session, approval_id=approval.id, decision="approve", lab=lab)
        assert caught.value.code == "APPROVAL_STALE"
        assert (approval.status, strategy.stage) == ("pending", "paper")
        denied = await decide_approval(session, approval_id=approval.id, decision="deny", lab=lab)
        assert denied.status == "denied"

    async def test_denying_moves_nothing(self, session: AsyncSession) -> None:
        lab = fixed_lab()
        strategy = await walk(session, await make(session, lab=lab), "research_only", lab=lab)
        await pass_gauntlet(session, strategy)
        await _run(session, lab)
        [approval] = await _approvals(session)
        await decide_approval(session, approval_id=approval.id, decision="deny", lab=lab)
        assert strategy.stage == "research_only"
        # a denied promotion does not block the next pass from asking again
        assert await _run(session, lab) == 1


class TestTheGauntletGate:
    async def test_a_screened_strategy_gets_its_gauntlet_started_once(
        self, session: AsyncSession
    ) -> None:
        lab = fixed_lab()
        await _mode(session, "auto")
        strategy = await walk(session, await make(session, lab=lab), "research_only", lab=lab)
        assert await _run(session, lab) == 1  # the screen passes: only the gauntlet is missing
        workflows = list((await session.execute(select(GauntletWorkflow))).scalars())
        assert [(w.strategy_id, w.status) for w in workflows] == [(strategy.id, "running")]
        assert strategy.stage == "research_only"
        assert await _run(session, lab) == 0  # started once, not again while it runs
        workflows[0].status = "failed"
        assert await _run(session, lab) == 0  # a failed gauntlet is not re-run by the job
        assert await count(session, GauntletWorkflow) == 1

    async def test_a_passed_gauntlet_lets_it_move(self, session: AsyncSession) -> None:
        lab = fixed_lab()
        await _mode(session, "auto")
        strategy = await walk(session, await make(session, lab=lab), "research_only", lab=lab)
        await _run(session, lab)
        workflow = (await session.execute(select(GauntletWorkflow))).scalar_one()
        workflow.status = "passed"
        assert await _run(session, lab) == 1
        assert strategy.stage == "paper"
