"""Routines (cron-scheduled prompts or tool calls) and their runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, utcnow

ROUTINE_STATUSES = ("active", "pending_approval", "denied", "disabled")
ROUTINE_AUTHORS = ("operator", "brain")
ROUTINE_ACTIONS = ("prompt", "tool")
RUN_STATUSES = ("queued", "running", "succeeded", "failed")
RUN_ORIGINS = ("schedule", "manual")


class Routine(Base):
    __tablename__ = "routines"
    __table_args__ = (
        CheckConstraint(
            "status IN ('active', 'pending_approval', 'denied', 'disabled')", name="status"
        ),
        CheckConstraint("author IN ('operator', 'brain')", name="author"),
        CheckConstraint("action IN ('prompt', 'tool')", name="action"),
        Index("ix_routines_status_next_run_at", "status", "next_run_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    cron: Mapped[str] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(10))
    prompt: Mapped[str] = mapped_column(Text, default="")
    tool: Mapped[str | None] = mapped_column(String(80), default=None)
    arguments: Mapped[dict[str, Any]] = mapped_column(default=dict)
    author: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20))
    approval_id: Mapped[int | None] = mapped_column(default=None)
    # the next occurrence in UTC (computed in `timezone`); null unless active
    next_run_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class RoutineRun(Base):
    __tablename__ = "routine_runs"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'succeeded', 'failed')", name="status"),
        CheckConstraint("origin IN ('schedule', 'manual')", name="origin"),
        Index("ix_routine_runs_routine_id", "routine_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    routine_id: Mapped[int] = mapped_column(ForeignKey("routines.id", ondelete="CASCADE"))
    origin: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default="queued")
    job_id: Mapped[int | None] = mapped_column(default=None)
    scheduled_for: Mapped[datetime | None] = mapped_column(default=None)
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    output: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str | None] = mapped_column(Text, default=None)
    provider: Mapped[str | None] = mapped_column(String(40), default=None)
    model: Mapped[str | None] = mapped_column(String(200), default=None)
    prompt_tokens: Mapped[int] = mapped_column(default=0)
    completion_tokens: Mapped[int] = mapped_column(default=0)
