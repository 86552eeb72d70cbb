"""Approvals: the queue of actions waiting on an operator, and their decision history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import Conflict, NotFound
from resolvers.lab.services import Lab
from resolvers.lifecycle import PROMOTION, execute_promotion
from resolvers.pagination import Page, paginate
from resolvers.validation import require_choice, require_text
from storage.approvals import APPROVAL_STATUSES, Approval, ApprovalDecision
from storage.base import utcnow
from storage.outbox import append_event

TARGET_TYPES = ("strategy", "hypothesis", "agent", "trading_agent", "routine")
DECISIONS = {"approve": "approved", "deny": "denied"}


def approval_payload(row: Approval) -> dict[str, object]:
    return {
        "id": row.id,
        "type": row.type,
        "target_type": row.target_type,
        "target_id": row.target_id,
        "status": row.status,
    }


async def create_approval(
    session: AsyncSession,
    *,
    type: str,
    target_type: str,
    target_id: str,
    owner: str,
    summary: str = "",
    deadline: datetime | None = None,
    classification: str | None = None,
) -> Approval:
    """Queue an action for an operator's decision."""
    row = Approval(
        type=require_text("type", type, max_length=40),
        target_type=require_choice("target_type", target_type, TARGET_TYPES),
        target_id=require_text("target_id", target_id, max_length=60),
        owner=require_text("owner", owner, max_length=80),
        summary=require_text("summary", summary, max_length=5000, allow_empty=True),
        deadline=deadline,
        classification=classification,
        status="pending",
    )
    session.add(row)
    await session.flush()
    await append_event(
        session, topic="approval.created", entity_id=str(row.id), payload=approval_payload(row)
    )
    return row


async def get_approval(session: AsyncSession, *, approval_id: int) -> Approval:
    row = await session.get(Approval, approval_id)
    if row is None:
        raise NotFound(f"approval {approval_id} not found", details={"id": approval_id})
    return row


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

    Approving a "promotion" executes it first (resolvers/lifecycle.py execute_promotion); if
    that is refused (NOT_READY, APPROVAL_STALE) the approval stays pending.
    """
    require_choice("decision", decision, DECISIONS)
    row = await get_approval(session, approval_id=approval_id)
    if row.status != "pending":
        raise Conflict(
            f"approval {approval_id} is already {row.status}",
            code="APPROVAL_NOT_PENDING",
            details={"status": row.status},
        )
    if decision == "approve" and row.type == PROMOTION:
        await execute_promotion(session, approval=row, actor=actor, lab=lab)
    when = at or utcnow()
    row.status = DECISIONS[decision]
    row.decided_at = when
    session.add(
        ApprovalDecision(
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
    return row


async def list_approvals(
    session: AsyncSession,
    *,
    status: str | None = None,
    type: str | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    owner: str | None = None,
    first: int | None = None,
    after: str | None = None,
    with_total: bool = True,
) -> Page[Approval]:
    """A page of approvals, oldest first, filtered by status, type, target and owner."""
    stmt = select(Approval)
    if status is not None:
        stmt = stmt.where(Approval.status == require_choice("status", status, APPROVAL_STATUSES))
    if type is not None:
        stmt = stmt.where(Approval.type == type)
    if target_type is not None:
        stmt = stmt.where(Approval.target_type == target_type)
    if target_id is not None:
        stmt = stmt.where(Approval.target_id == target_id)
    if owner is not None:
        stmt = stmt.where(Approval.owner == owner)
    return await paginate(
        session, stmt, Approval.id, first=first, after=after, with_total=with_total
    )


async def list_decisions_by_approval_ids(
    session: AsyncSession, *, approval_ids: Sequence[int]
) -> list[list[ApprovalDecision]]:
    """Each approval's decision history, oldest first, in one statement."""
    stmt = (
        select(ApprovalDecision)
        .where(ApprovalDecision.approval_id.in_(approval_ids))
        .order_by(ApprovalDecision.id)
    )
    grouped: dict[int, list[ApprovalDecision]] = {i: [] for i in approval_ids}
    for row in (await session.execute(stmt)).scalars():
        grouped[row.approval_id].append(row)
    return [grouped[i] for i in approval_ids]
