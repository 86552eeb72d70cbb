"""The job table: every long piece of work (gauntlet steps, fetches, brain tasks) as one row
with a status, a lease and a heartbeat (resolvers/jobs.py moves it, server/workers.py runs it).

Status transitions:
    queued    -> running     claimed by a worker (attempts + 1, a lease for its owner)
    running   -> succeeded   the handler returned its result
    running   -> queued      failed with attempts left (run_after = backoff), released by a
                             stopping worker, or recovered by the sweeper (recovered_at set)
    running   -> failed      failed for good: attempts used up, or a refusal not worth retrying
    queued    -> cancelled   cancelled before it ran
    running   -> cancelled   cancelled while running: its worker sees it at the next heartbeat
    failed    -> queued      retried by an operator (attempts reset)
    cancelled -> queued      likewise
succeeded is final.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, JSONType, utcnow

JOB_STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")
FINISHED = ("succeeded", "failed", "cancelled")


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint(
            "status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')", name="status"
        ),
        CheckConstraint("progress >= 0 AND progress <= 1", name="progress_range"),
        CheckConstraint("max_attempts >= 1", name="max_attempts_positive"),
        # the claim: queued rows of some kinds that are due, oldest first
        Index("ix_jobs_status_kind_run_after", "status", "kind", "run_after"),
        # the sweep: running rows by lease expiry
        Index("ix_jobs_status_lease_expires_at", "status", "lease_expires_at"),
        Index("ix_jobs_kind_id", "kind", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(80))
    # idempotency key: enqueueing the same key again answers the existing row
    key: Mapped[str | None] = mapped_column(String(200), unique=True, default=None)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONType, default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    progress: Mapped[float] = mapped_column(default=0.0)
    progress_message: Mapped[str] = mapped_column(String(500), default="")
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=3)
    lease_owner: Mapped[str | None] = mapped_column(String(200), default=None)
    lease_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    heartbeat_at: Mapped[datetime | None] = mapped_column(default=None)
    run_after: Mapped[datetime] = mapped_column(default=utcnow)
    # set when the sweeper took the job back from an owner that stopped heartbeating
    recovered_at: Mapped[datetime | None] = mapped_column(default=None)
    # the progress-event throttle (resolvers/jobs.py): when the last one went out, and
    # whether the row holds progress no event has carried yet
    progress_event_at: Mapped[datetime | None] = mapped_column(default=None)
    progress_unreported: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
