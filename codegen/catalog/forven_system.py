"""Forven (seed 000): system, status & control plane; plus the builder every forven_* module uses.

Error statuses follow the seed's conventions and are derived, not typed per route: 401 for
routes behind a key (missing or wrong), 503 on operator routes (operator key unconfigured), 404
when the path names a resource, 422 when the route takes params or a body, 501 while a route is
planned. Route-specific statuses (502 force-close, 409 transition, 403 shutdown, 503 sandbox)
are passed as `errors=`. 429 is global (the rate limiter) and is listed on no route.

Auth: "operator" unless the seed documents the route as ungated ("api"), exempt ("public",
"loopback") or HMAC-checked ("hmac"): the seed gates "agents, trading, paper, backtesting,
approvals, brain, gauntlet, and more"; our policy gates every other route too.

The legacy `/api/forven/*` prefix is a rewrite in front of these routes, not routes of its own.
The optional simulation and Regime Lab routers (404 unless enabled) are not catalogued.
"""

from __future__ import annotations

from codegen.model import Auth, Param, Response, Route, State

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# keyset paging shared by every Forven list that pages: {items, total, next_cursor}
PAGING = (
    Param(
        "limit",
        "query",
        "int",
        arg="first",
        minimum=1,
        maximum=500,
        description="page size, default 50, max 500",
    ),
    Param(
        "cursor",
        "query",
        arg="after",
        min_length=1,
        description="the previous page's next_cursor (opaque)",
    ),
)


def path_param(
    name: str = "id", kind: str = "int", arg: str | None = None, what: str = ""
) -> Param:
    """A documented `{name}` path variable (always required)."""
    return Param(name, "path", kind, required=True, arg=arg, description=what)


def forven(
    method: str,
    path: str,
    router: str,
    op: str,
    summary: str,
    *params: Param,
    auth: Auth = "operator",
    state: State = "planned",
    status: int = 200,
    body: bool = False,
    errors: tuple[int, ...] = (),
    notes: str = "",
    resolver: str | None = None,
    response: Response | None = None,
    fixed: tuple[tuple[str, object], ...] = (),
    graphql: str | None = None,
) -> Route:
    """One Forven route with its error statuses derived from the conventions above.

    `body=True` marks a route that takes a JSON body the seed does not spell out (so it can
    still answer 422 although no body Param is declared). Implemented routes name their
    `resolver` ("module:function" under resolvers/), `response` shape and GraphQL twin.
    """
    statuses = set(errors)
    if auth in ("api", "operator"):
        statuses.add(401)
    if auth == "operator":
        statuses.add(503)
    if any(p.source == "path" for p in params):
        statuses.add(404)
    if params or body:
        statuses.add(422)
    if state == "planned":
        statuses.add(501)
    return Route(
        method=method,
        path=path,
        api="forven",
        router=router,
        summary=summary,
        auth=auth,
        operation_id=op,
        state=state,
        params=params,
        status=status,
        errors=tuple(sorted(statuses)),
        writes=method in WRITE_METHODS,
        notes=notes,
        resolver=resolver,
        response=response or Response("none"),
        fixed=fixed,
        graphql=graphql,
    )


ROUTES: tuple[Route, ...] = (
    forven(
        "GET", "/api/health", "health", "get_health", "Liveness check (no auth).",
        auth="public", state="transport", response=Response("one", "Health"),
        notes="Exempt from the API key (ApiKeyMiddleware skips it); hand-written transport route.",
    ),
    forven("GET", "/api/system/status", "system", "get_system_status", "System status summary."),
    forven(
        "GET", "/api/system/heartbeat", "system", "get_system_heartbeat",
        "Daemon heartbeat with risk/equity data.",
    ),
    forven("GET", "/api/dashboard", "system", "get_dashboard", "Dashboard overview."),
    forven(
        "POST", "/api/system/stop", "system", "stop_system",
        "Halt trading and agents (system pause).",
    ),
    forven(
        "POST", "/api/system/start", "system", "start_system",
        "Resume trading and agents after a system pause.",
    ),
    forven(
        "GET", "/api/system/mode", "system", "get_system_mode",
        "Get the pipeline autonomy mode (manual/semi_auto/auto).",
    ),
    forven(
        "POST", "/api/system/mode", "system", "set_system_mode",
        "Set the pipeline autonomy mode (manual/semi_auto/auto).",
        Param("mode", "body", required=True, enum=("manual", "semi_auto", "auto")),
    ),
    forven(
        "POST", "/api/execution-mode", "system", "set_execution_mode",
        "Set the execution mode (paper/live); refused in beta builds.",
        Param("mode", "body", required=True, enum=("paper", "live")),
        notes=(
            "Refused in beta builds (they hard-lock to paper). The seed gives no status for the "
            "refusal; we answer 503 (its convention for a disabled capability)."
        ),
    ),
    forven(
        "POST", "/api/system/exchange/reconcile", "system", "reconcile_exchange",
        "Reconcile positions and orders with the exchange.",
    ),
    forven("GET", "/api/scheduler", "scheduler", "list_scheduler_jobs", "List scheduler jobs."),
    forven(
        "PATCH", "/api/scheduler/{job_id}", "scheduler", "update_scheduler_job",
        "Patch a scheduler job's config.",
        path_param("job_id", "str", what="scheduler job id"),
        body=True,
        notes="The patchable job fields are not documented; see the scheduler page's job catalog.",
    ),
)  # fmt: skip
