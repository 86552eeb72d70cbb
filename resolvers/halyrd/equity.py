"""Equity snapshots: `ts, equity, phase, dd_from_peak` with dd_from_peak = 1 - equity / peak,
where the peak is the running maximum of the agent's whole history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.halyrd.events import emit
from storage.halyrd import AgentEquity


@dataclass(frozen=True)
class EquitySnapshot:
    ts: datetime
    equity: float
    phase: str
    dd_from_peak: float


def drawdown(equity: float, peak: float) -> float:
    """1 - equity / peak, never negative; 0 while the peak is not positive."""
    return max(0.0, 1.0 - equity / peak) if peak > 0 else 0.0


def snapshot_of(row: AgentEquity) -> EquitySnapshot:
    return EquitySnapshot(
        ts=datetime.fromtimestamp(row.ts_s, tz=UTC),
        equity=row.equity,
        phase=row.phase,
        dd_from_peak=drawdown(row.equity, row.peak),
    )


async def record_snapshot(
    session: AsyncSession, *, agent_id: str, ts: datetime, equity: float, phase: str
) -> EquitySnapshot:
    """Store one snapshot (one per agent per second: a second one in the same second replaces
    nothing and is skipped) and stream it as an `equity` event."""
    ts_s = int(ts.timestamp())
    existing = await session.scalar(
        select(AgentEquity).where(
            AgentEquity.trading_agent_id == agent_id, AgentEquity.ts_s == ts_s
        )
    )
    if existing is not None:
        return snapshot_of(existing)
    previous = await session.scalar(
        select(func.max(AgentEquity.peak)).where(AgentEquity.trading_agent_id == agent_id)
    )
    peak = max(equity, previous) if previous is not None else equity
    row = AgentEquity(trading_agent_id=agent_id, ts_s=ts_s, equity=equity, phase=phase, peak=peak)
    session.add(row)
    await session.flush()
    snapshot = snapshot_of(row)
    data = {
        "ts": snapshot.ts.isoformat(),
        "equity": snapshot.equity,
        "phase": snapshot.phase,
        "dd_from_peak": snapshot.dd_from_peak,
    }
    await emit(session, agent_id=agent_id, event_type="equity", ts=snapshot.ts, data=data)
    return snapshot
