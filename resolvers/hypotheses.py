"""Hypotheses: create (by hand or from a web page), read, list with filters, edit.

Decisions where the seed is silent:
- List views: all (default), active and archived (by status), untested (no child strategy
  yet) and tested (at least one). `search` is a case-insensitive substring of the title,
  thesis, mechanism or novelty, with LIKE wildcards taken literally; `lane` is exact.
- From a URL: the page's title (at most 200 characters) and its visible text, clipped to
  THESIS_CHARS, become title and thesis; mechanism and novelty stay empty for the operator
  to write. The preview returns exactly what from_url would store, and stores nothing.
- An edit changes only the fields it names, validated as on create, and must name one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from sqlalchemy import Connection, Row, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import InvalidInput, NotFound
from resolvers.hypothesis_fetch import MAX_URL, clip, fetch_page
from resolvers.lab.services import Lab
from resolvers.pagination import Page, paginate
from resolvers.validation import require_choice, require_text
from resolvers.views import View, from_row, to_payload
from storage.hypotheses import Hypothesis as HypothesisRow
from storage.outbox import append_event
from storage.reads import read
from storage.strategies import Strategy

HYPOTHESIS_STATUSES = ("active", "archived")
SOURCES = ("manual", "url", "generated", "demo")
VIEWS = ("all", "active", "archived", "untested", "tested")
THESIS_CHARS = 2_000  # of page text taken as a thesis from a URL
TEXT_FIELDS = ("title", "thesis", "mechanism", "novelty")
LIMITS = {"title": 200, "thesis": 20_000, "mechanism": 20_000, "novelty": 20_000}


@dataclass(frozen=True, slots=True)
class Hypothesis(View):
    """A research thesis; strategies descend from it."""

    id: int
    title: str
    thesis: str
    mechanism: str
    novelty: str
    lane: str
    status: str
    source: str
    source_url: str | None
    created_at: datetime
    updated_at: datetime


def hypothesis_view(row: HypothesisRow | Row[Any]) -> Hypothesis:
    """The API's view of a hypothesis row."""
    return from_row(Hypothesis, row)


def hypothesis_payload(row: HypothesisRow) -> dict[str, object]:
    """A hypothesis event's payload: the hypothesis as the REST API answers it."""
    return to_payload(hypothesis_view(row))


def _text(field: str, value: str) -> str:
    return require_text(field, value, max_length=LIMITS[field], allow_empty=field != "title")


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
    """Record a new hypothesis and announce it (add_hypothesis), answering its view."""
    row = await add_hypothesis(
        session,
        title=title,
        thesis=thesis,
        mechanism=mechanism,
        novelty=novelty,
        lane=lane,
        source=source,
        source_url=source_url,
    )
    return hypothesis_view(row)


