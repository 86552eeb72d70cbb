"""Route dispatch by path template: a request's cost does not depend on its route's position.

Starlette's router tries every route in order (about 1 us each), so a Halyrd route or /graphql,
mounted after ~110 Forven routes, paid over 100 us before its handler ran. The index here keys
each route by its path template, one segment at a time (a literal, or any one segment for a
parameter), and hands Starlette's own loop only the routes whose template fits the path, in
their original order: each candidate's `matches` still decides (method, convertors, HTTP or
WebSocket), so the first full match wins and a method mismatch is still a 405, exactly as
before. A path no template fits (a 404, a trailing slash to redirect) takes Starlette's whole
loop, so its answers do not change either. A mount is a candidate for every path below its
prefix; a route the index cannot key (a `{name:path}` parameter, a mount at the root) is a
candidate for every path.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from fastapi import APIRouter
from starlette.routing import (
    BaseRoute,
    Match,
    Mount,
    Route,
    Router,
    WebSocketRoute,
    get_route_path,
)
from starlette.types import Receive, Scope, Send

ANY = "{}"  # the trie key of a parameter segment


@dataclass
class _Node:
    children: dict[str, _Node] = field(default_factory=dict)
    routes: list[int] = field(default_factory=list)  # indexes into the router's routes
    mounts: list[int] = field(default_factory=list)  # mounts at this prefix: any path below


def _segments(template: str) -> list[str] | None:
    """A template's trie keys, or None when a parameter may span segments."""
    keys = []
    for part in template.split("/")[1:]:
        if ":path}" in part:
            return None
        keys.append(ANY if "{" in part else part)
    return keys


class RouteIndex:
    """The routes of one router, keyed by template; rebuilt when the route list changes."""

    def __init__(self, routes: Sequence[BaseRoute]) -> None:
        self.size = len(routes)
        self.root = _Node()
        self.everywhere: list[int] = []
        for position, route in enumerate(routes):
            mounted = isinstance(route, Mount)
            path = route.path if isinstance(route, Route | WebSocketRoute | Mount) else ""
            keys = _segments(path) if path else None  # a mount at the root: everywhere
            if keys is None:
                self.everywhere.append(position)
                continue
            node = self.root
            for key in keys:
                node = node.children.setdefault(key, _Node())
            (node.mounts if mounted else node.routes).append(position)

    def candidates(self, path: str) -> list[int]:
        """Positions of the routes whose template fits `path`, in route order."""
        found: list[int] = []
        self._walk(self.root, path.split("/")[1:], 0, found)
        if self.everywhere:
            found.extend(self.everywhere)
        if len(found) > 1:
            found.sort()
        return found

    def _walk(self, node: _Node, parts: list[str], at: int, found: list[int]) -> None:
        if node.mounts and at < len(parts):  # a mount takes the paths below its prefix
            found.extend(node.mounts)
        if at == len(parts):
            found.extend(node.routes)
            return
        part = parts[at]
        literal = node.children.get(part)
        if literal is not None:
            self._walk(literal, parts, at + 1, found)
        param = node.children.get(ANY)
        if param is not None and part:
            self._walk(param, parts, at + 1, found)


class IndexedDispatch:
    """The router's dispatch (its `middleware_stack`) through a RouteIndex."""

    def __init__(self, router: Router) -> None:
        self.router = router
        self.index = RouteIndex(router.routes)

    def choose(self, scope: Scope) -> tuple[BaseRoute, Scope] | None:
        """The route Starlette's loop would hand `scope` to (a full match, else the first
        partial), or None when no template fits the path."""
        routes = self.router.routes
        if self.index.size != len(routes):
            self.index = RouteIndex(routes)
        partial: tuple[BaseRoute, Scope] | None = None
        for position in self.index.candidates(get_route_path(scope)):
            route = routes[position]
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                return route, child_scope
            if match is Match.PARTIAL and partial is None:
                partial = (route, child_scope)
        return partial

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        chosen = None if scope["type"] == "lifespan" else self.choose(scope)
        if chosen is None:  # lifespan, or no template fits: Starlette's own answer
            await self.router.app(scope, receive, send)
            return
        route, child_scope = chosen
        scope.setdefault("router", self.router)
        scope["route"] = route
        scope.update(child_scope)
        await route.handle(scope, receive, send)


def mount(app_router: Router, router: APIRouter) -> None:
    """`router`'s routes on the app's router itself. FastAPI's include_router keeps an included
    router as one entry it searches route by route; flat, the index keys every route. Only for
    a router that adds nothing of its own (prefix, dependencies, tags): each route carries its
    own dependencies, as the generated ones do."""
    if router.prefix or router.dependencies or router.tags:
        raise ValueError("mount() is for a plain APIRouter; use include_router")
    app_router.routes.extend(router.routes)


def index_routes(router: Router) -> None:
    """Dispatch `router`'s requests through a RouteIndex (Starlette calls `middleware_stack`)."""
    router.middleware_stack = IndexedDispatch(router)
