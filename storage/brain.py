"""The brain's memory bank: what the brain learned, decided or was told, with where it came from.

The brain writes a memory at the end of each task (what it was asked, what it answered, which
tools and rows it read: provenance source `task`, source id the task's job id); operators add
and forget memories through GraphQL (source `operator`). Each task reads the memories whose
words match its prompt into its system message and stamps their `last_used_at`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, JSONType, utcnow

MEMORY_KINDS = ("fact", "observation", "decision", "preference")
MEMORY_SOURCES = ("task", "operator", "event")


class BrainMemory(Base):
    __tablename__ = "brain_memories"
    __table_args__ = (
        CheckConstraint("kind IN ('fact', 'observation', 'decision', 'preference')", name="kind"),
        CheckConstraint("source IN ('task', 'operator', 'event')", name="source"),
        # a task's memories, found again when the task runs a second time
        Index("ix_brain_memories_source_source_id", "source", "source_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    content: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(20))
    source_id: Mapped[str | None] = mapped_column(String(60), default=None)
    # {"tools": [{"name", "rows"}], "approvals": [ids], "memories": [ids]}: what it came from
    provenance: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    entity_type: Mapped[str | None] = mapped_column(String(40), default=None)
    entity_id: Mapped[str | None] = mapped_column(String(60), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
