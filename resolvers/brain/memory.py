"""The brain's memory bank (storage/brain.py): paged reads, recall by keyword, writes.

Recall: the prompt's words (letters and digits, at least 3 characters, lower-cased, minus a
short stop list) are matched against each memory's content, case-insensitively; memories
matching more words come first, then the most recent. At most RECALL_LIMIT are read into a
task's system message, and those get `last_used_at` stamped when the task finishes (the
stamp is a write, so it waits for the task's last transaction: no write while the model
answers). `GET /api/brain/memory` pages oldest first by id, like every paged route, so its
cursors stay stable while memories are added.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, TypedDict

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import InvalidInput, NotFound
from resolvers.pagination import Page, paginate
from resolvers.validation import require_choice, require_text
from resolvers.views import OneOf, View
from storage.base import utcnow

# re-exported: the catalog reads them here (codegen/ imports no storage module)
from storage.brain import MEMORY_KINDS as MEMORY_KINDS
from storage.brain import MEMORY_SOURCES as MEMORY_SOURCES
from storage.brain import BrainMemory as MemoryRow
from storage.outbox import append_event

RECALL_LIMIT = 5
MAX_CONTENT = 4000
MAX_QUERY = 200
WORD = re.compile(r"[a-z0-9_]{3,}")
STOP_WORDS = (
    "the and for with what which who whom whose how why when where this that these those "
    "are was were has have had not but you your our can could would should does did any "
    "all about from into over under than then them they its there their give show tell"
)
STOP = frozenset(STOP_WORDS.split(" "))


class ToolRead(TypedDict):
    """One tool call a memory came from: the tool and the rows it read."""

    name: str
    rows: int
    ids: list[str]


class MemoryProvenance(TypedDict):
    """Where a memory came from: the tools and rows a task read, the approvals it filed and the
    memories it recalled (all empty for an operator's memory)."""

    tools: list[ToolRead]
    approvals: list[int]
    memories: list[int]


def provenance_of(
    tools: list[ToolRead] | None = None,
    approvals: list[int] | None = None,
    memories: list[int] | None = None,
) -> MemoryProvenance:
    return MemoryProvenance(tools=tools or [], approvals=approvals or [], memories=memories or [])


@dataclass(frozen=True, slots=True)
class BrainMemory(View):
    """One memory of the brain, with its provenance."""

    id: int
    kind: Annotated[str, OneOf(MEMORY_KINDS)]
    content: str
    source: Annotated[str, OneOf(MEMORY_SOURCES), "task: written by a brain task; operator"]
    source_id: Annotated[str | None, "the task's id; null for a direct run or an operator's"]
    provenance: MemoryProvenance
    entity_type: Annotated[str | None, "what the memory is about (strategy, approval, ...)"]
    entity_id: str | None
    created_at: datetime
    last_used_at: Annotated[datetime | None, "when a task last read it into its prompt"]


def memory_view(row: MemoryRow) -> BrainMemory:
    tools = [
        ToolRead(name=t["name"], rows=t["rows"], ids=list(t.get("ids", [])))
        for t in row.provenance.get("tools", [])
    ]
    return BrainMemory(
        id=row.id,
        kind=row.kind,
        content=row.content,
        source=row.source,
        source_id=row.source_id,
        provenance=provenance_of(
            tools,
            list(row.provenance.get("approvals", [])),
            list(row.provenance.get("memories", [])),
        ),
        entity_type=row.entity_type,
        entity_id=row.entity_id,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
    )


async def list_brain_memory(
    session: AsyncSession,
    *,
    kind: str | None = None,
    q: str | None = None,
    source: str | None = None,
    first: int | None = None,
    after: str | None = None,
    with_total: bool = True,
) -> Page[BrainMemory]:
    """A page of memories, oldest first; `kind` and `source` exact, `q` a case-insensitive
    substring of the content."""
    stmt = select(MemoryRow)
    if kind is not None:
        stmt = stmt.where(MemoryRow.kind == require_choice("kind", kind, MEMORY_KINDS))
    if source is not None:
        stmt = stmt.where(MemoryRow.source == require_choice("source", source, MEMORY_SOURCES))
    if q is not None:
        text = require_text("q", q, max_length=MAX_QUERY)
        stmt = stmt.where(func.lower(MemoryRow.content).contains(text.lower(), autoescape=True))
    page = await paginate(
        session, stmt, MemoryRow.id, first=first, after=after, with_total=with_total
    )
    return page.map(memory_view)


def words_of(text: str) -> list[str]:
    """The prompt's words recall matches on, in order, deduplicated."""
    return list(dict.fromkeys(w for w in WORD.findall(text.lower()) if w not in STOP))


async def recall(
    session: AsyncSession, *, prompt: str, limit: int = RECALL_LIMIT
) -> list[BrainMemory]:
    """The memories matching the most words of `prompt` (none when no word is left)."""
    words = words_of(prompt)[:20]
    if not words:
        return []
    content = func.lower(MemoryRow.content)
    matches = [content.contains(w, autoescape=True) for w in words]
    rows = (
        await session.scalars(
            select(MemoryRow).where(or_(*matches)).order_by(MemoryRow.id.desc()).limit(200)
        )
    ).all()
    scored = sorted(rows, key=lambda r: (-sum(w in r.content.lower() for w in words), -r.id))
    return [memory_view(row) for row in scored[:limit]]


async def mark_used(
    session: AsyncSession, *, memory_ids: list[int], at: datetime | None = None
) -> None:
    """Stamp the memories a task read (no event: reading is no state change worth announcing)."""
    if memory_ids:
        stmt = (
            update(MemoryRow)
            .where(MemoryRow.id.in_(memory_ids))
            .values(last_used_at=at or utcnow())
        )
        await session.execute(stmt)


async def write_memory(
    session: AsyncSession,
    *,
    kind: str,
    content: str,
    source: str,
    source_id: str | None = None,
    provenance: MemoryProvenance | None = None,
    entity_type: str | None = None,
    entity_id: str | None = None,
    extra: dict[str, Any] | None = None,
) -> BrainMemory:
    """Store one memory and announce it (event brain.memory.created); `extra` keys are kept
    in the row's provenance JSON but not answered (a task's proposals, for its re-run)."""
    row = MemoryRow(
        kind=require_choice("kind", kind, MEMORY_KINDS),
        content=require_text("content", content, max_length=MAX_CONTENT),
        source=require_choice("source", source, MEMORY_SOURCES),
        source_id=source_id,
        provenance={**(provenance or provenance_of()), **(extra or {})},
        entity_type=entity_type,
        entity_id=entity_id,
        created_at=utcnow(),
    )
    session.add(row)
    await session.flush()
    view = memory_view(row)
    await append_event(
        session,
        topic="brain.memory.created",
        entity_id=str(row.id),
        payload={"id": row.id, "kind": row.kind, "source": row.source, "source_id": row.source_id},
    )
    return view


async def add_brain_memory(
    session: AsyncSession,
    *,
    content: str,
    kind: str = "fact",
    entity_type: str | None = None,
    entity_id: str | None = None,
) -> BrainMemory:
    """An operator's memory (source operator): what the brain should know from now on."""
    if (entity_type is None) != (entity_id is None):
        raise InvalidInput(
            "entity_type and entity_id go together",
            code="INVALID_ENTITY",
            details={"field": "entity_id"},
        )
    return await write_memory(
        session,
        kind=kind,
        content=content,
        source="operator",
        entity_type=entity_type,
        entity_id=entity_id,
    )


async def forget_brain_memory(session: AsyncSession, *, memory_id: int) -> BrainMemory:
    """Delete one memory (404 MEMORY_NOT_FOUND), answering what was forgotten."""
    row = await session.get(MemoryRow, memory_id)
    if row is None:
        raise NotFound(
            f"memory {memory_id} not found", code="MEMORY_NOT_FOUND", details={"id": memory_id}
        )
    view = memory_view(row)
    await session.delete(row)
    await session.flush()
    await append_event(
        session, topic="brain.memory.forgotten", entity_id=str(memory_id), payload={"id": memory_id}
    )
    return view


async def task_memories(session: AsyncSession, *, task_id: int) -> list[MemoryRow]:
    """The memories a task already wrote (a task run again after a crash finds them)."""
    stmt = select(MemoryRow).where(MemoryRow.source == "task", MemoryRow.source_id == str(task_id))
    return list((await session.scalars(stmt.order_by(MemoryRow.id))).all())
