"""What a Halyrd agent leaves behind, as GraphQL types: journal entries and refused orders
(its equity snapshots and journal pages are the generated types as they are)."""

from __future__ import annotations

import strawberry

from schema.extend import extends
from schema.generated import halyrd_blocks, halyrd_journal


@extends
class JournalEntry(halyrd_journal.JournalEntry):
    # GraphQL typed these Int and String before the journal became a view; kept so
    id: int  # type: ignore[assignment]
    kind: str  # type: ignore[assignment]


@extends
class RiskBlock(halyrd_blocks.RiskBlock):
    layer: str  # type: ignore[assignment]  # String in GraphQL, the RiskBlockLayer enum in REST


@extends
class JournalPage(halyrd_journal.JournalPage):
    # The generated JournalPage would nest the generated JournalEntry (the lazy reference to
    # the subclass above resolves to its namesake in the same generated module), so it is
    # named here.
    entries: list[JournalEntry] = strawberry.field(description="Newest first.")  # type: ignore[assignment]
