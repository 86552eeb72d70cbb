"""The agent's journal: every decision, fill, skip and refusal, newest first.

Entries are appended by the runtime and the order pipeline; each one is also streamed as a
`journal` event. Reading pages with keyset cursors on the entry id: a cursor names the last
entry a page returned and the next page holds the entries below it, so entries appended while
a client pages land above its cursor and never shift what it reads next (no duplicate, no
gap), and a page costs one seek in the (agent, id) index however long the journal is.

On SQLite writers are serialized, so ids follow commit order. On PostgreSQL an id is taken at
insert time: an entry whose transaction commits after a higher-numbered one can land below a
cursor already handed out; a client then meets it on a later page (never twice, and no entry
that existed when it started paging is missed).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.agent_roster import get_trading_agent
from resolvers.errors import InvalidInput
from resolvers.halyrd.events import emit
from resolvers.halyrd.journal_data import JournalData
from resolvers.views import Choices, View, from_row, to_payload
from storage.base import utcnow
from storage.halyrd import JournalEntry as JournalRow

JOURNAL_KIND = Choices(
    "JournalEntryKind", ("decision", "order", "fill", "skip", "block", "status", "config", "note")
)
KINDS = JOURNAL_KIND.values
DEFAULT_LIMIT = 50
MAX_LIMIT = 500
CURSOR_PREFIX = "j:"
CURSOR_KEY = re.compile(r"[1-9][0-9]{0,18}")
MAX_ID = 2**63 - 1


@dataclass(frozen=True, slots=True)
class JournalEntry(View):
    """One line of an agent's journal."""

    id: int
    ts: datetime
    kind: Annotated[str, JOURNAL_KIND]
    message: str
    data: Annotated[JournalData, "what the entry records; its shape follows `kind`"]


@dataclass(frozen=True, slots=True)
class JournalPage(View):
    """A page of an agent's journal."""

    entries: Annotated[list[JournalEntry], "newest first"]
    next_cursor: Annotated[str | None, "pass as `cursor` for older entries; null on the last page"]


def journal_view(row: JournalRow) -> JournalEntry:
    """The API's view of a journal row."""
    return from_row(JournalEntry, row)


def journal_payload(row: JournalRow) -> dict[str, Any]:
    """A `journal` event's payload: the entry as the REST API answers it."""
    return to_payload(journal_view(row))


async def append_entry(
    session: AsyncSession,
    *,
    agent_id: str,
    kind: str,
    message: str,
    data: JournalData | None = None,
    ts: datetime | None = None,
) -> JournalRow:
    """Add one entry (and its `journal` event) to the current transaction."""
    if kind not in KINDS:
        raise ValueError(f"unknown journal kind {kind!r}")
    row = JournalRow(
        trading_agent_id=agent_id,
        ts=ts or utcnow(),
        kind=kind,
        message=message[:500],
        data=dict(data or {}),
    )
    session.add(row)
    await session.flush()
    await emit(
        session, agent_id=agent_id, event_type="journal", ts=row.ts, data=journal_payload(row)
    )
    return row


def encode_cursor(entry_id: int) -> str:
    """Opaque to clients: urlsafe base64 of `j:<id>` without padding."""
    return base64.urlsafe_b64encode(f"{CURSOR_PREFIX}{entry_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The entry id inside a journal cursor; anything else is a 422 INVALID_CURSOR."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = base64.b64decode(padded, altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raw = ""
    key = raw.removeprefix(CURSOR_PREFIX)
    valid = raw.startswith(CURSOR_PREFIX) and CURSOR_KEY.fullmatch(key) is not None
    if not valid or int(key) > MAX_ID:
        raise InvalidInput(
            "not a journal cursor: pass a next_cursor this endpoint returned",
            code="INVALID_CURSOR",
            details={"field": "cursor"},
        )
    return int(key)


async def page_journal(
    session: AsyncSession, *, agent_id: str, cursor: str | None = None, limit: int | None = None
) -> JournalPage:
    """One page of the agent's journal (`current` allowed), newest first.

    `limit` is 1 to 500 (default 50). `next_cursor` continues below the page's last entry and
    is None once nothing older is left.
    """
    size = DEFAULT_LIMIT if limit is None else limit
    if not 1 <= size <= MAX_LIMIT:
        raise InvalidInput(
            f"limit must be between 1 and {MAX_LIMIT}", details={"field": "limit", "value": limit}
        )
    before = decode_cursor(cursor) if cursor is not None else None
    agent = await get_trading_agent(session, agent_id=agent_id)
    stmt = select(JournalRow).where(JournalRow.trading_agent_id == agent.id)
    if before is not None:
        stmt = stmt.where(JournalRow.id < before)
    stmt = stmt.order_by(JournalRow.id.desc())
    rows = list((await session.execute(stmt.limit(size + 1))).scalars())
    entries = [journal_view(row) for row in rows[:size]]
    more = len(rows) > size
    return JournalPage(entries=entries, next_cursor=encode_cursor(entries[-1].id) if more else None)
