"""`route(...)`: the one way the catalog describes a route, keyword-only, conventions derived.

Error statuses follow each seed's conventions and are derived, not typed per route; `errors=`
adds the route-specific ones (502 force-close, 409 transition, 403 shutdown, ...). 429 is
global (the rate limiter) and is listed on no route.

- Forven: 401 for routes behind a key (missing or wrong), 503 on operator routes (operator key
  unconfigured), 404 when the path names a resource (and 400: a path parameter holding an
  encoded `.`, `/` or `\\`, or only `.` or `..`, is refused before routing with
  NON_CANONICAL_PATH, rest_compat/paths.py), 422 when the route takes params or a body
  or is implemented (generated handlers refuse unknown query parameters: 422
  UNKNOWN_PARAMETER; on GET the cache-buster `_` that browser libraries such as jQuery append,
  `?_=<timestamp>`, is accepted and ignored), 501 while a route is planned.
- Halyrd: the same 401, 400/404, 422 and 501 rules (every route takes a key once the server
  is not an open loopback one), but no 503: the seed's error table has none. Its hand-written
  transport routes (health, WebSocket) document no error statuses.

Auth defaults to "operator" on Forven (codegen/catalog/forven_system.py says why) and on Halyrd
to "operator" for writes, "api" for reads. `writes` (commit and publish on success) defaults to
the method being a writing one. `body=True` marks a route taking a JSON body the seed does not
spell out (so it can still answer 422 although no body Param is declared).

Implemented routes name their `resolver` as the function itself, their `response` shape, the
GraphQL query field reading the same data (`graphql=`, for the parity test) and, for writes,
the GraphQL mutation performing the same action (`mutation=`); both set the GraphQL field's
access level (codegen/emit_access.py). With `graphql_generated=True` codegen also writes that
field (the mutation of a writing route, else the query) into schema/generated/fields.py, from
the route's params and its response view (codegen/emit_graphql.py); a new route needs nothing
else. Without it, a hand-written schema module defines the field.

A route answering server-sent events (a transport route) names them in `events`: each event's
name and the shape of its JSON data; OpenAPI, TypeScript and the reference describe the
`text/event-stream` answer from them.
"""

from __future__ import annotations

from typing import Literal

from codegen.model import Auth, Param, Resolver, Response, Route, State

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def route(
    *,
    method: str,
    path: str,
    api: Literal["forven", "halyrd"],
    router: str,
    summary: str,
    op: str,
    auth: Auth | None = None,
    state: State = "planned",
    resolver: Resolver | None = None,
    params: tuple[Param, ...] = (),
    fixed: tuple[tuple[str, object], ...] = (),
    body: bool = False,
    status: int = 200,
    response: Response | None = None,
    errors: tuple[int, ...] = (),
    accepted: str | None = None,
    writes: bool | None = None,
    graphql: str | None = None,
    mutation: str | None = None,
    graphql_generated: bool = False,
    notes: str = "",
    events: tuple[tuple[str, str], ...] = (),
) -> Route:
    """One route of either API, its error statuses and defaults derived as described above."""
    key = f"{method} {path}"
    if (state == "implemented") != (resolver is not None):
        raise ValueError(f"{key}: an implemented route names its resolver, no other route does")
    writing = method in WRITE_METHODS
    if auth is None:
        auth = "operator" if api == "forven" or writing else "api"
    return Route(
        method=method,
        path=path,
        api=api,
        router=router,
        summary=summary,
        auth=auth,
        operation_id=op,
        state=state,
        resolver=resolver,
        params=params,
        fixed=fixed,
        status=status,
        response=response or Response("none"),
        errors=_statuses(api, auth, state, params, body, errors),
        accepted=accepted,
        writes=writing if writes is None else writes,
        graphql=graphql,
        mutation=mutation,
        graphql_generated=graphql_generated,
        notes=notes,
        events=events,
    )


def _statuses(
    api: str,
    auth: Auth,
    state: State,
    params: tuple[Param, ...],
    body: bool,
    extra: tuple[int, ...],
) -> tuple[int, ...]:
    statuses = set(extra)
    if api == "halyrd" and state == "transport":
        return tuple(sorted(statuses))
    if auth in ("api", "operator"):
        statuses.add(401)
    if auth == "operator" and api == "forven":
        statuses.add(503)
    if any(p.source == "path" for p in params):
        statuses.update((400, 404))
    if params or body or state == "implemented":
        statuses.add(422)  # implemented routes also refuse unknown query parameters
    if state == "planned":
        statuses.add(501)
    return tuple(sorted(statuses))
