"""Halyrd trading agents (the running one has id `seed`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, utcnow

AGENT_STATUSES = ("PAPER", "ELIGIBLE", "LIVE", "DEMOTED")


class TradingAgent(Base):
    __tablename__ = "trading_agents"
    __table_args__ = (
        CheckConstraint("status IN ('PAPER', 'ELIGIBLE', 'LIVE', 'DEMOTED')", name="status"),
        CheckConstraint("phase IN ('paper', 'live')", name="phase"),
        CheckConstraint("market_mode IN ('spot', 'perp')", name="market_mode"),
    )

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(10), default="PAPER")
    phase: Mapped[str] = mapped_column(String(10), default="paper")
    market_mode: Mapped[str] = mapped_column(String(10), default="spot")
    is_running: Mapped[bool] = mapped_column(default=False)
    last_heartbeat: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
