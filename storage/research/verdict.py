"""Verdict runs and the trial register the deflated Sharpe counts.

A trial is one parameter set of one family backtested for one hypothesis (hypothesis_id 0 for
backtests outside the research tree, such as an agent's POST /backtests); running it again
updates the same row, so `runs` says how often and the Sharpe is the latest figure.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, JSONType, utcnow

NO_HYPOTHESIS = 0


class BacktestTrial(Base):
    __tablename__ = "backtest_trials"
    __table_args__ = (
        UniqueConstraint("hypothesis_id", "family", "params_key", name="uq_backtest_trials"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # no foreign key: 0 stands for "no hypothesis", and a trial outlives what it tested
    hypothesis_id: Mapped[int] = mapped_column(default=NO_HYPOTHESIS)
    family: Mapped[str] = mapped_column(String(60))
    params_key: Mapped[str] = mapped_column(String(64))  # sha256 of the canonical params JSON
    params: Mapped[dict[str, Any]] = mapped_column(JSONType)
    sharpe_annualized: Mapped[float]
    bars: Mapped[int]
    runs: Mapped[int] = mapped_column(default=1)
    first_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_at: Mapped[datetime] = mapped_column(default=utcnow)


class VerdictRun(Base):
    __tablename__ = "verdict_runs"
    __table_args__ = (Index("ix_verdict_runs_strategy_id", "strategy_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    strategy_id: Mapped[int | None] = mapped_column(
        ForeignKey("strategies.id", ondelete="SET NULL"), default=None
    )
    backtest_id: Mapped[int | None] = mapped_column(
        ForeignKey("backtests.id", ondelete="SET NULL"), default=None
    )
    family: Mapped[str] = mapped_column(String(60))
    params: Mapped[dict[str, Any]] = mapped_column(JSONType)
    dataset: Mapped[dict[str, Any]] = mapped_column(JSONType)
    verdict: Mapped[str] = mapped_column(String(10))
    tests: Mapped[list[Any]] = mapped_column(JSONType)
    trials: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    elapsed_ms: Mapped[float] = mapped_column(default=0.0)
