"""Model routing and model calls: the policy row (which provider and model serves each task
kind) and one row per provider call with its tokens, cost and latency."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, JSONType, utcnow

POLICY_ROW_ID = 1  # the policy is global: one row


class ModelPolicy(Base):
    __tablename__ = "model_policy"

    id: Mapped[int] = mapped_column(primary_key=True)
    # {task kind: {"provider", "model", "fallback": [{"provider", "model"}, ...]}}
    tasks: Mapped[dict[str, Any]] = mapped_column(JSONType)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ModelCall(Base):
    __tablename__ = "model_calls"
    __table_args__ = (Index("ix_model_calls_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(40))
    model: Mapped[str] = mapped_column(String(200))
    task_kind: Mapped[str] = mapped_column(String(40))
    prompt_tokens: Mapped[int] = mapped_column(default=0)
    completion_tokens: Mapped[int] = mapped_column(default=0)
    cost_usd: Mapped[float] = mapped_column(default=0.0)
    priced: Mapped[bool] = mapped_column(default=True)
    latency_ms: Mapped[float] = mapped_column(default=0.0)
    ok: Mapped[bool] = mapped_column(default=True)
    error_code: Mapped[str | None] = mapped_column(String(60), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
