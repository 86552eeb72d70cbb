"""Cursor connections (edges, pageInfo, totalCount) built from resolver pages."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

import strawberry

from resolvers.pagination import Page

T = TypeVar("T")


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


def _cursor(root: Edge[Any]) -> str:
    return root.cursors[root.at]


@strawberry.type
class Edge(Generic[T]):
    cursor: str = strawberry.field(resolver=_cursor)
    node: T
    cursors: strawberry.Private[Sequence[str]]  # the page's, encoded when one is selected
    at: strawberry.Private[int]


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    total_count: int | None

    @strawberry.field
    def nodes(self) -> list[T]:
        return [edge.node for edge in self.edges]


def to_connection(page: Page[Any], convert: Callable[[Any], T]) -> Connection[T]:
    cursors = page.cursors
    edges = [Edge(cursors=cursors, at=at, node=convert(row)) for at, row in enumerate(page.items)]
    return Connection(
        edges=edges,
        page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
        total_count=page.total_count,
    )


def wants_total(info: strawberry.Info) -> bool:
    """Whether the query selected `totalCount`, so the count statement runs only on demand."""
    for field in info.selected_fields:
        for selection in field.selections:
            if getattr(selection, "name", None) == "totalCount":
                return True
            # fragments: look one level into their selections
            for inner in getattr(selection, "selections", []) or []:
                if getattr(inner, "name", None) == "totalCount":
                    return True
    return False
