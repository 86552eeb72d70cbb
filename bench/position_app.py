"""`tradegraph serve` with two probe routes at the two ends of its route table (benchmark only).

Issue 13 asks that a route's position in the catalog change its throughput by less than 5%.
Real routes at the two ends do different work, so this measures a dedicated pair instead:
`GET /bench/position/first` and `GET /bench/position/last` run the same handler (the one
`GET /api/health` runs: `{"status": "ok"}` through FastAPI's JSONResponse, no database), one
inserted before every other route of `app.router.routes` and one appended after every other
route, the GraphQL and WebSocket routes included. A request for `last` therefore walks the
whole table before it matches; one for `first` walks none of it. Everything else is the
product: the app comes from `server.app.create_app` and is served by `server.cli`'s own
`serve` (the same settings, uvicorn configuration and middleware: guard, keys, envelope, rate
limiter when configured). The probes are not exempt from the API key, so requests carry it.

If route dispatch moves to a table built from the routes (issue 13, item 1), the probes must
stay ordinary routes of that table: bench/floor.py checks both answer 200 with the health body
before it measures.

Usage: python -m bench.position_app serve [every `tradegraph serve` option]
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

FIRST = "/bench/position/first"
LAST = "/bench/position/last"


async def probe() -> dict[str, str]:
    """The same work as rest_compat/health.py's `GET /api/health`."""
    return {"status": "ok"}


def install_probes(app: FastAPI) -> None:
    """`FIRST` before every route of the app, `LAST` after every one."""
    app.router.routes.insert(0, APIRoute(FIRST, probe, methods=["GET"]))
    changed = getattr(app.router, "_mark_routes_changed", None)
    if changed is not None:  # FastAPI caches route lists by a version counter
        changed()
    app.router.add_api_route(LAST, probe, methods=["GET"])


def main(argv: Sequence[str] | None = None) -> int:
    import server.app
    from server.cli import main as tradegraph

    create_app = server.app.create_app

    def with_probes(*args: Any, **kwargs: Any) -> FastAPI:
        app = create_app(*args, **kwargs)
        install_probes(app)
        return app

    server.app.create_app = with_probes  # server.cli.serve imports it when it runs
    return tradegraph(argv)


if __name__ == "__main__":
    sys.exit(main())
