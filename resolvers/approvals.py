"""Approvals: the queue of actions waiting on an operator, and their decision history.

An approval's `type` names the action approving it carries out (resolvers/approval_actions.py)
and its `payload` holds that action's parameters; deciding lives in
resolvers/approval_decisions.py, which is the one module that runs actions, so that the
modules proposing them (the pipeline, routines, the brain) can import this queue without a
cycle. For the same reason filing decides nothing: the approvals triage job
(resolvers/approval_triage.py) classifies new approvals and applies the approval mode
(resolvers/approval_modes.py), and escalates those past their deadline. Filing sets the
deadline from the approval settings (the type's own deadline, else `deadline_seconds`).

A revision (POST /api/approvals/{id}/revise) is a new approval whose `revision_of` names the
one it replaces (then `revised`); `approval_chain` reads the whole chain, oldest first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, TypedDict

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.approval_modes import deadline_for, load_settings
from resolvers.choices import APPROVAL_STATUS
from resolvers.errors import InvalidInput, NotFound
from resolvers.pagination import Page, paginate
from resolvers.validation import require_choice, require_text
from resolvers.views import View, from_row, to_payload
from storage.approvals import APPROVAL_STATUSES
from storage.approvals import Approval as ApprovalRow
from storage.approvals import ApprovalDecision as DecisionRow
from storage.base import utcnow
from storage.outbox import append_event

TARGET_TYPES = ("strategy", "hypothesis", "agent", "trading_agent", "routine")
# an approval's action parameters: a flat map of JSON scalars (what a proposal names: a
# routine's cron and prompt, a hypothesis's title, a transition's target stage)
ActionParams = dict[str, str | float | bool]
MAX_PARAMS = 40
MAX_CHAIN = 100


class RiskReason(TypedDict):
    """One classifier rule that applied: its name, its points and what it saw."""

    rule: str
    points: float
    detail: str


@dataclass(frozen=True, slots=True)
class ApprovalDecision(View):
    """One decision taken on an approval."""

    id: int
    action: str
    actor: str
    note: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Approval(View):
    """An action waiting on (or decided by) an operator."""

    id: int
    type: str
    target_type: str
    target_id: str
    owner: str
    summary: str
    status: Annotated[str, APPROVAL_STATUS]
    classification: Annotated[
        str | None, "the classifier's recommended decision: approve, review or deny"
    ]
    risk_score: Annotated[float | None, "the classifier's score, 0 to 1; null until classified"]
    reasons: Annotated[list[RiskReason], "the classifier rules that applied"]
    classifier_version: str | None
    classified_at: datetime | None
    deadline: datetime | None
    escalated_at: Annotated[datetime | None, "when it passed its deadline and was escalated"]
    revision_of: Annotated[int | None, "the approval this one revises"]
    payload: Annotated[ActionParams, "the proposed action's parameters"]
    created_at: datetime
    decided_at: datetime | None


def approval_view(row: ApprovalRow) -> Approval:
    """The API's view of an approval row."""
    return from_row(Approval, row)


def approval_payload(row: ApprovalRow) -> dict[str, object]:
    """An approval event's payload: the approval as the REST API answers it."""
    return to_payload(approval_view(row))


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
    payload: ActionParams | None = None,
    revision_of: int | None = None,
    now: datetime | None = None,
) -> Approval:
    """Queue an action for a decision; without a `deadline`, the approval settings set it."""
    filed_at = now or utcnow()
    if deadline is None:
        deadline = deadline_for(await load_settings(session), type, filed_at)
    row = ApprovalRow(
        type=require_text("type", type, max_length=40),
        target_type=require_choice("target_type", target_type, TARGET_TYPES),
        target_id=require_text("target_id", target_id, max_length=60),
        owner=require_text("owner", owner, max_length=80),
        summary=require_text("summary", summary, max_length=5000, allow_empty=True),
        deadline=deadline,
        classification=classification,
        payload=action_params(payload or {}),
        status="pending",
        reasons=[],
        revision_of=revision_of,
        created_at=filed_at,
    )
    session.add(row)
    await session.flush()
    await append_event(
        session, topic="approval.created", entity_id=str(row.id), payload=approval_payload(row)
    )
    return approval_view(row)


