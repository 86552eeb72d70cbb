"""What the reference apps (bench/ref_*.py) share: the uvicorn settings of `tradegraph serve`,
their command line, the columns they read, and the page envelope (limit, cursor, answer).

The database reference apps (ref_fastapi_sa, ref_sqlite, ref_psycopg) answer two reads, with
the same JSON bytes as Tradegraph's routes (tests/bench/test_floor_refs.py compares them):

- `GET /agents/{id}`: `{id, name, status, phase, market_mode, last_heartbeat}`, one row of
  the trading agents table;
- `GET /api/strategies?limit=N&cursor=C`: `{items, total, next_cursor}`, N strategies (1 to
  500, default 50) by id after the cursor, the count of all strategies, and the cursor of the
  last item when more follow (`v1:<id>` in URL-safe base64, Tradegraph's cursor).

uvicorn is configured as `server/cli.py` configures it for `tradegraph serve`, key for key
(tests/bench/test_floor_refs.py compares the two `uvicorn.Config` objects, so a change there
that is not made here fails a test):

- host 127.0.0.1 (FORVEN_BIND_HOST's default), `lifespan="on"`, `ws="websockets-sansio"`,
  `ws_per_message_deflate=False`, `timeout_graceful_shutdown=10` (TRADEGRAPH_SHUTDOWN_GRACE);
- uvicorn's defaults for the rest: `loop="auto"` (uvloop when installed, as it is here),
  `http="auto"` (httptools when installed, as it is here), one process (no `workers`), the
  default keep-alive and limits, and `access_log=True`: uvicorn formats the access line's
  arguments for each request and its logger drops it below INFO, so with the benchmarks'
  `--log-level error` no line is written by either side;
- the same `logging.basicConfig` as `tradegraph serve`.

Every reference app also answers `GET /api/health` (registered after its measured routes, so
it does not lengthen their route walk) so that `tests/e2e/server.py` can wait for it.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import logging
from collections.abc import Sequence
from typing import Any

import orjson
import uvicorn
from starlette.requests import Request
from starlette.responses import Response

LOG_LEVELS = ("critical", "error", "warning", "info", "debug")
HOST = "127.0.0.1"  # FORVEN_BIND_HOST's default
SHUTDOWN_GRACE = 10  # TRADEGRAPH_SHUTDOWN_GRACE's default, in whole seconds as cli.py passes it
DEFAULT_PAGE = 50  # resolvers/pagination.py: the page size when `limit` is absent
MAX_PAGE = 500  # the catalog's `le=500` on `limit`
AGENT_COLUMNS = ("id", "name", "status", "phase", "market_mode", "last_heartbeat")
STRATEGY_COLUMNS = (
    "id", "hypothesis_id", "name", "family", "symbol", "timeframe", "params", "stage", "status",
    "source", "created_at", "updated_at",
)  # fmt: skip
COUNT_SQL = "SELECT count(*) FROM strategies"


def agent_sql(mark: str) -> str:
    """The one-row read, with the driver's parameter mark (`?`, `%s`)."""
    return f"SELECT {', '.join(AGENT_COLUMNS)} FROM trading_agents WHERE id = {mark}"


def page_sql(mark: str) -> str:
    """A page of strategies after an id, `LIMIT` the page size plus one (is there more?)."""
    return (
        f"SELECT {', '.join(STRATEGY_COLUMNS)} FROM strategies WHERE id > {mark}"
        f" ORDER BY id LIMIT {mark}"
    )


def uvicorn_config(app: Any, *, port: int, log_level: str) -> uvicorn.Config:
    """The `uvicorn.Config` `tradegraph serve` builds (server/cli.py), for another app."""
    return uvicorn.Config(
        app,
        host=HOST,
        port=port,
        log_level=log_level,
        lifespan="on",
        ws="websockets-sansio",
        ws_per_message_deflate=False,
        timeout_graceful_shutdown=SHUTDOWN_GRACE,
    )


def serve(app: Any, *, port: int, log_level: str) -> int:
    """Run `app` until interrupted, logging and uvicorn set up as `tradegraph serve` does."""
    logging.basicConfig(level=log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    uvicorn.Server(uvicorn_config(app, port=port, log_level=log_level)).run()
    return 0


def arg_parser(description: str, *, db: str | None) -> argparse.ArgumentParser:
    """`--port P [--db URL-or-path] [--log-level L]`; `db` is the help text, None: no --db."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--port", type=int, required=True)
    if db is not None:
        parser.add_argument("--db", required=True, help=db)
    parser.add_argument("--log-level", choices=LOG_LEVELS, default="error")
    return parser


def parse_args(
    description: str, argv: Sequence[str] | None, *, db: str | None
) -> argparse.Namespace:
    return arg_parser(description, db=db).parse_args(argv)


def sqlite_path(db: str) -> str:
    """A SQLite file from a path or a `sqlite[+driver]:///PATH` URL."""
    if db.startswith("sqlite"):
        return db.split(":///", 1)[1]
    return db


def encode_cursor(key: int) -> str:
    """The opaque cursor Tradegraph's pages answer (resolvers/pagination.py): `v1:<id>`,
    URL-safe base64 without padding."""
    return base64.urlsafe_b64encode(f"v1:{key}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int | None:
    """The id inside a cursor, or None when it is not one."""
    try:
        raw = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True)
        text = raw.decode()
        return int(text[3:]) if text.startswith("v1:") else None
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def page_request(request: Request) -> tuple[int, int] | None:
    """(limit, id after the cursor) of a page request, or None when either is invalid."""
    limit = page_limit(request.query_params.get("limit"))
    cursor = request.query_params.get("cursor")
    after = 0 if cursor is None else decode_cursor(cursor)
    return None if limit is None or after is None else (limit, after)


def page_answer(items: list[dict[str, Any]], total: int, *, more: bool) -> dict[str, Any]:
    """Tradegraph's page envelope: the cursor of the last item when more follow."""
    cursor = encode_cursor(items[-1]["id"]) if more else None
    return {"items": items, "total": total, "next_cursor": cursor}


def json_response(content: Any, status: int = 200) -> Response:
    """orjson bytes, as Tradegraph's routes answer (rest_compat/runtime.py `respond`)."""
    return Response(orjson.dumps(content), status, media_type="application/json")


def page_limit(value: str | None) -> int | None:
    """`limit` as the catalog types it (1 to 500, default 50), or None when it is invalid."""
    if value is None:
        return DEFAULT_PAGE
    try:
        limit = int(value)
    except ValueError:
        return None
    return limit if 1 <= limit <= MAX_PAGE else None
