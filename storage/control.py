"""The control plane's state: the system pause and modes (one row), and the scheduler's jobs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, utcnow

MODES = ("manual", "semi_auto", "auto")
EXECUTION_MODES = ("paper", "live")


class SystemControl(Base):
    """The single row (id 1) behind /api/system/*: paused or running, and the two modes."""

    __tablename__ = "system_control"
    __table_args__ = (
        CheckConstraint("mode IN ('manual', 'semi_auto', 'auto')", name="mode"),
        CheckConstraint("execution_mode IN ('paper', 'live')", name="execution_mode"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    paused: Mapped[bool] = mapped_column(default=False)
    paused_at: Mapped[datetime | None] = mapped_column(default=None)
    pause_reason: Mapped[str] = mapped_column(String(500), default="")
    mode: Mapped[str] = mapped_column(String(10), default="semi_auto")
    execution_mode: Mapped[str] = mapped_column(String(10), default="paper")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SchedulerJob(Base):
    """A background job's schedule and its last run; the scheduler re-reads it every pass."""

    __tablename__ = "scheduler_jobs"
    __table_args__ = (CheckConstraint("interval_seconds > 0", name="interval_positive"),)

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    interval_seconds: Mapped[float]
    enabled: Mapped[bool] = mapped_column(default=True)
    last_run_at: Mapped[datetime | None] = mapped_column(default=None)
    last_status: Mapped[str | None] = mapped_column(String(10), default=None)
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)
    last_duration_ms: Mapped[float | None] = mapped_column(default=None)
    runs: Mapped[int] = mapped_column(default=0)
    failures: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