def action_params(payload: Any) -> ActionParams:
    """`payload` checked to be a flat map of JSON scalars (422 INVALID_PAYLOAD)."""
    if not isinstance(payload, dict) or len(payload) > MAX_PARAMS:
        raise InvalidInput(
            f"payload must be an object of at most {MAX_PARAMS} entries",
            code="INVALID_PAYLOAD",
            details={"field": "payload"},
        )
    for key, value in payload.items():
        if not isinstance(key, str) or not 0 < len(key) <= 40:
            raise InvalidInput(
                "payload keys are names of 1 to 40 characters",
                code="INVALID_PAYLOAD",
                details={"field": "payload"},
            )
        if not isinstance(value, str | int | float | bool) or (
            isinstance(value, str) and len(value) > 5000
        ):
            raise InvalidInput(
                f"payload.{key} must be a string (at most 5,000 characters), number or boolean",
                code="INVALID_PAYLOAD",
                details={"field": f"payload.{key}"},
            )
    return dict(payload)


async def get_approval(session: AsyncSession, *, approval_id: int) -> Approval:
    """One approval (404 when unknown)."""
    return approval_view(await approval_row(session, approval_id=approval_id))


async def approval_row(session: AsyncSession, *, approval_id: int) -> ApprovalRow:
    row = await session.get(ApprovalRow, approval_id)
    if row is None:
        raise NotFound(f"approval {approval_id} not found", details={"id": approval_id})
    return row


async def list_approvals(
    session: AsyncSession,
    *,
    status: str | None = None,
    type: str | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    owner: str | None = None,
    revision_of: int | None = None,
    first: int | None = None,
    after: str | None = None,
    with_total: bool = True,
) -> Page[Approval]:
    """A page of approvals, oldest first, filtered by status, type, target, owner and the
    approval they revise."""
    stmt = select(ApprovalRow)
    if status is not None:
        stmt = stmt.where(ApprovalRow.status == require_choice("status", status, APPROVAL_STATUSES))
    if type is not None:
        stmt = stmt.where(ApprovalRow.type == type)
    if target_type is not None:
        stmt = stmt.where(ApprovalRow.target_type == target_type)
    if target_id is not None:
        stmt = stmt.where(ApprovalRow.target_id == target_id)
    if owner is not None:
        stmt = stmt.where(ApprovalRow.owner == owner)
    if revision_of is not None:
        stmt = stmt.where(ApprovalRow.revision_of == revision_of)
    page = await paginate(
        session, stmt, ApprovalRow.id, first=first, after=after, with_total=with_total
    )
    return page.map(approval_view)


async def list_decisions_by_approval_ids(
    session: AsyncSession, *, approval_ids: Sequence[int]
) -> list[list[ApprovalDecision]]:
    """Each approval's decision history, oldest first, in one statement."""
    stmt = (
        select(DecisionRow)
        .where(DecisionRow.approval_id.in_(approval_ids))
        .order_by(DecisionRow.id)
    )
    grouped: dict[int, list[ApprovalDecision]] = {i: [] for i in approval_ids}
    for row in (await session.execute(stmt)).scalars():
        grouped[row.approval_id].append(from_row(ApprovalDecision, row))
    return [grouped[i] for i in approval_ids]


async def approval_chain(session: AsyncSession, *, approval_id: int) -> list[Approval]:
    """The revision chain an approval belongs to, from the first filing to the newest
    revision (404 when unknown)."""
    row = await approval_row(session, approval_id=approval_id)
    first = row
    for _ in range(MAX_CHAIN):
        if first.revision_of is None:
            break
        parent = await session.get(ApprovalRow, first.revision_of)
        if parent is None:
            break
        first = parent
    chain = [first]
    for _ in range(MAX_CHAIN):
        stmt = select(ApprovalRow).where(ApprovalRow.revision_of == chain[-1].id)
        following = (await session.execute(stmt.order_by(ApprovalRow.id))).scalars().first()
        if following is None:
            break
        chain.append(following)
    return [approval_view(r) for r in chain]
