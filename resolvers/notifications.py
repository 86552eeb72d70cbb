"""Notifications: what the system tells the operator, kept until acknowledged.

`raise_notification` files one (and appends a `notification.created` event carrying it);
with `once=True` it files nothing while an unread notification of the same type and entity
exists (that one is answered), so a condition that holds for a while raises one notification,
not one per check. `notifications_page` serves GET /api/notifications (paged oldest first, like
every paged route: a cursor never skips a notification raised after it was issued),
`acknowledge_notification` and `acknowledge_all_notifications` the two POSTs; each
acknowledgement appends a `notification.acknowledged` event, and acknowledging an acknowledged
notification changes nothing and appends nothing. `list_notifications` is the plain
newest-first read the tests and the triage use.

Raised from (type, severity, source):
- approval.waiting (info) and approval.escalated (warning), approvals: the approvals triage
  (resolvers/approval_triage.py);
- trade.force_close_failed (critical), trades: a force-close the venue refused
  (resolvers/trades.py);
- strategy.demoted (warning), lifecycle: a backward stage move (resolvers/lifecycle.py);
- risk.veto (warning), risk: an order the risk engine vetoed (resolvers/halyrd/risk.py);
- job.failed (warning), jobs: a job that failed for good (resolvers/jobs/);
- gauntlet.step_failed (warning), gauntlet: a gauntlet step that failed
  (resolvers/research/gauntlet_steps.py);
- bot.failing (critical), bots: a bot the supervisor gave up restarting;
- skill.declining (warning), skills: a declining skill and phase, from the scheduler job
  skills_watch (resolvers/skill_watch.py: at most one a day per skill and phase).

New notifications reach subscribers through the outbox: the GraphQL `events` subscription with
`topics: ["notification.*"]` streams notification.created and notification.acknowledged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import NotFound
from resolvers.pagination import Page, paginate
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
    once: bool = False,
) -> Notification:
    """File an unread notification and append its `notification.created` event; with `once`,
    answer the unread one of the same type and entity instead when there is one."""
    if once:
        existing = (
            await session.execute(
                select(NotificationRow)
                .where(
                    NotificationRow.status == "unread",
                    NotificationRow.type == type,
                    NotificationRow.entity_type == entity_type,
                    NotificationRow.entity_id == entity_id,
                )
                .limit(1)
            )
        ).scalar_one_or_none()
        if existing is not None:
            return from_row(Notification, existing)
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


@dataclass(frozen=True, slots=True)
class NotificationsAcknowledged(View):
    """What acknowledge-all did."""

    acknowledged: Annotated[int, "how many unread notifications it acknowledged (0 when none)"]


async def notifications_page(
    session: AsyncSession,
    *,
    status: str | None = None,
    severity: str | None = None,
    source: str | None = None,
    type: str | None = None,
    first: int | None = None,
    after: str | None = None,
    with_total: bool = True,
) -> Page[Notification]:
    """A page of notifications, oldest first; the filters are exact and combine."""
    stmt = select(NotificationRow)
    if status is not None:
        stmt = stmt.where(
            NotificationRow.status == require_choice("status", status, NOTIFICATION_STATUSES)
        )
    if severity is not None:
        stmt = stmt.where(
            NotificationRow.severity == require_choice("severity", severity, SEVERITIES)
        )
    if source is not None:
        stmt = stmt.where(NotificationRow.source == source)
    if type is not None:
        stmt = stmt.where(NotificationRow.type == type)
    page = await paginate(
        session, stmt, NotificationRow.id, first=first, after=after, with_total=with_total
    )
    return page.map(lambda row: from_row(Notification, row))


async def _acknowledge(session: AsyncSession, row: NotificationRow, now: datetime) -> None:
    row.status = "acknowledged"
    row.acknowledged_at = now
    await session.flush()
    await append_event(
        session,
        topic="notification.acknowledged",
        entity_id=str(row.id),
        payload=to_payload(from_row(Notification, row)),
    )


async def acknowledge_notification(
    session: AsyncSession, *, notification_id: int, now: datetime | None = None
) -> Notification:
    """Acknowledge one notification (404 when unknown); an acknowledged one is answered as it
    is, unchanged and without an event."""
    row = await session.get(NotificationRow, notification_id)
    if row is None:
        raise NotFound(
            f"notification {notification_id} not found",
            details={"notification_id": notification_id},
        )
    if row.status == "unread":
        await _acknowledge(session, row, now or utcnow())
    return from_row(Notification, row)


async def acknowledge_all_notifications(
    session: AsyncSession, *, now: datetime | None = None
) -> NotificationsAcknowledged:
    """Acknowledge every unread notification, one event each; answers how many."""
    at = now or utcnow()
    rows = (
        await session.execute(
            select(NotificationRow)
            .where(NotificationRow.status == "unread")
            .order_by(NotificationRow.id)
        )
    ).scalars()
    count = 0
    for row in list(rows):
        await _acknowledge(session, row, at)
        count += 1
    return NotificationsAcknowledged(acknowledged=count)
