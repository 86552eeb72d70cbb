"""Keyset pagination over integer ids with opaque cursors (stable while rows are appended)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from resolvers.errors import InvalidInput

T = TypeVar("T")
U = TypeVar("U")

DEFAULT_PAGE = 50
MAX_PAGE = 500


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: Sequence[T]
    cursors: Sequence[str]
    has_next_page: bool
    end_cursor: str | None
    total_count: int | None = None

    def map(self, convert: Callable[[T], U]) -> Page[U]:
        """The same page with each item converted (rows to their views)."""
        return Page(
            [convert(item) for item in self.items],
            self.cursors,
            self.has_next_page,
            self.end_cursor,
            self.total_count,
        )


def encode_cursor(key: int | str) -> str:
    return base64.urlsafe_b64encode(f"v1:{key}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    """The key inside a cursor; anything that is not one of ours is a 422."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = base64.b64decode(padded, altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raw = ""
    if not raw.startswith("v1:") or len(raw) == 3:
        raise InvalidInput("not a valid cursor", code="INVALID_CURSOR", details={"cursor": cursor})
    return raw[3:]


def check_first(first: int | None) -> int:
    if first is None:
        return DEFAULT_PAGE
    if first < 0 or first > MAX_PAGE:
        raise InvalidInput(
            f"first must be between 0 and {MAX_PAGE}",
            code="INVALID_ARGUMENT",
            details={"first": first},
        )
    return first


async def paginate(
    session: AsyncSession,
    stmt: Select[Any],
    key: InstrumentedAttribute[Any],
    *,
    first: int | None,
    after: str | None,
    with_total: bool = False,
) -> Page[Any]:
    """One page of `stmt` ordered by `key` ascending, starting after the cursor."""
    limit = check_first(first)
    total = None
    if with_total:
        total = (
            await session.execute(select(func.count()).select_from(stmt.order_by(None).subquery()))
        ).scalar_one()
    if after is not None:
        raw = decode_cursor(after)
        try:
            after_key: int | str = int(raw) if key.type.python_type is int else raw
        except ValueError:
            raise InvalidInput("not a valid cursor", code="INVALID_CURSOR") from None
        stmt = stmt.where(key > after_key)
    rows = list((await session.execute(stmt.order_by(key).limit(limit + 1))).scalars())
    has_next = len(rows) > limit
    rows = rows[:limit]
    name = key.key
    cursors = [encode_cursor(getattr(row, name)) for row in rows]
    return Page(rows, cursors, has_next, cursors[-1] if cursors else None, total)
