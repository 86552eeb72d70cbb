"""Approval modes on a fake clock: the settings, triage in manual/smart/off, live never
automatic, refused automatic approvals, deadline escalation with its notification, revise
chains and the classifier reading the target's rows."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers import approval_actions
from resolvers.approval_classifier import classify_approval, get_approval_classification
from resolvers.approval_decisions import decide_approval, revise_approval
from resolvers.approval_modes import get_approval_modes, update_approval_modes
from resolvers.approval_triage import triage_approvals
from resolvers.approvals import (
    approval_chain,
    create_approval,
    get_approval,
    list_decisions_by_approval_ids,
)
from resolvers.errors import Conflict, InvalidInput, NotFound
from resolvers.lab.services import Lab
from resolvers.lifecycle import promotion_summary
from resolvers.notifications import list_notifications
from resolvers.routines import propose_routine
from storage.approvals import Approval as ApprovalRow
from storage.events import Event
from storage.notifications import Notification
from storage.research.verdict import VerdictRun
from storage.strategies import Strategy
from tests.resolvers.lifecycle_kit import fixed_lab, make, walk

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
_NAMES = itertools.count()
DAY = timedelta(days=1)


async def _events(session: AsyncSession, topic: str) -> int:
    stmt = select(func.count()).select_from(Event).where(Event.topic == topic)
    return (await session.execute(stmt)).scalar_one()


async def _history(session: AsyncSession, approval_id: int) -> list[tuple[str, str, str]]:
    [decisions] = await list_decisions_by_approval_ids(session, approval_ids=[approval_id])
    return [(d.action, d.actor, d.note) for d in decisions]


async def _routine(session: AsyncSession, tools: str | None, *, at: datetime = T0) -> int:
    """The approval of a brain-proposed routine (a real pending routine); `tools` replaces
    the tool names its payload lists, to score proposals naming other tools."""
    routine = await propose_routine(
        session, name=f"scan {next(_NAMES)}", cron="0 9 * * 1-5", prompt="Scan the book",
        summary="Run the morning scan",
        now=at,
    )  # fmt: skip
    assert routine.approval_id is not None
    row = await session.get(ApprovalRow, routine.approval_id)
    assert row is not None
    if tools is None:
        row.payload = {k: v for k, v in row.payload.items() if k != "tools"}
    else:
        row.payload = {**row.payload, "tools": tools}
    await session.flush()
    return row.id


async def _promotion(session: AsyncSession, strategy: Strategy, target: str) -> int:
    made = await create_approval(
        session, type="promotion", target_type="strategy", target_id=str(strategy.id),
        owner="pipeline", summary=promotion_summary(strategy, target), now=T0,
    )  # fmt: skip
    return made.id


class TestSettings:
    async def test_defaults_before_the_first_update(self, session: AsyncSession) -> None:
        modes = await get_approval_modes(session)
        assert (modes.mode, modes.deadline_seconds, modes.escalation_owner) == (
            "manual", 86_400, "operator",
        )  # fmt: skip
        assert modes.smart_threshold == 0.3 and modes.updated_at is None
        assert [m.mode for m in modes.modes] == ["manual", "smart", "off"]
        assert "live" in modes.autonomy

    async def test_update_keeps_what_is_not_given_and_writes_an_event(
        self, session: AsyncSession
    ) -> None:
        await update_approval_modes(session, mode="smart", now=T0)
        modes = await update_approval_modes(
            session, smart_threshold=0.5, type_deadlines={"routine": 3600}, now=T0
        )
        assert (modes.mode, modes.smart_threshold, modes.type_deadlines) == (
            "smart", 0.5, {"routine": 3600},
        )  # fmt: skip
        assert modes.updated_at == T0
        assert await _events(session, "approval_modes.updated") == 2
        await update_approval_modes(session, mode="smart")  # unchanged: no event
        assert await _events(session, "approval_modes.updated") == 2

    @pytest.mark.parametrize(
        ("changes", "code"),
        [
            ({}, "NO_CHANGES"),
            ({"mode": "auto"}, "UNKNOWN_APPROVAL_MODE"),
            ({"deadline_seconds": 10}, "INVALID_DEADLINE"),
            ({"deadline_seconds": 90.5}, "INVALID_DEADLINE"),
            ({"type_deadlines": {"routine": 0}}, "INVALID_DEADLINE"),
            ({"type_deadlines": ["routine"]}, "INVALID_DEADLINE"),
            ({"escalation_owner": "  "}, "INVALID_OWNER"),
            ({"smart_threshold": 1.5}, "INVALID_THRESHOLD"),
            ({"smart_threshold": True}, "INVALID_THRESHOLD"),
        ],
    )
    async def test_bad_values_are_refused_and_nothing_is_written(
        self, session: AsyncSession, changes: dict[str, Any], code: str
    ) -> None:
        with pytest.raises(InvalidInput) as caught:
            await update_approval_modes(session, **changes)
        assert caught.value.code == code
        assert (await get_approval_modes(session)).updated_at is None

    async def test_filing_sets_the_deadline_from_the_settings(self, session: AsyncSession) -> None:
        await update_approval_modes(session, deadline_seconds=7200, type_deadlines={"routine": 600})
        routine = await get_approval(session, approval_id=await _routine(session, "list_trades"))
        other = await create_approval(
            session, type="note", target_type="agent", target_id="a", owner="x", now=T0
        )
        assert routine.deadline == T0 + timedelta(seconds=600)
        assert other.deadline == T0 + timedelta(hours=2)


class TestTriage:
    async def test_manual_waits_with_one_notification(
        self, session: AsyncSession, lab: Lab
    ) -> None:
        approval_id = await _routine(session, "list_trades")
        report = await triage_approvals(session, lab=lab, now=T0)
        assert (report.classified, report.auto_approved, report.waiting) == (1, 0, 1)
        approval = await get_approval(session, approval_id=approval_id)
        assert approval.status == "pending" and approval.classification == "approve"
        [waiting] = await list_notifications(session, type="approval.waiting")
        assert waiting.entity_id == str(approval_id) and waiting.status == "unread"
        await triage_approvals(session, lab=lab, now=T0 + timedelta(seconds=5))
        assert len(await list_notifications(session)) == 1
        assert await _history(session, approval_id) == []

    async def test_smart_approves_low_risk_with_its_reasons(
        self, session: AsyncSession, lab: Lab
    ) -> None:
        await update_approval_modes(session, mode="smart")
        approval_id = await _routine(session, "list_trades get_strategy")
        report = await triage_approvals(session, lab=lab, now=T0)
        assert report.auto_approved == 1
        approval = await get_approval(session, approval_id=approval_id)
        assert approval.status == "approved" and approval.risk_score == pytest.approx(0.1)
        [(action, actor, note)] = await _history(session, approval_id)
        assert (action, actor) == ("approve", "smart-classifier")
        assert "routine_base" in note and "threshold 0.30" in note
        assert await list_notifications(session) == []

    async def test_smart_leaves_high_risk_pending_never_denied(
        self, session: AsyncSession, lab: Lab
    ) -> None:
        await update_approval_modes(session, mode="smart")
        approval_id = await _routine(session, "propose_approval, rm_rf")
        await triage_approvals(session, lab=lab, now=T0)
        approval = await get_approval(session, approval_id=approval_id)
        assert approval.status == "pending"
        assert approval.risk_score == pytest.approx(0.1 + 0.2 + 0.25)
        assert {r["rule"] for r in approval.reasons} == {
            "routine_base", "mutating_tool", "unknown_tool",
        }  # fmt: skip
        assert approval.classification == "review"
        [waiting] = await list_notifications(session)
        assert "smart threshold" in waiting.body

    async def test_off_approves_on_filing_for_audit(self, session: AsyncSession, lab: Lab) -> None:
        await update_approval_modes(session, mode="off")
        made = await create_approval(
            session, type="model_change", target_type="agent", target_id="scout", owner="ops"
        )
        await triage_approvals(session, lab=lab, now=T0)
        assert (await get_approval(session, approval_id=made.id)).status == "approved"
        assert [(a, actor) for a, actor, _ in await _history(session, made.id)] == [
            ("approve", "approvals-off")
        ]

    @pytest.mark.parametrize("mode", ["manual", "smart", "off"])
    async def test_live_is_never_automatic(self, session: AsyncSession, mode: str) -> None:
        lab = fixed_lab(live=True)
        await update_approval_modes(session, mode=mode, smart_threshold=1.0)
        strategy = await walk(session, await make(session), "paper")
        approval_id = await _promotion(session, strategy, "live")
        await triage_approvals(session, lab=lab, now=T0)
        assert (await get_approval(session, approval_id=approval_id)).status == "pending"
        assert (await session.get(Strategy, strategy.id)).stage == "paper"  # type: ignore[union-attr]
        [waiting] = await list_notifications(session)
        assert "never decided automatically" in waiting.body

    async def test_off_runs_the_promotion_it_approves(self, session: AsyncSession) -> None:
        await update_approval_modes(session, mode="off")
        strategy = await make(session)
        approval_id = await _promotion(session, strategy, "research_only")
        await triage_approvals(session, lab=fixed_lab(), now=T0)
        assert (await get_approval(session, approval_id=approval_id)).status == "approved"
        await session.refresh(strategy)
        assert strategy.stage == "research_only"

    async def test_a_refused_action_leaves_it_pending_and_recorded(
        self, session: AsyncSession
    ) -> None:
        await update_approval_modes(session, mode="off")
        strategy = await walk(session, await make(session), "research_only")
        approval_id = await _promotion(session, strategy, "paper")  # no gauntlet passed
        report = await triage_approvals(session, lab=fixed_lab(), now=T0)
        assert (report.auto_approved, report.waiting) == (0, 1)
        assert (await get_approval(session, approval_id=approval_id)).status == "pending"
        [(action, actor, note)] = await _history(session, approval_id)
        assert (action, actor) == ("auto_refused", "approvals-off")
        assert note.startswith("NOT_READY")
        assert await _events(session, "approval.decided") == 0
        await session.refresh(strategy)
        assert strategy.stage == "research_only"

    async def test_writes_of_a_refusing_action_are_rolled_back(
        self, session: AsyncSession, lab: Lab, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        async def refusing(session: AsyncSession, *, approval: ApprovalRow, **_: Any) -> None:
            session.add(Event(topic="half.done", entity_id=None, payload={}))
            await session.flush()
            raise Conflict("not now", code="NOT_READY")

        monkeypatch.setitem(approval_actions.ACTIONS, "test.refuse", refusing)
        await update_approval_modes(session, mode="off")
        made = await create_approval(
            session, type="test.refuse", target_type="agent", target_id="a", owner="x"
        )
        await triage_approvals(session, lab=lab, now=T0)
        assert (await get_approval(session, approval_id=made.id)).status == "pending"
        assert await _events(session, "half.done") == 0

    async def test_escalates_past_the_deadline_once(self, session: AsyncSession, lab: Lab) -> None:
        await update_approval_modes(session, escalation_owner="risk-desk")
        approval_id = await _routine(session, "list_trades")
        await triage_approvals(session, lab=lab, now=T0 + DAY - timedelta(seconds=1))
        assert await _events(session, "approval.escalated") == 0
        report = await triage_approvals(session, lab=lab, now=T0 + DAY)
        assert report.escalated == 1
        approval = await get_approval(session, approval_id=approval_id)
        assert approval.owner == "risk-desk" and approval.escalated_at == T0 + DAY
        assert approval.status == "pending"
        [(action, actor, note)] = await _history(session, approval_id)
        assert (action, actor) == ("escalate", "approvals-triage") and "brain -> risk-desk" in note
        [escalated] = await list_notifications(session, type="approval.escalated")
        assert escalated.severity == "warning" and escalated.entity_id == str(approval_id)
        assert await _events(session, "approval.escalated") == 1
        assert await _events(session, "notification.created") == 2  # waiting, then escalated
        await triage_approvals(session, lab=lab, now=T0 + 2 * DAY)
        assert await _events(session, "approval.escalated") == 1
        stmt = select(func.count()).select_from(Notification)
        assert (await session.execute(stmt)).scalar_one() == 2

    async def test_a_decided_approval_never_escalates(
        self, session: AsyncSession, lab: Lab
    ) -> None:
        approval_id = await _routine(session, "list_trades")
        await decide_approval(session, approval_id=approval_id, decision="deny", lab=lab)
        assert (await triage_approvals(session, lab=lab, now=T0 + 2 * DAY)).escalated == 0


class TestRevise:
    async def test_revise_chain_keeps_history(self, session: AsyncSession, lab: Lab) -> None:
        first = await _routine(session, "propose_approval")
        later = T0 + timedelta(hours=3)
        second = await revise_approval(
            session, approval_id=first, payload={"cron": "0 10 * * 1-5", "tools": "list_trades"},
            note="fewer tools", now=later,
        )  # fmt: skip
        original = await get_approval(session, approval_id=first)
        assert original.status == "revised" and original.decided_at == later
        assert [(a, n) for a, _, n in await _history(session, first)] == [
            ("revise", f"revised as approval {second.id}: fewer tools")
        ]
        assert (second.status, second.revision_of, second.summary) == (
            "pending", first, "Run the morning scan",
        )  # fmt: skip
        assert second.deadline == later + DAY and second.classified_at == later
        assert second.risk_score == pytest.approx(0.1)  # classified again: no writing tool
        third = await revise_approval(session, approval_id=second.id, summary="Scan at ten")
        chain = await approval_chain(session, approval_id=second.id)
        assert [a.id for a in chain] == [first, second.id, third.id]
        assert [a.status for a in chain] == ["revised", "revised", "pending"]
        assert await _events(session, "approval.revised") == 2
        with pytest.raises(Conflict) as caught:
            await revise_approval(session, approval_id=first, summary="again")
        assert caught.value.code == "APPROVAL_NOT_PENDING"

    async def test_refusals(self, session: AsyncSession) -> None:
        approval_id = await _routine(session, "list_trades")
        for kwargs, code in (
            ({}, "NO_EDITS"),
            ({"payload": {"nested": {"a": 1}}}, "INVALID_PAYLOAD"),
        ):
            with pytest.raises(InvalidInput) as caught:
                await revise_approval(session, approval_id=approval_id, **kwargs)
            assert caught.value.code == code
        strategy = await make(session)
        promotion = await _promotion(session, strategy, "research_only")
        with pytest.raises(InvalidInput) as caught:
            await revise_approval(
                session, approval_id=promotion, summary=promotion_summary(strategy, "live")
            )
        assert caught.value.code == "PROMOTION_MOVE_CHANGED"
        with pytest.raises(NotFound):
            await revise_approval(session, approval_id=999, summary="x")
        assert (await get_approval(session, approval_id=approval_id)).status == "pending"

    async def test_a_revision_is_triaged_like_a_new_approval(
        self, session: AsyncSession, lab: Lab
    ) -> None:
        await update_approval_modes(session, mode="smart")
        risky = await _routine(session, "propose_approval rm_rf")
        await triage_approvals(session, lab=lab, now=T0)
        safer = await revise_approval(session, approval_id=risky, payload={"tools": "list_trades"})
        await triage_approvals(session, lab=lab, now=T0 + timedelta(seconds=5))
        assert (await get_approval(session, approval_id=safer.id)).status == "approved"


class TestClassify:
    async def test_score_follows_the_targets_rows(self, session: AsyncSession) -> None:
        strategy = await walk(session, await make(session), "research_only")
        approval_id = await _promotion(session, strategy, "paper")
        before = await classify_approval(session, approval_id=approval_id, now=T0)
        rules = {r["rule"] for r in before.reasons}
        assert rules == {"target_stage", "no_verdict", "gauntlet_not_passed"}
        assert before.risk_score == pytest.approx(0.3 + 0.15 + 0.2)
        assert before.recommended == "review" and before.stored
        session.add(
            VerdictRun(
                strategy_id=strategy.id, family=strategy.family, params={}, dataset={},
                verdict="pass", tests=[], trials=1,
            )
        )  # fmt: skip
        await session.flush()
        after = await classify_approval(session, approval_id=approval_id, now=T0 + DAY)
        assert {r["rule"] for r in after.reasons} == {
            "target_stage", "verdict_passed", "gauntlet_not_passed",
        }  # fmt: skip
        assert after.risk_score == pytest.approx(0.3 - 0.1 + 0.2)
        assert await get_approval_classification(session, approval_id=approval_id) == after
        assert await _events(session, "approval.classified") == 2

    async def test_live_scores_high_and_unknown_types_medium(self, session: AsyncSession) -> None:
        strategy = await walk(session, await make(session), "paper")
        live = await classify_approval(
            session, approval_id=await _promotion(session, strategy, "live")
        )
        assert live.risk_score >= 0.8 and live.recommended == "deny"
        other = await create_approval(
            session, type="mystery", target_type="agent", target_id="a", owner="x"
        )
        medium = await classify_approval(session, approval_id=other.id)
        assert medium.risk_score == 0.5 and medium.recommended == "review"

    async def test_a_decided_approval_is_rescored_not_stored(
        self, session: AsyncSession, lab: Lab
    ) -> None:
        approval_id = await _routine(session, "list_trades")
        await decide_approval(session, approval_id=approval_id, decision="deny", lab=lab)
        answer = await classify_approval(session, approval_id=approval_id)
        assert not answer.stored and answer.risk_score == pytest.approx(0.1)
        assert (await get_approval(session, approval_id=approval_id)).risk_score is None
        with pytest.raises(NotFound) as caught:
            await get_approval_classification(session, approval_id=approval_id)
        assert caught.value.code == "NOT_CLASSIFIED"
        assert await _events(session, "approval.classified") == 0
