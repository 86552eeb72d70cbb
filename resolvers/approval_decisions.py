"""Deciding approvals: approve (running the action the approval stands for) or deny."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.approval_actions import carry_out
from resolvers.approvals import Approval, approval_payload, approval_row, approval_view
from resolvers.errors import Conflict
from resolvers.lab.services import Lab
from resolvers.validation import require_choice, require_text
from storage.approvals import ApprovalDecision as DecisionRow
from storage.base import utcnow
from storage.outbox import append_event

DECISIONS = {"approve": "approved", "deny": "denied"}


async def decide_approval(
    session: AsyncSession,
    *,
    approval_id: int,
    decision: str,
    actor: str = "operator",
    note: str = "",
    at: datetime | None = None,
    lab: Lab,
) -> Approval:
    """Approve or deny a pending approval, appending to its decision history.

    Approving runs the action the approval's type stands for first
    (resolvers/approval_actions.py); if that is refused (a promotion's NOT_READY or
    APPROVAL_STALE) the approval stays pending.
    """
    require_choice("decision", decision, DECISIONS)
    row = await approval_row(session, approval_id=approval_id)
    if row.status != "pending":
        raise Conflict(
            f"approval {approval_id} is already {row.status}",
            code="APPROVAL_NOT_PENDING",
            details={"status": row.status},
        )
    if decision == "approve":
        await carry_out(session, approval=row, actor=actor, lab=lab)
    when = at or utcnow()
    row.status = DECISIONS[decision]
    row.decided_at = when
    session.add(
        DecisionRow(
            approval_id=row.id,
            action=decision,
            actor=require_text("actor", actor, max_length=80),
            note=require_text("note", note, max_length=5000, allow_empty=True),
            created_at=when,
        )
    )
    await session.flush()
    await append_event(
        session, topic="approval.decided", entity_id=str(row.id), payload=approval_payload(row)
    )
    return approval_view(row)
