"""Deciding approvals: approve (running the action the approval stands for), deny, revise.

Every decision appends to the approval's history (approval_decisions rows), whose `action` is
one of: approve, deny, revise (sent back with edits: the approval became `revised` and a new
one was filed), escalate (past its deadline: its owner became the escalation owner), and
auto_refused (an automatic approval whose action refused; the approval stays pending).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.approval_actions import carry_out
from resolvers.approval_classifier import classify_row
from resolvers.approvals import (
    Approval,
    action_params,
    approval_payload,
    approval_row,
    approval_view,
    create_approval,
)
from resolvers.errors import Conflict, InvalidInput
from resolvers.lab.services import Lab
from resolvers.lifecycle import PROMOTION, promotion_move
from resolvers.validation import require_choice, require_text
from storage.approvals import Approval as ApprovalRow
from storage.approvals import ApprovalDecision as DecisionRow
from storage.base import utcnow
from storage.outbox import append_event

DECISIONS = {"approve": "approved", "deny": "denied"}


def require_pending(row: ApprovalRow) -> None:
    if row.status != "pending":
        raise Conflict(
            f"approval {row.id} is already {row.status}",
            code="APPROVAL_NOT_PENDING",
            details={"status": row.status},
        )


def record_decision(
    session: AsyncSession, row: ApprovalRow, *, action: str, actor: str, note: str, at: datetime
) -> None:
    """Append one entry to the approval's decision history."""
    session.add(
        DecisionRow(
            approval_id=row.id,
            action=action,
            actor=require_text("actor", actor, max_length=80),
            note=require_text("note", note, max_length=5000, allow_empty=True),
            created_at=at,
        )
    )


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
    require_pending(row)
    if decision == "approve":
        await carry_out(session, approval=row, actor=actor, lab=lab)
    when = at or utcnow()
    row.status = DECISIONS[decision]
    row.decided_at = when
    record_decision(session, row, action=decision, actor=actor, note=note, at=when)
    await session.flush()
    await append_event(
        session, topic="approval.decided", entity_id=str(row.id), payload=approval_payload(row)
    )
    return approval_view(row)


async def revise_approval(
    session: AsyncSession,
    *,
    approval_id: int,
    summary: str | None = None,
    payload: Any = None,
    note: str = "",
    actor: str = "operator",
    now: datetime | None = None,
) -> Approval:
    """Edit a pending approval's proposed action and resubmit it; answers the new approval.

    `summary` and/or `payload` (which replaces the whole parameter map) are the edits: 422
    NO_EDITS without either; 409 APPROVAL_NOT_PENDING once decided. A promotion's summary
    records its stage move, so a revised one must name the same move (422
    PROMOTION_MOVE_CHANGED). The original becomes `revised` (a `revise` entry in its history
    names the new approval, with `note`); the new one, `revision_of` the original, keeps type,
    target and owner, is pending with a fresh deadline, is classified at once, and is
    triaged like any new approval.
    """
    if summary is None and payload is None:
        raise InvalidInput("give summary and/or payload to revise", code="NO_EDITS")
    row = await approval_row(session, approval_id=approval_id)
    require_pending(row)
    new_summary = row.summary if summary is None else summary
    new_payload = dict(row.payload) if payload is None else action_params(payload)
    if row.type == PROMOTION and promotion_move(new_summary) != promotion_move(row.summary):
        raise InvalidInput(
            "a promotion's revised summary must name the same stage move",
            code="PROMOTION_MOVE_CHANGED",
            details={"field": "summary"},
        )
    text = require_text("note", note, max_length=4000, allow_empty=True)
    when = now or utcnow()
    revised = await create_approval(
        session,
        type=row.type,
        target_type=row.target_type,
        target_id=row.target_id,
        owner=row.owner,
        summary=new_summary,
        payload=new_payload,
        revision_of=row.id,
        now=when,
    )
    row.status = "revised"
    row.decided_at = when
    entry = f"revised as approval {revised.id}" + (f": {text}" if text else "")
    record_decision(session, row, action="revise", actor=actor, note=entry, at=when)
    await session.flush()
    await append_event(
        session,
        topic="approval.revised",
        entity_id=str(row.id),
        payload={**approval_payload(row), "revised_as": revised.id},
    )
    new_row = await approval_row(session, approval_id=revised.id)
    await classify_row(session, new_row, now=when)
    return approval_view(new_row)
