"""Reference app (d), benchmark only: raw psycopg 3 (async) + Starlette + orjson on PostgreSQL.

The PostgreSQL floor for the two measured reads: Starlette routes over a fixed pool of
`--pool` (default 10, Tradegraph's `pool_size`) psycopg `AsyncConnection`s opened at
start-up, in autocommit (one round trip per statement: no BEGIN, no ROLLBACK, no pre-ping),
each statement prepared server-side by psycopg after its fifth run, `jsonb` decoded with
orjson, the session time zone UTC so timestamps come back as UTC datetimes, and the answer
encoded with orjson. It reads the SAME database (and schema, from the URL's search_path)
Tradegraph serves and answers the two reads bench/refkit.py describes, `GET /agents/{id}`
and `GET /api/strategies`, with Tradegraph's bytes.

Only what those requests need is here: no filters, no `current` alias, no error envelope (a
bad `limit` or cursor is a plain 422, an unknown agent a plain 404), no keys or guard.
uvicorn runs as for `tradegraph serve` (bench/refkit.py).

Usage: python -m bench.ref_psycopg --port P --db postgresql[+psycopg]://... [--pool 10]
       [--log-level error]
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import orjson
import psycopg
from psycopg.types.json import set_json_loads
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.refkit import (
    AGENT_COLUMNS,
    COUNT_SQL,
    agent_sql,
    arg_parser,
    json_response,
    page_answer,
    page_request,
    page_sql,
    serve,
)

AGENT = agent_sql("%s")
PAGE = page_sql("%s")


def conninfo(db: str) -> str:
    """A libpq URL from Tradegraph's SQLAlchemy one (`postgresql+psycopg://`) or a plain one."""
    return db.replace("postgresql+psycopg://", "postgresql://", 1)


def create_app(db: str, pool_size: int = 10) -> Starlette:
    pool: asyncio.Queue[psycopg.AsyncConnection[Any]] = asyncio.Queue()

    @asynccontextmanager
    async def connection() -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        conn = await pool.get()
        try:
            yield conn
        finally:
            pool.put_nowait(conn)

    async def get_agent(request: Request) -> Response:
        async with connection() as conn:
            row = await (await conn.execute(AGENT, (request.path_params["id"],))).fetchone()
        if row is None:
            return json_response({"detail": "not found"}, 404)
        return json_response(dict(zip(AGENT_COLUMNS, row, strict=True)))

    async def list_strategies(request: Request) -> Response:
        asked = page_request(request)
        if asked is None:
            return json_response({"detail": "invalid limit or cursor"}, 422)
        limit, after = asked
        async with connection() as conn:
            count = await (await conn.execute(COUNT_SQL)).fetchone()
            rows = await (await conn.execute(PAGE, (after, limit + 1))).fetchall()
        # a dict display per row: zipping with STRATEGY_COLUMNS took 2.5x as long
        items = [
            {
                "id": r[0],
                "hypothesis_id": r[1],
                "name": r[2],
                "family": r[3],
                "symbol": r[4],
                "timeframe": r[5],
                "params": r[6],
                "stage": r[7],
                "status": r[8],
                "source": r[9],
                "created_at": r[10],
                "updated_at": r[11],
            }
            for r in rows[:limit]
        ]
        total = count[0] if count else 0
        return json_response(page_answer(items, total, more=len(rows) > limit))

    async def health(_request: Request) -> Response:
        return json_response({"status": "ok"})

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        opened = []
        for _ in range(pool_size):
            conn = await psycopg.AsyncConnection.connect(conninfo(db), autocommit=True)
            await conn.execute("SET TIME ZONE 'UTC'")
            set_json_loads(orjson.loads, conn)
            opened.append(conn)
            pool.put_nowait(conn)
        try:
            yield
        finally:
            for conn in opened:
                await conn.close()

    routes = [
        Route("/agents/{id}", get_agent),
        Route("/api/strategies", list_strategies),
        Route("/api/health", health),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


def main(argv: Sequence[str] | None = None) -> int:
    parser = arg_parser(__doc__.split("\n\n")[0], db="postgresql[+psycopg]:// URL")
    parser.add_argument("--pool", type=int, default=10, help="connections (Tradegraph: 10)")
    args = parser.parse_args(argv)
    return serve(create_app(args.db, args.pool), port=args.port, log_level=args.log_level)


if __name__ == "__main__":
    sys.exit(main())
