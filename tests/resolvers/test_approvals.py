"""Approvals: decisions, history, refusal to decide twice."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.approvals import (
    create_approval,
    decide_approval,
    list_approvals,
    list_decisions_by_approval_ids,
)
from resolvers.errors import Conflict, InvalidInput
from resolvers.lab.services import Lab


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
