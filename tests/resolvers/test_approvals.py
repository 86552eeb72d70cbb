"""Approvals: decisions, history, refusal to decide twice."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers import approval_actions
from resolvers.approval_decisions import decide_approval
from resolvers.approvals import (
    create_approval,
    list_approvals,
    list_decisions_by_approval_ids,
)
from resolvers.errors import Conflict, InvalidInput
from resolvers.lab.services import Lab
from storage.approvals import Approval as ApprovalRow


async def _approval(session: AsyncSession, target_id: str = "1") -> int:
    row = await create_approval(
        session, type="promote", target_type="strategy", target_id=target_id, owner="risk"
    )
    return row.id


class TestDecideApproval:
    async def test_approve_records_history(self, session: AsyncSession, lab: Lab) -> None:
        approval_id = await _approval(session)
        row = await decide_approval(
            session, approval_id=approval_id, decision="approve", note="ok", lab=lab
        )
        assert row.status == "approved" and row.decided_at is not None
        [history] = await list_decisions_by_approval_ids(session, approval_ids=[approval_id])
        assert [(d.action, d.note) for d in history] == [("approve", "ok")]

    async def test_second_decision_conflicts_and_writes_nothing(
        self, session: AsyncSession, lab: Lab
    ) -> None:
        approval_id = await _approval(session)
        await decide_approval(session, approval_id=approval_id, decision="deny", lab=lab)
        with pytest.raises(Conflict) as caught:
            await decide_approval(session, approval_id=approval_id, decision="approve", lab=lab)
        assert caught.value.code == "APPROVAL_NOT_PENDING"
        [history] = await list_decisions_by_approval_ids(session, approval_ids=[approval_id])
        assert len(history) == 1

    async def test_unknown_decision(self, session: AsyncSession, lab: Lab) -> None:
        approval_id = await _approval(session)
        with pytest.raises(InvalidInput):
            await decide_approval(session, approval_id=approval_id, decision="maybe", lab=lab)


async def test_list_filters_by_status_and_target(session: AsyncSession, lab: Lab) -> None:
    a = await _approval(session, "1")
    b = await _approval(session, "2")
    await decide_approval(session, approval_id=a, decision="approve", lab=lab)
    pending = await list_approvals(session, status="pending")
    assert [r.id for r in pending.items] == [b]
    by_target = await list_approvals(session, target_type="strategy", target_id="1")
    assert [r.id for r in by_target.items] == [a]


async def test_payload_is_kept_and_checked(session: AsyncSession) -> None:
    made = await create_approval(
        session, type="routine", target_type="routine", target_id="new", owner="brain",
        payload={"cron": "0 9 * * 1-5", "enabled": True, "window": 30},
    )  # fmt: skip
    assert made.payload == {"cron": "0 9 * * 1-5", "enabled": True, "window": 30}
    for bad in ({"nested": {"a": 1}}, {"": "x"}, {"x": None}, ["not", "a", "map"]):
        with pytest.raises(InvalidInput) as caught:
            await create_approval(
                session, type="routine", target_type="routine", target_id="new", owner="brain",
                payload=bad,  # type: ignore[arg-type]
            )  # fmt: skip
        assert caught.value.code == "INVALID_PAYLOAD"


async def test_approving_runs_the_action_its_type_names(
    session: AsyncSession, lab: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: list[tuple[str, str]] = []

    async def action(session: AsyncSession, *, approval: ApprovalRow, actor: str, lab: Lab) -> None:
        ran.append((approval.type, actor))

    monkeypatch.setitem(approval_actions.ACTIONS, "test.action", action)
    acted = await create_approval(
        session, type="test.action", target_type="agent", target_id="1", owner="risk"
    )
    plain = await create_approval(
        session, type="note", target_type="agent", target_id="1", owner="risk"
    )
    await decide_approval(session, approval_id=plain.id, decision="approve", lab=lab)
    await decide_approval(session, approval_id=acted.id, decision="deny", lab=lab)
    assert ran == []
    again = await create_approval(
        session, type="test.action", target_type="agent", target_id="1", owner="risk"
    )
    await decide_approval(session, approval_id=again.id, decision="approve", actor="ops", lab=lab)
    assert ran == [("test.action", "ops")]
