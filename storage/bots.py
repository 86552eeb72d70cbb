"""Bots of the bot factory: a strategy family's parameters, a symbol and risk settings, run by
the bot supervisor (server/bot_supervisor.py) on the paper exchange.

A bot is never removed: DELETE marks it `deleted_at` (soft delete), so the trades it made
(trades.bot_id) keep pointing at a row that says what made them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, JSONType, utcnow

BOT_STATUSES = ("stopped", "starting", "running", "restarting", "failed", "paused")
BOT_DESIRED = ("running", "stopped")
BOT_VENUES = ("paper", "live")


class Bot(Base):
    __tablename__ = "bots"
    __table_args__ = (
        CheckConstraint(
            "status IN ('stopped', 'starting', 'running', 'restarting', 'failed', 'paused')",
            name="status",
        ),
        CheckConstraint("desired_state IN ('running', 'stopped')", name="desired_state"),
        CheckConstraint("venue IN ('paper', 'live')", name="venue"),
        Index("ix_bots_desired_state_id", "desired_state", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    family: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    symbol: Mapped[str] = mapped_column(String(40))
    timeframe: Mapped[str] = mapped_column(String(10))
    risk: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    venue: Mapped[str] = mapped_column(String(10), default="paper")
    desired_state: Mapped[str] = mapped_column(String(10), default="stopped")
    status: Mapped[str] = mapped_column(String(12), default="stopped")
    heartbeat_at: Mapped[datetime | None] = mapped_column(default=None)
    restarts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)
    steps: Mapped[int] = mapped_column(default=0)
    # the end of the last closed bar the bot acted on (market time)
    last_bar_end: Mapped[datetime | None] = mapped_column(default=None)
    # the side a stop loss closed (1 long, -1 short): not re-entered until the target changes
    stopped_side: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)
