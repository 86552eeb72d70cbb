"""Hand-written FastAPI routes to measure the generated REST routes against (benchmark only).

These routes never ship in the product server: `python -m bench.handwritten_app` builds the
product app with `server.app.create_app`, adds the routes below, and runs uvicorn exactly as
`tradegraph serve` does, so one process serves the generated routes and their hand-written
twins. Each twin is the idiomatic FastAPI way of writing the same endpoint: the same
resolver on a session from `app.state.services.session_factory`, the same query parameters,
and a Pydantic response model (`from_attributes=True`) that FastAPI validates and serializes.

| hand-written route             | generated twin      | resolver                                  |
|--------------------------------|---------------------|-------------------------------------------|
| GET /bench/agents/{id}         | GET /agents/{id}    | trading_agents.get_trading_agent          |
| GET /bench/strategies?limit=N  | GET /api/strategies | strategies.list_strategies (page + total) |

Placement matters in this FastAPI: a request walks the app's routers in order, so a route
that sits behind the ~130 generated routes pays for matching them all. With
`--placement adjacent` (the default) each twin is inserted into the generated router right
before its generated route, so both walk the same routes and the comparison is of the
handlers alone; `--placement end` includes the bench router after everything else (the
plain `app.include_router`), which charges the hand-written routes the full walk.

Usage: python -m bench.handwritten_app --port N --data-dir D [--demo-days 5]
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, FastAPI, Request
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict

from resolvers import strategies, trading_agents

router = APIRouter(prefix="/bench")

# The generated GET route each hand-written route is measured against.
TWINS = {"/bench/agents/{id}": "/agents/{id}", "/bench/strategies": "/api/strategies"}


class AgentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    status: str
    phase: str
    market_mode: str
    last_heartbeat: datetime | None


class StrategyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    hypothesis_id: int
    name: str
    family: str
    symbol: str
    timeframe: str
    params: dict[str, Any]
    stage: str
    status: str
    source: str
    created_at: datetime
    updated_at: datetime


class StrategyPage(BaseModel):
    items: list[StrategyOut]
    total: int | None
    next_cursor: str | None


@router.get("/agents/{id}", response_model=AgentOut)
async def get_agent(request: Request, id: str) -> Any:
    async with request.app.state.services.session_factory() as session:
        return await trading_agents.get_trading_agent(session, agent_id=id)


@router.get("/strategies", response_model=StrategyPage)
async def list_strategies(
    request: Request,
    status: Literal["active", "archived"] | None = None,
    stage: Literal["quick_screen", "research_only", "paper", "live"] | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> Any:
    async with request.app.state.services.session_factory() as session:
        page = await strategies.list_strategies(
            session, status=status, stage=stage, first=limit, after=cursor
        )
    return {"items": page.items, "total": page.total_count, "next_cursor": page.end_cursor}


def _routers(app: FastAPI) -> list[APIRouter]:
    """The app's router, then the APIRouters it includes by reference (FastAPI >= 0.16x)."""
    included = [getattr(route, "original_router", None) for route in app.router.routes]
    return [app.router, *(r for r in included if isinstance(r, APIRouter))]


def install(app: FastAPI, placement: Literal["adjacent", "end"] = "adjacent") -> None:
    """Serve the hand-written routes from `app` (see the module docstring for `placement`)."""
    if placement == "end":
        app.include_router(router)
        return
    for bench_route in router.routes:
        assert isinstance(bench_route, APIRoute)
        twin = TWINS[bench_route.path]
        for owner in _routers(app):
            index = next(
                (
                    i
                    for i, r in enumerate(owner.routes)
                    if isinstance(r, APIRoute) and r.path == twin and "GET" in (r.methods or ())
                ),
                None,
            )
            if index is not None:
                owner.routes.insert(index, bench_route)
                changed = getattr(owner, "_mark_routes_changed", None)
                if changed is not None:  # FastAPI caches each included router's route list
                    changed()
                break
        else:
            raise LookupError(f"generated route GET {twin} not found")


def main(argv: Sequence[str] | None = None) -> int:
    import uvicorn

    from server.app import create_app
    from server.settings import load_settings

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--demo-days", type=int, default=5)
    parser.add_argument("--log-level", default="error")
    parser.add_argument("--placement", choices=["adjacent", "end"], default="adjacent")
    args = parser.parse_args(argv)
    settings = load_settings(
        port=args.port,
        data_dir=args.data_dir,
        demo_days=args.demo_days,
        log_level=args.log_level,
    )
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s"
    )
    app = create_app(settings)
    install(app, args.placement)
    config = uvicorn.Config(  # the same configuration as `tradegraph serve` (server/cli.py)
        app,
        host=settings.bind_host,
        port=settings.port,
        log_level=settings.log_level,
        lifespan="on",
        ws="websockets-sansio",
    )
    uvicorn.Server(config).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
