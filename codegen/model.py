"""The route catalog's vocabulary: parameters, response shapes and routes.

One `Route` per documented method and path. Everything generated (REST handlers, OpenAPI,
TypeScript types, the endpoint reference) is derived from these records.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

Auth = Literal["public", "api", "operator", "loopback", "hmac"]
State = Literal["implemented", "planned", "transport"]
Source = Literal["path", "query", "body"]
Kind = Literal["one", "list", "page", "none"]

# scalar type names understood by every emitter; `null` only as a union member (`float | null`
# inside a list or map; a field's own null is `nullable`); `json` is any JSON value, described
# nowhere, which tests/rest_compat/test_openapi_types.py refuses in the served document
SCALARS = ("int", "float", "str", "bool", "datetime", "json", "null")


def union_members(kind: str) -> list[str]:
    """The members of a type union `A | B` (one member for anything else), split at the top
    level only: `list[float | bool]` is one member."""
    members, depth, start = [], 0, 0
    for i, char in enumerate(kind):
        depth += {"[": 1, "]": -1}.get(char, 0)
        if char == "|" and depth == 0:
            members.append(kind[start:i].strip())
            start = i + 1
    return [*members, kind[start:].strip()]


def list_item(kind: str) -> str | None:
    """`X` of `list[X]`, else None."""
    return kind[5:-1] if kind.startswith("list[") and kind.endswith("]") else None


def map_value(kind: str) -> str | None:
    """`X` of `dict[str, X]` (a JSON object with any keys, each value an X), else None."""
    return kind[10:-1] if kind.startswith("dict[str, ") and kind.endswith("]") else None


@dataclass(frozen=True)
class Param:
    """One input on the wire, and the resolver keyword it feeds."""

    name: str
    source: Source
    type: str = "str"
    required: bool = False
    default: object = None
    arg: str | None = None  # resolver keyword when it differs from the wire name
    enum: tuple[str, ...] = ()
    description: str = ""
    min_length: int | None = None  # strings
    minimum: int | None = None  # numbers
    maximum: int | None = None
    # what a `json` value holds: in the catalog a type hint (a view, dataclass or TypedDict,
    # `list[str]`, `dict[str, float]`); codegen/shapes.py resolves it to a type string naming
    # the object's input form. The handler still takes any JSON for it and the resolver checks
    # it (so its coded 422s stay); OpenAPI and TypeScript describe it.
    schema: Any = None

    @property
    def keyword(self) -> str:
        return self.arg or self.name

    @property
    def wire_type(self) -> str:
        """The type OpenAPI and TypeScript describe: the resolved `schema`, else `type`."""
        if self.schema is None:
            return self.type
        if not isinstance(self.schema, str):
            raise ValueError(f"param {self.name}: schema {self.schema!r} is not resolved yet")
        return self.schema


@dataclass(frozen=True)
class Field:
    """One key of a response object; `type` is a scalar, a shape name, or `list[...]` of one."""

    name: str
    type: str
    nullable: bool = False
    attr: str | None = None  # attribute on the resolver's result when it differs
    enum: tuple[str, ...] = ()
    description: str = ""
    optional: bool = False  # may be left out (an input object's fields)

    @property
    def source_attr(self) -> str:
        return self.attr or self.name


@dataclass(frozen=True)
class Shape:
    """A JSON object in the documented snake_case form, with a serializer generated from it."""

    name: str
    fields: tuple[Field, ...]
    description: str = ""
    closed: bool = False  # other keys are refused (input objects)
    # False: plain JSON data (a TypedDict, a stored dataclass, an input object), which GraphQL
    # answers as its JSON scalar; True: a view, a GraphQL object type of its own
    graphql: bool = True


@dataclass(frozen=True)
class Response:
    kind: Kind
    shape: str | None = None


# a resolver under resolvers/: `async def verb_noun(session, *, ...)`
Resolver = Callable[..., Awaitable[Any]]


@dataclass(frozen=True, kw_only=True)
class Route:
    """The record every emitter reads; the catalog builds it with `codegen.route.route`."""

    method: str
    path: str
    api: Literal["forven", "halyrd"]
    router: str
    summary: str
    auth: Auth
    operation_id: str
    state: State = "planned"
    resolver: Resolver | None = None
    params: tuple[Param, ...] = ()
    fixed: tuple[tuple[str, object], ...] = ()  # resolver keywords with constant values
    status: int = 200
    response: Response = field(default_factory=lambda: Response("none"))
    errors: tuple[int, ...] = ()
    # the shape of a 202 Accepted answer, for routes whose work may outlast the request and
    # then continues as a job (the resolver answers a view whose class sets http_status = 202)
    accepted: str | None = None
    writes: bool = False  # commits (and publishes events) when it succeeds
    # the GraphQL query field returning the same data (parity test), or `mutation` itself when
    # the mutation is the route's only twin (system stop/start, modes, reconcile, preview)
    graphql: str | None = None
    mutation: str | None = None  # the GraphQL mutation performing the same action
    # codegen writes that GraphQL field (`mutation` for a writing route, else `graphql`) into
    # schema/generated/fields.py; otherwise a hand-written schema module defines it
    graphql_generated: bool = False
    notes: str = ""
    # a stream of server-sent events (text/event-stream) instead of a JSON body: each event's
    # name and the shape of its JSON `data`, e.g. (("token", "DeepdiveToken"), ...)
    events: tuple[tuple[str, str], ...] = ()

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def resolver_module(self) -> str:
        """The module defining the resolver, e.g. `resolvers.halyrd.equity`."""
        assert self.resolver is not None, self.key
        return self.resolver.__module__

    @property
    def resolver_name(self) -> str:
        assert self.resolver is not None, self.key
        return self.resolver.__name__

    @property
    def level(self) -> str:
        """The access level resolvers/access.py enforces: Halyrd routes relax on loopback;
        shutdown (loopback) and webhooks (hmac) check their callers themselves."""
        if self.api == "halyrd":
            return "halyrd_write" if self.auth == "operator" else "halyrd_read"
        return {"loopback": "public", "hmac": "public"}.get(self.auth, self.auth)
