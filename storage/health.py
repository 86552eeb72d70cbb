"""Health alerts: one row each time a component's status changed (resolvers/health.py).

A component's last known status is its newest alert's `status` (no alert yet: ok), so the
table is both the alert history and the state the next check compares with.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, utcnow

HEALTH_STATUSES = ("ok", "degraded", "down", "disabled")
ALERT_KINDS = ("degraded", "recovered")


class HealthAlert(Base):
    __tablename__ = "health_alerts"
    __table_args__ = (
        CheckConstraint("kind IN ('degraded', 'recovered')", name="kind"),
        CheckConstraint("status IN ('ok', 'degraded', 'down', 'disabled')", name="status"),
        CheckConstraint("previous IN ('ok', 'degraded', 'down', 'disabled')", name="previous"),
        Index("ix_health_alerts_component_id", "component", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    component: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10))
    previous: Mapped[str] = mapped_column(String(10))
    detail: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
