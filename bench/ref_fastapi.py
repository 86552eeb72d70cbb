"""Reference app (a), benchmark only: plain FastAPI answering `GET /api/health`.

The floor Tradegraph's health route is measured against (bench/floor.py): the same route as
rest_compat/health.py (an `async def` returning `{"status": "ok"}` through FastAPI's default
JSONResponse, the same body bytes), in a FastAPI app with nothing else: no middleware, no
other routes. Like Tradegraph's app it has no OpenAPI or docs routes (`openapi_url=None`,
`docs_url=None`, `redoc_url=None`), which a default FastAPI() would mount before the route.
uvicorn runs as for `tradegraph serve` (bench/refkit.py lists the shared settings).

Usage: python -m bench.ref_fastapi --port P [--log-level error]
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from fastapi import FastAPI

from bench.refkit import parse_args, serve


def create_app() -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/api/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(__doc__.split("\n\n")[0], argv, db=None)
    return serve(create_app(), port=args.port, log_level=args.log_level)


if __name__ == "__main__":
    sys.exit(main())
