"""Gauntlet workflows: one per strategy run through the battery, one step per verdict test.

A step's work runs as a job (storage/jobs.py); the step keeps the outcome a user reads.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, JSONType, utcnow


class GauntletWorkflow(Base):
    __tablename__ = "gauntlet_workflows"
    __table_args__ = (Index("ix_gauntlet_workflows_strategy_id", "strategy_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    strategy_id: Mapped[int] = mapped_column(ForeignKey("strategies.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20))
    family: Mapped[str] = mapped_column(String(60))
    params: Mapped[dict[str, Any]] = mapped_column(JSONType)
    dataset: Mapped[dict[str, Any]] = mapped_column(JSONType)
    # the trial register as it stood at creation, so a step run later (or again, after a
    # crash) deflates the Sharpe ratio by the same count
    trials: Mapped[int] = mapped_column(default=1)
    trial_sharpes: Mapped[list[float]] = mapped_column(JSONType, default=list)
    seed: Mapped[int] = mapped_column(default=0)  # the resampling tests' seed
    # steps the current resume may still start; null: no limit
    step_budget: Mapped[int | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)


class GauntletStep(Base):
    __tablename__ = "gauntlet_steps"
    __table_args__ = (UniqueConstraint("workflow_id", "name", name="uq_gauntlet_steps"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workflow_id: Mapped[int] = mapped_column(
        ForeignKey("gauntlet_workflows.id", ondelete="CASCADE")
    )
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))
    job_id: Mapped[int | None] = mapped_column(default=None)
    attempts: Mapped[int] = mapped_column(default=0)
    progress: Mapped[float] = mapped_column(default=0.0)
    message: Mapped[str] = mapped_column(String(200), default="")
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONType, default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    queued_at: Mapped[datetime | None] = mapped_column(default=None)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
