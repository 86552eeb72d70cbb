"""The scheduler's `approvals_triage` job: classify new approvals, apply the approval mode,
escalate those past their deadline.

Filing (resolvers/approvals.py create_approval) decides nothing, since deciding runs actions
and the modules proposing actions must not import them; this durable pass does it instead, so
an approval filed just before a crash is still triaged after the restart. Each pass, at `now`:

1. Every pending approval not yet triaged (oldest first) is classified (unless a revision was
   classified when filed), then the mode of resolvers/approval_modes.py applies, once: `off`
   approves it (actor `approvals-off`), `smart` approves it when its risk score is below the
   smart threshold (actor `smart-classifier`, the reasons in the note), otherwise and in
   `manual` it waits. A promotion into live always waits. An automatic approval runs the
   type's action through decide_approval in a savepoint; when the action refuses (NOT_READY,
   APPROVAL_STALE, ...) the approval stays pending, an `auto_refused` entry records the code
   and message, and it waits. An approval left waiting raises an info notification
   (`approval.waiting`). Triage is not repeated: changing the mode later does not re-decide
   approvals already waiting.
2. Every pending approval whose deadline has passed and that has not been escalated is
   escalated: owner -> the escalation owner, an `escalate` history entry (actor
   `approvals-triage`), an `approval.escalated` event and a warning notification
   (`approval.escalated`). Once per approval; a revision starts with a fresh deadline.

The job halts while the system is paused (an automatic approval may move a strategy), so
nothing is decided or escalated then; the next pass after a start catches up. Approvals filed
before the settings existed (no deadline) are triaged but never escalate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.approval_classifier import classify_row, is_live_promotion
from resolvers.approval_decisions import decide_approval, record_decision
from resolvers.approval_modes import OFF_ACTOR, SMART_ACTOR, load_settings
from resolvers.approvals import approval_payload
from resolvers.errors import DomainError
from resolvers.lab.services import Lab
from resolvers.notifications import raise_notification
from storage.approvals import Approval as ApprovalRow
from storage.approvals import ApprovalSettings
from storage.outbox import append_event, savepoint

TRIAGE_ACTOR = "approvals-triage"
SOURCE = "approvals"
LIVE_WAITS = "a promotion into live is never decided automatically"


@dataclass(frozen=True, slots=True)
class TriageReport:
    """What one pass did: approvals classified, decided automatically, left waiting, escalated."""

    classified: int
    auto_approved: int
    waiting: int
    escalated: int


def _reasons_note(row: ApprovalRow, threshold: float) -> str:
    parts = [f"{r['rule']} {r['points']:+.2f} ({r['detail']})" for r in row.reasons]
    return f"risk {row.risk_score:.2f} < threshold {threshold:.2f}: " + "; ".join(parts)


def _auto_decision(row: ApprovalRow, settings: ApprovalSettings) -> tuple[str, str] | str:
    """(actor, note) of the automatic approval, or why the approval waits."""
    if is_live_promotion(row):
        return LIVE_WAITS
    if settings.mode == "off":
        return OFF_ACTOR, "approval mode off: approved when filed"
    if settings.mode == "smart":
        score = row.risk_score if row.risk_score is not None else 1.0
        if score < settings.smart_threshold:
            return SMART_ACTOR, _reasons_note(row, settings.smart_threshold)
        return f"risk {score:.2f} is not below the smart threshold {settings.smart_threshold:.2f}"
    return "approval mode manual: every approval waits for an operator"


async def _auto_approve(
    session: AsyncSession, row: ApprovalRow, actor: str, note: str, *, lab: Lab, now: datetime
) -> str | None:
    """Approve automatically; None when done, else the refusal (the approval stays pending)."""
    try:
        async with savepoint(session):
            await decide_approval(
                session, approval_id=row.id, decision="approve", actor=actor, note=note,
                at=now, lab=lab,
            )  # fmt: skip
    except DomainError as exc:
        await session.refresh(row)
        refusal = f"{exc.code}: {exc.message}"
        record_decision(session, row, action="auto_refused", actor=actor, note=refusal, at=now)
        return f"the automatic approval was refused ({refusal})"
    return None


async def _wait(session: AsyncSession, row: ApprovalRow, why: str, now: datetime) -> None:
    await raise_notification(
        session,
        type="approval.waiting",
        source=SOURCE,
        title=f"Approval {row.id} ({row.type}) waits for a decision",
        body=f"{row.summary}\n\nWhy it waits: {why}.".strip(),
        entity_type="approval",
        entity_id=str(row.id),
        now=now,
    )


async def escalate(
    session: AsyncSession, row: ApprovalRow, settings: ApprovalSettings, now: datetime
) -> None:
    """Hand an approval past its deadline to the escalation owner, with a warning."""
    previous = row.owner
    row.owner = settings.escalation_owner
    row.escalated_at = now
    note = f"past its deadline {row.deadline:%Y-%m-%d %H:%M:%S}Z: {previous} -> {row.owner}"
    record_decision(session, row, action="escalate", actor=TRIAGE_ACTOR, note=note, at=now)
    await session.flush()
    await append_event(
        session,
        topic="approval.escalated",
        entity_id=str(row.id),
        payload={**approval_payload(row), "previous_owner": previous},
    )
    await raise_notification(
        session,
        type="approval.escalated",
        severity="warning",
        source=SOURCE,
        title=f"Approval {row.id} ({row.type}) is past its deadline",
        body=f"Escalated from {previous} to {row.owner}. {row.summary}".strip(),
        entity_type="approval",
        entity_id=str(row.id),
        now=now,
    )


async def triage_approvals(session: AsyncSession, *, lab: Lab, now: datetime) -> TriageReport:
    """One pass of the triage job at `now` (see the module docstring)."""
    settings = await load_settings(session)
    classified = approved = waiting = escalated = 0
    fresh = select(ApprovalRow).where(
        ApprovalRow.status == "pending", ApprovalRow.triaged_at.is_(None)
    )
    for row in list((await session.execute(fresh.order_by(ApprovalRow.id))).scalars()):
        if row.classified_at is None:
            await classify_row(session, row, now=now)
            classified += 1
        outcome = _auto_decision(row, settings)
        if isinstance(outcome, tuple):
            refused = await _auto_approve(session, row, *outcome, lab=lab, now=now)
            if refused is None:
                row.triaged_at = now
                approved += 1
                continue
            outcome = refused
        row.triaged_at = now
        await _wait(session, row, outcome, now)
        waiting += 1
    overdue = select(ApprovalRow).where(
        ApprovalRow.status == "pending",
        ApprovalRow.escalated_at.is_(None),
        ApprovalRow.deadline.is_not(None),
        ApprovalRow.deadline <= now,
    )
    for row in list((await session.execute(overdue.order_by(ApprovalRow.id))).scalars()):
        await escalate(session, row, settings, now)
        escalated += 1
    await session.flush()
    return TriageReport(classified, approved, waiting, escalated)
