"""Notifications: what the system tells the operator, kept until acknowledged.

The foundation only: `raise_notification` files one (and appends a `notification.created`
event carrying it), `list_notifications` reads them back, newest first. Their routes
(GET /api/notifications, acknowledge, acknowledge-all) are planned for issue 17 and will read
these rows. Raised today by the approvals triage (resolvers/approval_triage.py): an approval
left waiting on an operator (info) and an approval escalated past its deadline (warning).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.validation import require_choice, require_text
from resolvers.views import Choices, View, from_row, to_payload
from storage.base import utcnow
from storage.notifications import NOTIFICATION_STATUSES, SEVERITIES
from storage.notifications import Notification as NotificationRow
from storage.outbox import append_event

NOTIFICATION_SEVERITY = Choices("NotificationSeverity", SEVERITIES)
NOTIFICATION_STATUS = Choices("NotificationStatus", NOTIFICATION_STATUSES)


@dataclass(frozen=True, slots=True)
class Notification(View):
    """Something the operator should know, unread until acknowledged."""

    id: int
    type: str
    severity: Annotated[str, NOTIFICATION_SEVERITY]
    source: str
    title: str
    body: str
    entity_type: str | None
    entity_id: str | None
    status: Annotated[str, NOTIFICATION_STATUS]
    created_at: datetime
    acknowledged_at: datetime | None


async def raise_notification(
    session: AsyncSession,
    *,
    type: str,
    source: str,
    title: str,
    body: str = "",
    severity: str = "info",
    entity_type: str | None = None,
    entity_id: str | None = None,
    now: datetime | None = None,
) -> Notification:
    """File an unread notification and append its `notification.created` event."""
    row = NotificationRow(
        type=require_text("type", type, max_length=60),
        severity=require_choice("severity", severity, SEVERITIES),
        source=require_text("source", source, max_length=60),
        title=require_text("title", title, max_length=200),
        body=require_text("body", body, max_length=5000, allow_empty=True),
        entity_type=entity_type,
        entity_id=entity_id,
        status="unread",
        created_at=now or utcnow(),
    )
    session.add(row)
    await session.flush()
    view = from_row(Notification, row)
    await append_event(
        session, topic="notification.created", entity_id=str(row.id), payload=to_payload(view)
    )
    return view


async def list_notifications(
    session: AsyncSession,
    *,
    status: str | None = None,
    type: str | None = None,
    entity_type: str | None = None,
    entity_id: str | None = None,
) -> list[Notification]:
    """Notifications, newest first, filtered by status, type and entity."""
    stmt = select(NotificationRow).order_by(NotificationRow.id.desc())
    if status is not None:
        require_choice("status", status, NOTIFICATION_STATUSES)
        stmt = stmt.where(NotificationRow.status == status)
    if type is not None:
        stmt = stmt.where(NotificationRow.type == type)
    if entity_type is not None:
        stmt = stmt.where(NotificationRow.entity_type == entity_type)
    if entity_id is not None:
        stmt = stmt.where(NotificationRow.entity_id == entity_id)
    return [from_row(Notification, row) for row in (await session.execute(stmt)).scalars()]
