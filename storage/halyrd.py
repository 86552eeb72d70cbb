"""What a Halyrd trading agent leaves behind: equity, journal, orders, refusals, config versions,
and backtests. The agent row itself lives in storage/trading_agents.py.

Equity timestamps are integer epoch seconds (`ts_s`) so that resampling is an integer bucket
expression both SQLite and PostgreSQL aggregate in SQL; one snapshot per agent per second.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, JSONType, utcnow

AGENT_FK = "trading_agents.id"
LAYERS = ("policy", "quote", "mode", "signing")


class AgentEquity(Base):
    __tablename__ = "agent_equity"
    __table_args__ = (
        UniqueConstraint("trading_agent_id", "ts_s", name="agent_ts"),
        CheckConstraint("phase IN ('paper', 'live')", name="phase"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trading_agent_id: Mapped[str] = mapped_column(ForeignKey(AGENT_FK, ondelete="CASCADE"))
    ts_s: Mapped[int] = mapped_column(BigInteger)
    equity: Mapped[float]
    phase: Mapped[str] = mapped_column(String(10))
    peak: Mapped[float]  # running max of equity up to and including this snapshot


class JournalEntry(Base):
    __tablename__ = "agent_journal"
    __table_args__ = (Index("ix_agent_journal_agent_id", "trading_agent_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    trading_agent_id: Mapped[str] = mapped_column(ForeignKey(AGENT_FK, ondelete="CASCADE"))
    ts: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(String(500))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class AgentOrder(Base):
    """Every order the agent (or an operator) submitted, filled or refused."""

    __tablename__ = "agent_orders"
    __table_args__ = (
        CheckConstraint("side IN ('buy', 'sell')", name="side"),
        CheckConstraint("phase IN ('paper', 'live')", name="phase"),
        CheckConstraint("status IN ('filled', 'blocked')", name="status"),
        CheckConstraint("size > 0", name="size_positive"),
        Index("ix_agent_orders_agent_id", "trading_agent_id", "id"),
        Index("ix_agent_orders_agent_phase_ts", "trading_agent_id", "phase", "ts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trading_agent_id: Mapped[str] = mapped_column(ForeignKey(AGENT_FK, ondelete="CASCADE"))
    ts: Mapped[datetime] = mapped_column(default=utcnow)
    symbol: Mapped[str] = mapped_column(String(40))
    side: Mapped[str] = mapped_column(String(4))
    size: Mapped[float]
    price: Mapped[float]  # fill price when filled, the quoted mid when refused
    notional: Mapped[float]
    phase: Mapped[str] = mapped_column(String(10))
    intent: Mapped[str] = mapped_column(String(10))  # entry, exit or manual
    status: Mapped[str] = mapped_column(String(10))
    code: Mapped[str | None] = mapped_column(String(40), default=None)
    tx_hash: Mapped[str | None] = mapped_column(String(80), default=None)
    trade_id: Mapped[int | None] = mapped_column(
        ForeignKey("trades.id", ondelete="SET NULL"), default=None
    )

    @property
    def order_ref(self) -> str:
        return f"ord_{self.id}"


class RiskBlock(Base):
    """One refused order: which layer, which rule, why."""

    __tablename__ = "agent_risk_blocks"
    __table_args__ = (
        CheckConstraint("layer IN ('policy', 'quote', 'mode', 'signing')", name="layer"),
        Index("ix_agent_risk_blocks_agent_id", "trading_agent_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trading_agent_id: Mapped[str] = mapped_column(ForeignKey(AGENT_FK, ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(ForeignKey("agent_orders.id", ondelete="CASCADE"))
    ts: Mapped[datetime] = mapped_column(default=utcnow)
    layer: Mapped[str] = mapped_column(String(10))
    rule: Mapped[str] = mapped_column(String(40))
    code: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(500))

    @property
    def order_ref(self) -> str:
        return f"ord_{self.order_id}"


class ConfigVersion(Base):
    """One configuration the agent ran (or runs) with; parent links form a tree."""

    __tablename__ = "agent_config_versions"
    __table_args__ = (Index("ix_agent_config_versions_agent_id", "trading_agent_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trading_agent_id: Mapped[str] = mapped_column(ForeignKey(AGENT_FK, ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("agent_config_versions.id", ondelete="SET NULL"), default=None
    )
    change: Mapped[str] = mapped_column(String(20))  # initial, watchlist, config, spawn
    params: Mapped[dict[str, Any]] = mapped_column(JSONType)
    params_summary: Mapped[str] = mapped_column(String(500))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    outcome: Mapped[dict[str, Any] | None] = mapped_column(JSONType, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Backtest(Base):
    __tablename__ = "backtests"
    __table_args__ = (CheckConstraint("status IN ('completed', 'failed')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trading_agent_id: Mapped[str | None] = mapped_column(
        ForeignKey(AGENT_FK, ondelete="SET NULL"), default=None
    )
    spec: Mapped[dict[str, Any]] = mapped_column(JSONType)
    dataset: Mapped[dict[str, Any]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(10))
    result: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    gates: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def passed(self) -> bool:
        """Completed, and every gate passed."""
        return self.status == "completed" and all(gate["passed"] for gate in self.gates)
