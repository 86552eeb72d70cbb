"""Deep-dive chat threads: one per strategy (its id is the strategy's), and their messages.

A message is the operator's (`user`, always complete) or the model's (`assistant`): complete
when the provider finished, interrupted when the client disconnected mid-answer (the text
received until then is kept), failed when every provider of the chain failed (empty text, the
error code kept).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, utcnow

ROLES = ("user", "assistant")
STATUSES = ("complete", "interrupted", "failed")


class DeepdiveThread(Base):
    __tablename__ = "deepdive_threads"

    # the strategy's id: one persistent thread per strategy
    id: Mapped[int] = mapped_column(
        ForeignKey("strategies.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class DeepdiveMessage(Base):
    __tablename__ = "deepdive_messages"
    __table_args__ = (
        CheckConstraint("role IN ('user', 'assistant')", name="role"),
        CheckConstraint("status IN ('complete', 'interrupted', 'failed')", name="status"),
        Index("ix_deepdive_messages_thread_id_id", "thread_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("deepdive_threads.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))
    content: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="complete")
    provider: Mapped[str | None] = mapped_column(String(40), default=None)
    model: Mapped[str | None] = mapped_column(String(200), default=None)
    prompt_tokens: Mapped[int] = mapped_column(default=0)
    completion_tokens: Mapped[int] = mapped_column(default=0)
    error_code: Mapped[str | None] = mapped_column(String(60), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
