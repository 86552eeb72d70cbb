"""Halyrd trading agents (the running one has id `seed`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, JSONType, utcnow

AGENT_STATUSES = ("PAPER", "ELIGIBLE", "LIVE", "DEMOTED")


class TradingAgent(Base):
    __tablename__ = "trading_agents"
    __table_args__ = (
        CheckConstraint("status IN ('PAPER', 'ELIGIBLE', 'LIVE', 'DEMOTED')", name="status"),
        CheckConstraint("phase IN ('paper', 'live')", name="phase"),
        CheckConstraint("market_mode IN ('spot', 'perp')", name="market_mode"),
        CheckConstraint("twak_session IN ('none', 'active', 'revoked')", name="twak_session"),
    )

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(10), default="PAPER")
    phase: Mapped[str] = mapped_column(String(10), default="paper")
    market_mode: Mapped[str] = mapped_column(String(10), default="spot")
    is_running: Mapped[bool] = mapped_column(default=False)
    last_heartbeat: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The running configuration (resolvers/halyrd/config.py) and the version it came from.
    config: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    config_version_id: Mapped[int | None] = mapped_column(default=None)
    # Start of the current evaluation window (creation, demotion or reset restart it).
    window_started_at: Mapped[datetime] = mapped_column(default=utcnow)
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    status_reason: Mapped[str] = mapped_column(String(500), default="")
    # Signing session of the live executor: none until promoted, revoked by the kill switch.
    twak_session: Mapped[str] = mapped_column(String(10), default="none")