async def add_hypothesis(
    session: AsyncSession,
    *,
    title: str,
    thesis: str = "",
    mechanism: str = "",
    novelty: str = "",
    lane: str = "general",
    source: str = "manual",
    source_url: str | None = None,
) -> HypothesisRow:
    """Record a new hypothesis and announce it."""
    texts = (title, thesis, mechanism, novelty)
    row = HypothesisRow(
        **{name: _text(name, value) for name, value in zip(TEXT_FIELDS, texts, strict=True)},
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
    return hypothesis_view(await hypothesis_row(session, hypothesis_id=hypothesis_id))


async def hypothesis_row(session: AsyncSession, *, hypothesis_id: int) -> HypothesisRow:
    row = await session.get(HypothesisRow, hypothesis_id)
    if row is None:
        raise NotFound(f"hypothesis {hypothesis_id} not found", details={"id": hypothesis_id})
    return row


async def get_hypotheses_by_ids(
    session: AsyncSession, *, ids: Sequence[int]
) -> list[Hypothesis | None]:
    """Batch read in the order of `ids` (None where missing), for DataLoaders (on the read
    path: storage/reads.py)."""
    rows = await read(session, _hypotheses_by_ids, ids)
    found = {row.id: hypothesis_view(row) for row in rows}
    return [found.get(i) for i in ids]


def _hypotheses_by_ids(connection: Connection, ids: Sequence[int]) -> list[Row[Any]]:
    table = HypothesisRow.__table__
    return list(connection.execute(select(table).where(table.c.id.in_(ids))))


async def list_hypotheses(
    session: AsyncSession,
    *,
    view: str | None = None,
    status: str | None = None,
    lane: str | None = None,
    search: str | None = None,
    first: int | None = None,
    after: str | None = None,
    with_total: bool = True,
) -> Page[Hypothesis]:
    """A page of hypotheses, oldest first, filtered by view, status, lane and text."""
    stmt = select(HypothesisRow)
    tested = exists().where(Strategy.hypothesis_id == HypothesisRow.id)
    if view is not None:
        view = require_choice("view", view, VIEWS)
    if view in ("active", "archived"):
        stmt = stmt.where(HypothesisRow.status == view)
    elif view == "tested":
        stmt = stmt.where(tested)
    elif view == "untested":
        stmt = stmt.where(~tested)
    if status is not None:
        stmt = stmt.where(
            HypothesisRow.status == require_choice("status", status, HYPOTHESIS_STATUSES)
        )
    if lane is not None:
        stmt = stmt.where(HypothesisRow.lane == lane)
    if search and search.strip():
        literal = search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        columns = (
            HypothesisRow.title,
            HypothesisRow.thesis,
            HypothesisRow.mechanism,
            HypothesisRow.novelty,
        )
        stmt = stmt.where(or_(*(c.ilike(f"%{literal}%", escape="\\") for c in columns)))
    page = await paginate(
        session, stmt, HypothesisRow.id, first=first, after=after, with_total=with_total
    )
    return page.map(hypothesis_view)


async def update_hypothesis(
    session: AsyncSession,
    *,
    hypothesis_id: int,
    title: str | None = None,
    thesis: str | None = None,
    mechanism: str | None = None,
    novelty: str | None = None,
) -> Hypothesis:
    """Edit the named text fields of a hypothesis and announce it."""
    given = {
        name: value
        for name, value in zip(TEXT_FIELDS, (title, thesis, mechanism, novelty), strict=True)
        if value is not None
    }
    if not given:
        raise InvalidInput(
            "nothing to update: give title, thesis, mechanism or novelty",
            code="NOTHING_TO_UPDATE",
        )
    row = await hypothesis_row(session, hypothesis_id=hypothesis_id)
    checked = {name: _text(name, value) for name, value in given.items()}  # all, then write
    for name, value in checked.items():
        setattr(row, name, value)
    await session.flush()
    await append_event(
        session,
        topic="hypothesis.updated",
        entity_id=str(row.id),
        payload={**hypothesis_payload(row), "fields": sorted(checked)},
    )
    return hypothesis_view(row)


@dataclass(frozen=True, slots=True)
class HypothesisPreview(View):
    """The hypothesis a URL would create (nothing is stored)."""

    url: Annotated[str, "the URL as requested"]
    source_url: Annotated[str, "the page's URL after redirects"]
    title: str
    thesis: str
    mechanism: str
    novelty: str
    lane: str
    source: str


async def preview_hypothesis_url(
    session: AsyncSession, *, url: str, lane: str = "general", lab: Lab
) -> HypothesisPreview:
    """Fetch `url` and return the hypothesis from_url would create from it."""
    lane = require_text("lane", lane, max_length=40)
    config = lab.config
    page = await fetch_page(
        url, timeout_seconds=config.fetch_timeout_seconds, max_bytes=config.fetch_max_bytes
    )
    return HypothesisPreview(
        url=page.url,
        source_url=page.final_url if len(page.final_url) <= MAX_URL else page.url,
        title=page.title,
        thesis=clip(page.text or page.description or "", THESIS_CHARS),
        mechanism="",
        novelty="",
        lane=lane,
        source="url",
    )


async def create_hypothesis_from_url(
    session: AsyncSession, *, url: str, lane: str = "general", lab: Lab
) -> Hypothesis:
    """Fetch `url` and record the hypothesis its page describes (source "url")."""
    preview = await preview_hypothesis_url(session, url=url, lane=lane, lab=lab)
    return await create_hypothesis(
        session,
        title=preview.title,
        thesis=preview.thesis,
        lane=preview.lane,
        source="url",
        source_url=preview.source_url,
    )
