"""Trades, owned by exactly one strategy, one trading agent or one bot (storage/bots.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, utcnow


class Trade(Base):
    __tablename__ = "trades"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN strategy_id IS NULL THEN 0 ELSE 1 END) + "
            "(CASE WHEN trading_agent_id IS NULL THEN 0 ELSE 1 END) + "
            "(CASE WHEN bot_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_owner",
        ),
        CheckConstraint("side IN ('buy', 'sell')", name="side"),
        CheckConstraint("status IN ('open', 'closed', 'failed')", name="status"),
        CheckConstraint("phase IN ('paper', 'live')", name="phase"),
        CheckConstraint("size > 0", name="size_positive"),
        Index("ix_trades_strategy_id", "strategy_id", "id"),
        Index("ix_trades_trading_agent_id", "trading_agent_id", "id"),
        Index("ix_trades_status_id", "status", "id"),
        Index("ix_trades_paper_session_id", "paper_session_id", "id"),
        Index("ix_trades_bot_id", "bot_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    strategy_id: Mapped[int | None] = mapped_column(
        ForeignKey("strategies.id", ondelete="CASCADE"), default=None
    )
    trading_agent_id: Mapped[str | None] = mapped_column(
        ForeignKey("trading_agents.id", ondelete="CASCADE"), default=None
    )
    symbol: Mapped[str] = mapped_column(String(40))
    side: Mapped[str] = mapped_column(String(4))
    size: Mapped[float]
    entry_price: Mapped[float]
    exit_price: Mapped[float | None] = mapped_column(default=None)
    fees: Mapped[float] = mapped_column(default=0.0)
    pnl: Mapped[float | None] = mapped_column(default=None)
    status: Mapped[str] = mapped_column(String(10), default="open")
    phase: Mapped[str] = mapped_column(String(10), default="paper")
    failure_reason: Mapped[str | None] = mapped_column(String(500), default=None)
    # the paper session that opened it (None for agent trades and manual records)
    paper_session_id: Mapped[int | None] = mapped_column(
        ForeignKey("paper_sessions.id", ondelete="SET NULL"), default=None
    )
    # the bot that made it (bots are soft-deleted, so the reference always resolves)
    bot_id: Mapped[int | None] = mapped_column(ForeignKey("bots.id"), default=None)
    # set when a close failed on the exchange: the position may still be open there
    close_error: Mapped[str | None] = mapped_column(String(500), default=None)
    close_attempted_at: Mapped[datetime | None] = mapped_column(default=None)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
