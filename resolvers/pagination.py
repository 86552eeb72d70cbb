"""Keyset pagination over integer ids with opaque cursors (stable while rows are appended)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, overload

from sqlalchemy import ColumnElement, Connection, Select, func, select
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


class Cursors(Sequence[str]):
    """The cursors of a page's items, each encoded only when asked for (a REST page answers
    only its end cursor; a GraphQL connection reads an edge's when it is selected)."""

    __slots__ = ("_keys",)

    def __init__(self, keys: Sequence[int | str]) -> None:
        self._keys = keys

    def __len__(self) -> int:
        return len(self._keys)

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        if isinstance(index, slice):
            return [encode_cursor(key) for key in self._keys[index]]
        return encode_cursor(self._keys[index])


def _after_key(after: str, key: ColumnElement[Any] | InstrumentedAttribute[Any]) -> int | str:
    raw = decode_cursor(after)
    try:
        return int(raw) if key.type.python_type is int else raw
    except ValueError:
        raise InvalidInput("not a valid cursor", code="INVALID_CURSOR") from None


def _page(rows: list[Any], limit: int, name: str, total: int | None) -> Page[Any]:
    has_next = len(rows) > limit
    rows = rows[:limit]
    cursors = Cursors([getattr(row, name) for row in rows])
    return Page(rows, cursors, has_next, cursors[-1] if rows else None, total)


def paginate_rows(
    connection: Connection,
    stmt: Select[Any],
    key: ColumnElement[Any],
    *,
    first: int | None,
    after: str | None,
    with_total: bool = False,
) -> Page[Any]:
    """`paginate` for the read path (storage/reads.py): a Core statement on a connection,
    answering Core rows."""
    limit = check_first(first)
    total = None
    if with_total:
        count = select(func.count()).select_from(stmt.order_by(None).subquery())
        total = connection.execute(count).scalar_one()
    if after is not None:
        stmt = stmt.where(key > _after_key(after, key))
    rows = list(connection.execute(stmt.order_by(key).limit(limit + 1)))
    return _page(rows, limit, key.key or "", total)


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
        stmt = stmt.where(key > _after_key(after, key))
    rows = list((await session.execute(stmt.order_by(key).limit(limit + 1))).scalars())
    return _page(rows, limit, key.key, total)
