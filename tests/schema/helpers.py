"""GraphQL over the in-process app, and a SQL statement counter."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.reads import POOL


async def gql(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables or {}})
    assert response.headers["content-type"].startswith("application/"), response.text
    body: dict[str, Any] = response.json()
    return body


def error_codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors") or []]


@contextmanager
def count_statements(factory: async_sessionmaker[AsyncSession]) -> Iterator[list[str]]:
    """Collects every SQL statement the factory's sessions send while the block runs, on
    their engine and on the read path's (storage/reads.py)."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(("PRAGMA", "BEGIN", "COMMIT", "ROLLBACK")):
            seen.append(statement)

    pool = factory.kw.get("info", {}).get(POOL)
    engines = [factory.kw["bind"].sync_engine, *(pool.engines if pool is not None else ())]
    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)
