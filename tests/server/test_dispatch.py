"""Route dispatch by template (server/dispatch.py) picks exactly the route Starlette's loop
picks, for every route of the real app and for the edge cases of the loop's rules."""

from __future__ import annotations

import re
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import BaseRoute, Match, Mount, Route, Router, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocket

from server.app import create_app
from server.dispatch import IndexedDispatch, index_routes
from server.settings import Settings


def starlette_choice(routes: list[BaseRoute], scope: dict[str, Any]) -> BaseRoute | None:
    """Starlette's loop (Router.app), returning the route instead of calling it."""
    partial = None
    for route in routes:
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return route
        if match is Match.PARTIAL and partial is None:
            partial = route
    return partial


def scope(path: str, method: str = "GET", kind: str = "http") -> dict[str, Any]:
    return {"type": kind, "path": path, "method": method, "root_path": "", "headers": []}


def indexed_choice(router: Router, request: dict[str, Any]) -> BaseRoute | None:
    chosen = IndexedDispatch(router).choose(request)
    return None if chosen is None else chosen[0]


def sample_path(template: str) -> str:
    return re.sub(r"\{[^}:]+(:int)?\}", lambda m: "7" if m.group(1) else "seed", template)


def test_every_route_of_the_app_is_dispatched_as_starlette_would(tmp_path: Any) -> None:
    app = create_app(Settings(data_dir=tmp_path))
    routes = app.router.routes
    checked = 0
    for route in routes:
        if not isinstance(route, Route | WebSocketRoute):
            continue
        kinds = ["websocket"] if isinstance(route, WebSocketRoute) else ["http"]
        methods = sorted(route.methods or {"GET"}) if isinstance(route, Route) else ["GET"]
        for kind in kinds:
            for method in [*methods, "PATCH", "OPTIONS"]:
                request = scope(sample_path(route.path), method, kind)
                expected = starlette_choice(routes, request)
                assert indexed_choice(app.router, request) is expected, (route.path, method)
                checked += 1
    assert checked > 137  # every documented route and the extras were tried


def _ok(name: str) -> Any:
    async def endpoint(request: Request) -> PlainTextResponse:
        return PlainTextResponse(name)

    return endpoint


async def _socket(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text("socket")
    await websocket.close()


EDGE_ROUTES = [
    Route("/agents/{id:int}", _ok("agent by number")),
    Route("/agents/current", _ok("current")),
    Route("/agents/{id}", _ok("agent by name"), methods=["GET"]),
    Route("/agents/{id}/journal", _ok("journal")),
    Route("/files/{rest:path}", _ok("files")),
    Route("/graphql", _ok("graphql http"), methods=["GET", "POST"]),
    WebSocketRoute("/graphql", _socket),
    Route("/items", _ok("items"), methods=["POST"]),
    Mount("/static/assets", app=PlainTextResponse("mounted")),
]


@pytest.mark.parametrize(
    ("path", "method", "answer"),
    [
        ("/agents/12", "GET", "agent by number"),  # the convertor decides, in route order
        ("/agents/current", "GET", "current"),
        ("/agents/seed", "GET", "agent by name"),
        ("/agents/seed", "DELETE", None),  # a method no route takes: 405
        ("/agents/seed/journal", "GET", "journal"),
        ("/files/a/b/c.txt", "GET", "files"),  # a parameter over segments: checked everywhere
        ("/graphql", "POST", "graphql http"),
        ("/items", "GET", None),  # 405
        ("/items/", "POST", None),  # redirected to /items, as Starlette does
        ("/nothing/here", "GET", None),  # 404
        ("/static/assets/app.js", "GET", "mounted"),  # a mount takes the paths below it
        ("/static/assets", "GET", None),  # redirected to the mount's /, as Starlette does
        ("/static/other", "GET", None),
    ],
)
def test_edge_cases_answer_as_starlette_does(path: str, method: str, answer: str | None) -> None:
    plain = TestClient(Starlette(routes=list(EDGE_ROUTES)), follow_redirects=False)
    indexed_app = Starlette(routes=list(EDGE_ROUTES))
    index_routes(indexed_app.router)
    indexed = TestClient(indexed_app, follow_redirects=False)
    want, got = plain.request(method, path), indexed.request(method, path)
    assert (got.status_code, got.text, got.headers.get("location")) == (
        want.status_code,
        want.text,
        want.headers.get("location"),
    )
    if answer is not None:
        assert got.text == answer


def test_websocket_and_http_on_one_path() -> None:
    app = Starlette(routes=list(EDGE_ROUTES))
    index_routes(app.router)
    with TestClient(app).websocket_connect("/graphql") as ws:
        assert ws.receive_text() == "socket"


def test_routes_added_later_are_indexed() -> None:
    app = Starlette(routes=list(EDGE_ROUTES))
    index_routes(app.router)
    client = TestClient(app)
    assert client.get("/late").status_code == 404
    app.router.routes.append(Route("/late", _ok("late")))
    assert client.get("/late").text == "late"


def test_the_app_dispatches_through_the_index_over_flat_routes(tmp_path: Any) -> None:
    app = create_app(Settings(data_dir=tmp_path))
    assert isinstance(app.router.middleware_stack, IndexedDispatch)
    # every route keyed on its own (an included router would be one entry searched in turn)
    index = IndexedDispatch(app.router).index
    assert index.everywhere == []
    assert all(isinstance(r, Route | WebSocketRoute | Mount) for r in app.router.routes)
    assert len(index.candidates("/agents/seed")) == 1
