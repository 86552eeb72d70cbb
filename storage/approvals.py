"""Approvals (the queue agents and routines wait on) and their decision history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, utcnow

APPROVAL_STATUSES = ("pending", "approved", "denied", "revised", "expired")


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
    classification: Mapped[str | None] = mapped_column(String(40), default=None)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    deadline: Mapped[datetime | None] = mapped_column(default=None)
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
