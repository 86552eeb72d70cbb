"""The brain run's pieces: the intent table, the brain's toolset, proposals written by the
model, a finish step run twice, and approving a stale transition proposal."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.agents import set_agent_toolset
from resolvers.approval_actions import ACTIONS
from resolvers.brain.actions import approve_brain_transition
from resolvers.brain.run import (
    Answered,
    Gathered,
    brain_tools,
    finish,
    gather,
    plan_tools,
    proposals_in,
)
from resolvers.errors import Conflict
from resolvers.lab.services import Lab
from resolvers.tools import DEFAULT_TOOLSETS
from storage.agents import Agent
from storage.approvals import Approval
from storage.brain import BrainMemory
from tests.resolvers.factories import make_strategy

ANSWER = """Strategy looks fine.
```json
{"propose": {"kind": "hypothesis", "title": "Weekend volatility fades"}}
```
```json
{"note": "not a proposal"}
```
```json
{"propose": {"kind": "routine", "cron": "0 * * * *"}}
```
```json
{"propose": {"kind": "transition", "strategy_id": 99999, "target": "paper"}}
```
"""


def answered(text: str) -> Answered:
    return Answered(text, "lab", "lab-analyst", 10, 5)


async def test_the_intent_table(session: AsyncSession) -> None:
    grant = await brain_tools(session)
    assert list(grant) == list(DEFAULT_TOOLSETS["interactive"])
    assert plan_tools("How is strategy 12 doing, and #12?", grant) == [
        ("get_strategy", {"strategy_id": 12}),
        ("get_strategy_readiness", {"strategy_id": 12}),
        ("list_strategies", {"first": 20}),
    ]
    assert [n for n, _ in plan_tools("declining skills and pending approvals", grant)] == [
        "list_approvals",
        "list_declining_skills",
        "list_skills",
    ]
    assert [n for n, _ in plan_tools("hello", grant)] == ["list_strategies", "list_approvals"]
    assert all(n != "run_verdict" for n, _ in plan_tools("run the verdict battery", grant))


async def test_the_brain_agent_overrides_its_toolset(session: AsyncSession) -> None:
    session.add(Agent(id="brain", name="Brain", model="lab-analyst"))
    await session.flush()
    await set_agent_toolset(session, agent_id="brain", context="interactive", tools=["list_trades"])
    grant = await brain_tools(session)
    assert list(grant) == ["list_trades"]
    assert plan_tools("which strategies?", grant) == []  # not granted: not called


async def test_a_refusing_tool_is_recorded_and_the_run_goes_on(
    session: AsyncSession, lab: Lab
) -> None:
    gathered = await gather(session, prompt="strategy 424242 and its trades", lab=lab)
    codes = [(c.name, c.error_code) for c in gathered.calls]
    assert codes[:2] == [("get_strategy", "NOT_FOUND"), ("get_strategy_readiness", "NOT_FOUND")]
    assert ("list_trades", None) in codes


def test_proposals_in_fenced_blocks() -> None:
    assert proposals_in(ANSWER) == [
        {"kind": "hypothesis", "title": "Weekend volatility fades"},
        {"kind": "routine", "cron": "0 * * * *"},
        {"kind": "transition", "strategy_id": 99999, "target": "paper"},
    ]
    assert proposals_in("```json\n{not json}\n```") == []


async def test_model_proposals_are_filed_or_skipped_and_a_rerun_files_nothing_twice(
    session: AsyncSession,
) -> None:
    gathered = Gathered("what now?", [], [], [])
    first = await finish(session, gathered=gathered, answered=answered(ANSWER), propose=None,
                         task_id=7)  # fmt: skip
    summary = [(p.kind, p.origin, p.status, p.reason.split(":")[0]) for p in first.proposals]
    assert summary == [
        ("hypothesis", "model", "filed", ""),
        ("routine", "model", "skipped", "INVALID_PROPOSAL"),  # it names no routine
        ("transition", "model", "skipped", "NOT_FOUND"),
    ]
    [approval] = (await session.scalars(select(Approval))).all()
    assert (approval.type, approval.owner, approval.payload["brain_task_id"]) == (
        "brain.hypothesis", "brain", 7)  # fmt: skip
    again = await finish(session, gathered=gathered, answered=answered(ANSWER), propose=None,
                         task_id=7)  # fmt: skip
    assert again == first
    assert len((await session.scalars(select(Approval))).all()) == 1
    assert len((await session.scalars(select(BrainMemory))).all()) == 1


async def test_a_stale_transition_proposal_is_refused(session: AsyncSession, lab: Lab) -> None:
    strategy = await make_strategy(session)
    gathered = Gathered("promote it", [], [], [])
    done = await finish(
        session, gathered=gathered, answered=answered("ok"), task_id=None,
        propose={"kind": "transition", "strategy_id": strategy.id, "target": "research_only"},
    )  # fmt: skip
    [proposal] = done.proposals
    approval = await session.get(Approval, proposal.approval_id)
    assert approval is not None and ACTIONS[approval.type] is approve_brain_transition
    strategy.stage = "research_only"  # moved meanwhile
    await session.flush()
    with pytest.raises(Conflict) as refused:
        await approve_brain_transition(session, approval=approval, actor="op", lab=lab)
    assert refused.value.code == "APPROVAL_STALE"
