"""The paper exchange's own book: what the venue holds, kept apart from our trade ledger so
that the two can disagree (a failed close, a stale position) and be reconciled."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, utcnow


class ExchangePosition(Base):
    """An open position on the venue; `trade_id` is our client reference (the venue keeps no
    foreign key into our ledger)."""

    __tablename__ = "exchange_positions"
    __table_args__ = (
        CheckConstraint("side IN ('buy', 'sell')", name="side"),
        CheckConstraint("size > 0", name="size_positive"),
        Index("ix_exchange_positions_trade_id", "trade_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trade_id: Mapped[int | None] = mapped_column(default=None)
    symbol: Mapped[str] = mapped_column(String(40))
    side: Mapped[str] = mapped_column(String(4))
    size: Mapped[float]
    entry_price: Mapped[float]
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)


class ExchangeFill(Base):
    """One executed order on the venue: an open or a close, with its fee and realized pnl."""

    __tablename__ = "exchange_fills"
    __table_args__ = (
        CheckConstraint("side IN ('buy', 'sell')", name="side"),
        CheckConstraint("kind IN ('open', 'close')", name="kind"),
        Index("ix_exchange_fills_trade_id", "trade_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trade_id: Mapped[int | None] = mapped_column(default=None)
    kind: Mapped[str] = mapped_column(String(5))
    symbol: Mapped[str] = mapped_column(String(40))
    side: Mapped[str] = mapped_column(String(4))
    size: Mapped[float]
    price: Mapped[float]
    fee: Mapped[float]
    realized_pnl: Mapped[float] = mapped_column(default=0.0)
    ts: Mapped[datetime] = mapped_column(default=utcnow)
