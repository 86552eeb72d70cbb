"""Reference app (c), benchmark only: minimal Starlette + stdlib sqlite3 + orjson.

What this machine does for the two measured reads with the least in the way: two Starlette
routes, one stdlib `sqlite3` connection opened at start-up and used from the event loop's
thread (each query runs inline, no thread hop; sqlite3 caches the prepared statements), rows
turned into dicts by hand and encoded with orjson. It reads the SAME SQLite file Tradegraph
serves (its data dir's `tradegraph.db`) and answers the two reads bench/refkit.py describes,
`GET /agents/{id}` and `GET /api/strategies`, with Tradegraph's bytes.

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

from bench.refkit import decode_cursor, encode_cursor, page_limit, parse_args, serve, sqlite_path

AGENT = (
    "SELECT id, name, status, phase, market_mode, last_heartbeat FROM trading_agents WHERE id = ?"
)
COUNT = "SELECT count(*) FROM strategies"
PAGE = (
    "SELECT id, hypothesis_id, name, family, symbol, timeframe, params, stage, status, source,"
    " created_at, updated_at FROM strategies WHERE id > ? ORDER BY id LIMIT ?"
)


def utc(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text).replace(tzinfo=UTC)


def json(content: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(content), status, media_type="application/json")


def create_app(db: str) -> Starlette:
    conn = sqlite3.connect(sqlite_path(db), check_same_thread=False, isolation_level=None)

    async def get_agent(request: Request) -> Response:
        row = conn.execute(AGENT, (request.path_params["id"],)).fetchone()
        if row is None:
            return json({"detail": "not found"}, 404)
        id_, name, status, phase, market_mode, heartbeat = row
        return json(
            {
                "id": id_,
                "name": name,
                "status": status,
                "phase": phase,
                "market_mode": market_mode,
                "last_heartbeat": utc(heartbeat),
            }
        )

    async def list_strategies(request: Request) -> Response:
        limit = page_limit(request.query_params.get("limit"))
        cursor = request.query_params.get("cursor")
        after = 0 if cursor is None else decode_cursor(cursor)
        if limit is None or after is None:
            return json({"detail": "invalid limit or cursor"}, 422)
        (total,) = conn.execute(COUNT).fetchone()
        rows = conn.execute(PAGE, (after, limit + 1)).fetchall()
        items = [
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
            for r in rows[:limit]
        ]
        more = len(rows) > limit
        return json(
            {
                "items": items,
                "total": total,
                "next_cursor": encode_cursor(items[-1]["id"]) if more else None,
            }
        )

    async def health(_request: Request) -> Response:
        return json({"status": "ok"})

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
