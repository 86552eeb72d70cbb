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

# scalar type names understood by every emitter
SCALARS = ("int", "float", "str", "bool", "datetime", "json")


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

    @property
    def keyword(self) -> str:
        return self.arg or self.name


@dataclass(frozen=True)
class Field:
    """One key of a response object; `type` is a scalar, a shape name, or `list[...]` of one."""

    name: str
    type: str
    nullable: bool = False
    attr: str | None = None  # attribute on the resolver's result when it differs
    enum: tuple[str, ...] = ()
    description: str = ""

    @property
    def source_attr(self) -> str:
        return self.attr or self.name


@dataclass(frozen=True)
class Shape:
    """A JSON object in the documented snake_case form, with a serializer generated from it."""

    name: str
    fields: tuple[Field, ...]
    description: str = ""


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
    writes: bool = False  # commits (and publishes events) when it succeeds
    # the GraphQL query field returning the same data (parity test), or `mutation` itself when
    # the mutation is the route's only twin (system stop/start, modes, reconcile, preview)
    graphql: str | None = None
    mutation: str | None = None  # the GraphQL mutation performing the same action
    # codegen writes that GraphQL field (`mutation` for a writing route, else `graphql`) into
    # schema/generated/fields.py; otherwise a hand-written schema module defines it
    graphql_generated: bool = False
    notes: str = ""

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
