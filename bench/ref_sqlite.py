"""Reference app (c), benchmark only: minimal Starlette + stdlib sqlite3 + orjson.

What this machine does for the two measured reads with the least in the way: two Starlette
routes, one stdlib `sqlite3` connection opened at start-up and used from the event loop's
thread (each query runs inline, no thread hop; sqlite3 caches the prepared statements), rows
zipped with their column names into dicts and encoded with orjson. It reads the SAME SQLite
file Tradegraph serves (its data dir's `tradegraph.db`) and answers the two reads
bench/refkit.py describes, `GET /agents/{id}` and `GET /api/strategies`, with Tradegraph's
bytes.

It does the work an answer needs, no less: each timestamp is parsed and marked UTC (SQLite
stores them naive; orjson then writes them as Tradegraph does, `+00:00`, without a fraction
when it is zero), `params` is decoded from its JSON text, the total is counted on every page.
Only what those requests need is here: no filters, no `current` alias, no error envelope (a
bad `limit` or cursor is a plain 422, an unknown agent a plain 404), no keys or guard.
uvicorn runs as for `tradegraph serve` (bench/refkit.py).

Usage: python -m bench.ref_sqlite --port P --db PATH-or-sqlite-URL [--log-level error]
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.refkit import (
    AGENT_COLUMNS,
    COUNT_SQL,
    agent_sql,
    json_response,
    page_answer,
    page_request,
    page_sql,
    parse_args,
    serve,
    sqlite_path,
)

AGENT = agent_sql("?")
PAGE = page_sql("?")


def utc(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text).replace(tzinfo=UTC)


def strategies(rows: list[Any]) -> list[dict[str, Any]]:
    """Items from rows in `STRATEGY_COLUMNS` order; a dict display per row is the fastest way
    (zipping with the names, then converting three values, took ~90 us more per 100 rows)."""
    return [
        {
            "id": r[0],
            "hypothesis_id": r[1],
            "name": r[2],
            "family": r[3],
            "symbol": r[4],
            "timeframe": r[5],
            "params": orjson.loads(r[6]),
            "stage": r[7],
            "status": r[8],
            "source": r[9],
            "created_at": utc(r[10]),
            "updated_at": utc(r[11]),
        }
        for r in rows
    ]


def create_app(db: str) -> Starlette:
    conn = sqlite3.connect(sqlite_path(db), check_same_thread=False, isolation_level=None)

    async def get_agent(request: Request) -> Response:
        row = conn.execute(AGENT, (request.path_params["id"],)).fetchone()
        if row is None:
            return json_response({"detail": "not found"}, 404)
        agent = dict(zip(AGENT_COLUMNS, row, strict=True))
        agent["last_heartbeat"] = utc(agent["last_heartbeat"])
        return json_response(agent)

    async def list_strategies(request: Request) -> Response:
        asked = page_request(request)
        if asked is None:
            return json_response({"detail": "invalid limit or cursor"}, 422)
        limit, after = asked
        (total,) = conn.execute(COUNT_SQL).fetchone()
        rows = conn.execute(PAGE, (after, limit + 1)).fetchall()
        items = strategies(rows[:limit])
        return json_response(page_answer(items, total, more=len(rows) > limit))

    async def health(_request: Request) -> Response:
        return json_response({"status": "ok"})

    routes = [
        Route("/agents/{id}", get_agent),
        Route("/api/strategies", list_strategies),
        Route("/api/health", health),
    ]

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        conn.close()

    return Starlette(routes=routes, lifespan=lifespan)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(__doc__.split("\n\n")[0], argv, db="SQLite file or sqlite:/// URL")
    return serve(create_app(args.db), port=args.port, log_level=args.log_level)


if __name__ == "__main__":
    sys.exit(main())
