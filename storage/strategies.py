"""Strategies and their lifecycle history (quick_screen -> research_only -> paper -> live)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, utcnow

STAGES = ("quick_screen", "research_only", "paper", "live")
STAGE_SQL = ", ".join(f"'{s}'" for s in STAGES)


class Strategy(Base):
    __tablename__ = "strategies"
    __table_args__ = (
        CheckConstraint(f"stage IN ({STAGE_SQL})", name="stage"),
        Index("ix_strategies_stage_id", "stage", "id"),
        Index("ix_strategies_hypothesis_id", "hypothesis_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hypothesis_id: Mapped[int] = mapped_column(ForeignKey("hypotheses.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(String(200))
    family: Mapped[str] = mapped_column(String(60))
    symbol: Mapped[str] = mapped_column(String(40))
    timeframe: Mapped[str] = mapped_column(String(10), default="1h")
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    stage: Mapped[str] = mapped_column(String(20), default="quick_screen")
    status: Mapped[str] = mapped_column(String(20), default="active")
    source: Mapped[str] = mapped_column(String(20), default="manual")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class LifecycleTransition(Base):
    """One row per stage change; the first row of a strategy records its creation stage."""

    __tablename__ = "lifecycle_transitions"
    __table_args__ = (Index("ix_lifecycle_transitions_strategy_id", "strategy_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    strategy_id: Mapped[int] = mapped_column(ForeignKey("strategies.id", ondelete="CASCADE"))
    from_stage: Mapped[str | None] = mapped_column(String(20), default=None)
    to_stage: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(500), default="")
    actor: Mapped[str] = mapped_column(String(80), default="operator")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
