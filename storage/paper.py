"""Paper trading sessions: one run of the global paper service over the paper-stage strategies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, JSONType, utcnow


class PaperSession(Base):
    __tablename__ = "paper_sessions"
    __table_args__ = (
        CheckConstraint("status IN ('running', 'stopped')", name="status"),
        Index("ix_paper_sessions_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(10), default="running")
    # the strategies deployed when the session started (ids), in id order
    strategy_ids: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    capital: Mapped[float]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    stopped_at: Mapped[datetime | None] = mapped_column(default=None)
    stop_reason: Mapped[str] = mapped_column(String(200), default="")
    last_tick_at: Mapped[datetime | None] = mapped_column(default=None)
    ticks: Mapped[int] = mapped_column(default=0)
