"""Hypotheses: create, read, list with filters."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import NotFound
from resolvers.pagination import Page, paginate
from resolvers.validation import require_choice, require_text
from storage.hypotheses import Hypothesis
from storage.outbox import append_event

HYPOTHESIS_STATUSES = ("active", "archived")
SOURCES = ("manual", "url", "generated", "demo")


def hypothesis_payload(row: Hypothesis) -> dict[str, object]:
    return {"id": row.id, "title": row.title, "lane": row.lane, "status": row.status}


async def create_hypothesis(
    session: AsyncSession,
    *,
    title: str,
    thesis: str = "",
    mechanism: str = "",
    novelty: str = "",
    lane: str = "general",
    source: str = "manual",
    source_url: str | None = None,
) -> Hypothesis:
    """Record a new hypothesis and announce it."""
    row = Hypothesis(
        title=require_text("title", title, max_length=200),
        thesis=require_text("thesis", thesis, max_length=20_000, allow_empty=True),
        mechanism=require_text("mechanism", mechanism, max_length=20_000, allow_empty=True),
        novelty=require_text("novelty", novelty, max_length=20_000, allow_empty=True),
        lane=require_text("lane", lane, max_length=40),
        source=require_choice("source", source, SOURCES),
        source_url=source_url,
        status="active",
    )
    session.add(row)
    await session.flush()
    await append_event(
        session, topic="hypothesis.created", entity_id=str(row.id), payload=hypothesis_payload(row)
    )
    return row


async def get_hypothesis(session: AsyncSession, *, hypothesis_id: int) -> Hypothesis:
    """One hypothesis by id, or NOT_FOUND."""
    row = await session.get(Hypothesis, hypothesis_id)
    if row is None:
        raise NotFound(f"hypothesis {hypothesis_id} not found", details={"id": hypothesis_id})
    return row


async def get_hypotheses_by_ids(
    session: AsyncSession, *, ids: Sequence[int]
) -> list[Hypothesis | None]:
    """Batch read in the order of `ids` (None where missing), for DataLoaders."""
    rows = (await session.execute(select(Hypothesis).where(Hypothesis.id.in_(ids)))).scalars()
    found = {row.id: row for row in rows}
    return [found.get(i) for i in ids]


async def list_hypotheses(
    session: AsyncSession,
    *,
    status: str | None = None,
    lane: str | None = None,
    search: str | None = None,
    first: int | None = None,
    after: str | None = None,
    with_total: bool = True,
) -> Page[Hypothesis]:
    """A page of hypotheses, oldest first, filtered by status, lane and text."""
    stmt = select(Hypothesis)
    if status is not None:
        stmt = stmt.where(
            Hypothesis.status == require_choice("status", status, HYPOTHESIS_STATUSES)
        )
    if lane is not None:
        stmt = stmt.where(Hypothesis.lane == lane)
    if search:
        pattern = f"%{search.strip()}%"
        stmt = stmt.where(or_(Hypothesis.title.ilike(pattern), Hypothesis.thesis.ilike(pattern)))
    return await paginate(
        session, stmt, Hypothesis.id, first=first, after=after, with_total=with_total
    )
