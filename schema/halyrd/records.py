"""What a Halyrd agent leaves behind, as GraphQL types: equity, journal, refused orders."""

from __future__ import annotations

from datetime import datetime
from typing import cast

import strawberry

from resolvers.halyrd.journal import JournalPage as PageResult
from schema.scalars import JSON
from storage.halyrd import JournalEntry as JournalRow
from storage.halyrd import RiskBlock as BlockRow


@strawberry.type
class JournalEntry:
    id: int
    ts: datetime
    kind: str
    message: str
    data: JSON

    @classmethod
    def from_row(cls, row: JournalRow) -> JournalEntry:
        return cls(
            id=row.id, ts=row.ts, kind=row.kind, message=row.message, data=cast(JSON, row.data)
        )


@strawberry.type(description="Newest first; pass `nextCursor` as `cursor` for older entries.")
class JournalPage:
    entries: list[JournalEntry]
    next_cursor: str | None

    @classmethod
    def of(cls, page: PageResult) -> JournalPage:
        return cls(
            entries=[JournalEntry.from_row(e) for e in page.entries], next_cursor=page.next_cursor
        )


@strawberry.type(description="An order refused by the policy, quote, mode or signing layer.")
class RiskBlock:
    ts: datetime
    layer: str
    rule: str
    reason: str
    order_ref: str
    code: str

    @classmethod
    def from_row(cls, row: BlockRow) -> RiskBlock:
        return cls(
            ts=row.ts, layer=row.layer, rule=row.rule, reason=row.reason,
            order_ref=row.order_ref, code=row.code,
        )  # fmt: skip
