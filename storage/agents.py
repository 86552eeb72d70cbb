"""Forven research agents and their per-context toolset overrides."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, utcnow

TOOLSET_CONTEXTS = ("scheduled", "interactive", "recovery", "research")


class Agent(Base):
    __tablename__ = "agents"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    model: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AgentToolset(Base):
    """The tool list an agent gets in one context, replacing its defaults there."""

    __tablename__ = "agent_toolsets"
    __table_args__ = (
        CheckConstraint(
            "context IN ('scheduled', 'interactive', 'recovery', 'research')", name="context"
        ),
    )

    agent_id: Mapped[str] = mapped_column(
        ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True
    )
    context: Mapped[str] = mapped_column(String(20), primary_key=True)
    tools: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
