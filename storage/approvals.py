"""Approvals (the queue agents and routines wait on), their decision history, and the one
row of approval settings (mode, deadlines, escalation owner, smart threshold)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, JSONType, utcnow

APPROVAL_STATUSES = ("pending", "approved", "denied", "revised", "expired")
APPROVAL_MODES = ("manual", "smart", "off")
SETTINGS_ROW_ID = 1


class Approval(Base):
    __tablename__ = "approvals"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'approved', 'denied', 'revised', 'expired')", name="status"
        ),
        Index("ix_approvals_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(40))
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[str] = mapped_column(String(60))
    owner: Mapped[str] = mapped_column(String(80))
    summary: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="pending")
    # the classifier's recommended decision (approve, review, deny) and what it rests on
    classification: Mapped[str | None] = mapped_column(String(40), default=None)
    risk_score: Mapped[float | None] = mapped_column(default=None)
    reasons: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    classifier_version: Mapped[str | None] = mapped_column(String(20), default=None)
    classified_at: Mapped[datetime | None] = mapped_column(default=None)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    deadline: Mapped[datetime | None] = mapped_column(default=None)
    # the approval this one revises (POST /api/approvals/{id}/revise)
    revision_of: Mapped[int | None] = mapped_column(
        ForeignKey("approvals.id", ondelete="SET NULL"), default=None
    )
    # set by the triage job once it has handled the new approval, and once it has escalated
    triaged_at: Mapped[datetime | None] = mapped_column(default=None)
    escalated_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)


class ApprovalDecision(Base):
    __tablename__ = "approval_decisions"
    __table_args__ = (Index("ix_approval_decisions_approval_id", "approval_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    approval_id: Mapped[int] = mapped_column(ForeignKey("approvals.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(80))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApprovalSettings(Base):
    """The single row (id 1) of approval settings (resolvers/approval_modes.py)."""

    __tablename__ = "approval_settings"
    __table_args__ = (CheckConstraint("mode IN ('manual', 'smart', 'off')", name="mode"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mode: Mapped[str] = mapped_column(String(10), default="manual")
    deadline_seconds: Mapped[int] = mapped_column(default=86_400)
    # approval type -> its own deadline in seconds
    type_deadlines: Mapped[dict[str, Any]] = mapped_column(default=dict)
    escalation_owner: Mapped[str] = mapped_column(String(80), default="operator")
    smart_threshold: Mapped[float] = mapped_column(default=0.3)
    updated_at: Mapped[datetime | None] = mapped_column(default=None)
