"""The agent's status changes and evaluation windows, journaled and streamed: what both the
operator's actions (resolvers/halyrd/lifecycle.py) and the evaluation that moves an agent by
itself (resolvers/halyrd/evaluation.py) use."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.agent_roster import trading_agent_payload
from resolvers.halyrd.events import emit
from resolvers.halyrd.journal import append_entry
from resolvers.halyrd.journal_data import JournalStatus
from resolvers.notifications import raise_notification
from storage.trading_agents import AGENT_STATUSES, TradingAgent


async def set_status(
    session: AsyncSession,
    *,
    agent: TradingAgent,
    status: str,
    phase: str,
    reason: str,
    now: datetime,
) -> None:
    """Change the agent's status and phase, journal it and stream a `status` event."""
    if status not in AGENT_STATUSES or phase not in ("paper", "live"):
        raise ValueError(f"unknown status/phase {status}/{phase}")
    previous = agent.status
    agent.status = status
    agent.phase = phase
    agent.status_changed_at = now
    agent.status_reason = reason[:500]
    await session.flush()
    data: JournalStatus = {
        "id": agent.id,
        "status": status,
        "phase": phase,
        "previous": previous,
        "reason": reason,
    }
    await append_entry(
        session,
        agent_id=agent.id,
        kind="status",
        message=f"{previous} -> {status}: {reason}",
        data=data,
        ts=now,
    )
    # the event describes the agent as GET /agents/{id} answers it, plus what changed
    event = {**trading_agent_payload(agent), "previous": previous, "reason": reason}
    await emit(session, agent_id=agent.id, event_type="status", ts=now, data=event)
    if status == "DEMOTED" or (previous == "LIVE" and status == "PAPER"):
        await raise_notification(
            session,
            type="agent.demoted",
            severity="warning",
            source="lifecycle",
            title=f"Trading agent {agent.id} was demoted ({previous} -> {status})",
            body=reason,
            entity_type="trading_agent",
            entity_id=agent.id,
            now=now,
        )


async def restart_window(
    session: AsyncSession, *, agent: TradingAgent, reason: str, now: datetime
) -> None:
    """Start a fresh evaluation window (and with it a fresh drawdown peak) at `now`, journaled."""
    agent.window_started_at = now
    await session.flush()
    await append_entry(
        session,
        agent_id=agent.id,
        kind="status",
        message=f"evaluation window restarted: {reason}",
        data={"id": agent.id, "window_started_at": now.isoformat(), "reason": reason},
        ts=now,
    )
