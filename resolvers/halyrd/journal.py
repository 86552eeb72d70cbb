"""The agent's journal: every decision, fill, skip and refusal, newest first.

Entries are appended by the runtime and the order pipeline; each one is also streamed as a
`journal` event.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.halyrd.events import emit
from storage.base import utcnow
from storage.halyrd import JournalEntry

KINDS = ("decision", "order", "fill", "skip", "block", "status", "config", "note")


def journal_payload(row: JournalEntry) -> dict[str, Any]:
    return {
        "id": row.id,
        "ts": row.ts.isoformat(),
        "kind": row.kind,
        "message": row.message,
        "data": row.data,
    }


async def append_entry(
    session: AsyncSession,
    *,
    agent_id: str,
    kind: str,
    message: str,
    data: dict[str, Any] | None = None,
    ts: datetime | None = None,
) -> JournalEntry:
    """Add one entry (and its `journal` event) to the current transaction."""
    if kind not in KINDS:
        raise ValueError(f"unknown journal kind {kind!r}")
    row = JournalEntry(
        trading_agent_id=agent_id,
        ts=ts or utcnow(),
        kind=kind,
        message=message[:500],
        data=data or {},
    )
    session.add(row)
    await session.flush()
    await emit(
        session, agent_id=agent_id, event_type="journal", ts=row.ts, data=journal_payload(row)
    )
    return row
