"""The Forven route catalog (seed 000) is complete, consistent and follows the auth/error rules."""

from __future__ import annotations

import re

import pytest

from codegen.catalog import (
    forven_agents,
    forven_brain,
    forven_data,
    forven_integrations,
    forven_live,
    forven_research,
    forven_settings,
    forven_strategies,
    forven_system,
    forven_trading,
    halyrd,
)
from codegen.model import SCALARS, Response, Route
from codegen.shapes import ENUMS

MODULES = (
    forven_system,
    forven_strategies,
    forven_research,
    forven_trading,
    forven_agents,
    forven_brain,
    forven_integrations,
    forven_data,
    forven_settings,
    forven_live,
)
ROUTES: tuple[Route, ...] = tuple(r for m in MODULES for r in m.ROUTES)
BY_KEY = {(r.method, r.path): r for r in ROUTES}

# Copied by hand from the seed's endpoint tables (and its prose on shutdown, webhooks, the
# live feed and brain-chat polling), with the "·" shorthand expanded: the independent check.
SEED_ROUTES = (
    ("GET", "/api/health"),
    ("GET", "/api/system/status"),
    ("GET", "/api/system/heartbeat"),
    ("GET", "/api/dashboard"),
    ("POST", "/api/system/stop"),
    ("POST", "/api/system/start"),
    ("GET", "/api/system/mode"),
    ("POST", "/api/system/mode"),
    ("POST", "/api/execution-mode"),
    ("POST", "/api/system/exchange/reconcile"),
    ("GET", "/api/scheduler"),
    ("PATCH", "/api/scheduler/{job_id}"),
    ("GET", "/api/strategies"),
    ("GET", "/api/lifecycle/strategies"),
    ("GET", "/api/lifecycle/strategies/{id}"),
    ("POST", "/api/lifecycle/transition"),
    ("GET", "/api/lifecycle/strategies/{id}/readiness"),
    ("POST", "/api/backtesting/strategies"),
    ("GET", "/api/backtesting/datasets"),
    ("POST", "/api/gauntlet/strategies/{id}/workflow"),
    ("GET", "/api/gauntlet/workflows/{id}"),
    ("POST", "/api/gauntlet/workflows/{id}/resume"),
    ("POST", "/api/gauntlet/workflows/{id}/cancel"),
    ("POST", "/api/gauntlet/steps/{id}/retry"),
    ("POST", "/verdict/run"),
    ("GET", "/verdict/guide"),
    ("GET", "/api/trades/open"),
    ("GET", "/api/trades/recent"),
    ("GET", "/api/trades"),
    ("POST", "/api/trades/{id}/force-close"),
    ("POST", "/api/trades/{id}/mark-failed"),
    ("GET", "/api/strategies/{id}/live-signals"),
    ("GET", "/api/strategies/{id}/live-indicators"),
    ("GET", "/api/strategies/{id}/live-markers"),
    ("GET", "/api/paper/sessions"),
    ("POST", "/api/paper/service/start"),
    ("POST", "/api/paper/service/stop"),
    ("GET", "/api/paper/sessions/{id}/trades"),
    ("GET", "/api/agents"),
    ("GET", "/api/agents/{id}"),
    ("PATCH", "/api/agents/{id}"),
    ("DELETE", "/api/agents/{id}"),
    ("GET", "/api/model-policy"),
    ("PUT", "/api/model-policy"),
    ("GET", "/api/agents/model-options"),
    ("GET", "/api/agents/{id}/toolsets"),
    ("PUT", "/api/agents/{id}/toolsets/{context}"),
    ("GET", "/api/approvals"),
    ("POST", "/api/approvals/{id}/approve"),
    ("POST", "/api/approvals/{id}/deny"),
    ("POST", "/api/approvals/{id}/revise"),
    ("POST", "/api/approvals/{id}/classify"),
    ("GET", "/api/approvals/modes"),
    ("GET", "/api/brain/overview"),
    ("GET", "/api/brain/memory"),
    ("POST", "/api/brain/chat"),
    ("POST", "/api/brain/chat/direct"),
    ("GET", "/api/brain/chat/{task_id}"),
    ("GET", "/api/routines"),
    ("POST", "/api/routines"),
    ("POST", "/api/routines/{id}/run"),
    ("GET", "/api/skills"),
    ("GET", "/api/skills/declining"),
    ("GET", "/api/skills/{name}"),
    ("GET", "/api/mcp/servers"),
    ("POST", "/api/mcp/servers"),
    ("GET", "/api/mcp/servers/{name}"),
    ("PUT", "/api/mcp/servers/{name}"),
    ("DELETE", "/api/mcp/servers/{name}"),
    ("GET", "/api/mcp/servers/{name}/tools"),
    ("GET", "/api/mcp/agents/{id}/grants"),
    ("POST", "/api/mcp/agents/{id}/grants"),
    ("DELETE", "/api/mcp/agents/{id}/grants"),
    ("GET", "/api/bot-factory/bots"),
    ("POST", "/api/bot-factory/bots"),
    ("PUT", "/api/bot-factory/bots/{id}"),
    ("DELETE", "/api/bot-factory/bots/{id}"),
    ("POST", "/api/bot-factory/bots/{id}/start"),
    ("POST", "/api/bot-factory/bots/{id}/stop"),
    ("GET", "/api/bot-factory/bots/{id}/trades"),
    ("GET", "/api/bot-factory/bots/{id}/positions"),
    ("GET", "/api/bot-factory/templates"),
    ("GET", "/api/hypotheses"),
    ("POST", "/api/hypotheses/manual"),
    ("POST", "/api/hypotheses/from_url"),
    ("POST", "/api/hypotheses/preview_url"),
    ("GET", "/api/hypotheses/{id}"),
    ("POST", "/api/hypotheses/{id}/update"),
    ("POST", "/api/hypotheses/{id}/generate-strategies"),
    ("POST", "/api/fetch"),
    ("GET", "/api/notifications"),
    ("POST", "/api/notifications/{id}/acknowledge"),
    ("POST", "/api/notifications/acknowledge-all"),
    ("GET", "/api/diagnostics/snapshot"),
    ("GET", "/api/diagnostics/resumable"),
    ("POST", "/api/diagnostics/resumable/{id}/resume"),
    ("GET", "/api/health/status"),
    ("GET", "/api/health/alerts"),
    ("GET", "/api/settings"),
    ("PUT", "/api/settings/{section}"),
    ("GET", "/api/settings/api-keys"),
    ("POST", "/api/settings/api-keys"),
    ("DELETE", "/api/settings/api-keys"),
    ("GET", "/api/profile"),
    ("PUT", "/api/profile"),
    ("POST", "/api/sandbox/scan"),
    ("POST", "/api/sandbox/test"),
    ("POST", "/api/sandbox/runs/{id}/kill"),
    ("POST", "/api/deepdive/threads/{id}/send"),
    ("WS", "/api/ws/live"),
    ("WS", "/ws/live"),
    ("POST", "/api/shutdown"),
    ("POST", "/api/webhooks/{name}"),
)
UNGATED_READS = (
    ("GET", "/api/diagnostics/snapshot"),
    ("GET", "/api/diagnostics/resumable"),
    ("GET", "/api/health/status"),
    ("GET", "/api/health/alerts"),
    ("GET", "/api/skills"),
    ("GET", "/api/skills/declining"),
    ("GET", "/api/skills/{name}"),
    ("POST", "/api/sandbox/scan"),
)
# built by hand and served today; the live feeds join when built
TRANSPORT = (
    ("GET", "/api/health"),
    ("POST", "/api/shutdown"),
    ("POST", "/api/webhooks/{name}"),
    ("POST", "/api/deepdive/threads/{id}/send"),
    ("WS", "/api/ws/live"),
    ("WS", "/ws/live"),
)
ROUTERS = {
    "system", "scheduler", "strategies", "lifecycle", "backtesting", "gauntlet", "verdict",
    "trades", "paper", "agents", "model_policy", "approvals", "brain", "routines", "skills",
    "mcp", "bot_factory", "hypotheses", "data", "notifications", "diagnostics", "health",
    "settings", "profile", "sandbox", "deepdive", "live", "webhooks",
}  # fmt: skip


def test_every_seed_route_is_catalogued_and_nothing_else() -> None:
    assert len(SEED_ROUTES) == len(set(SEED_ROUTES))
    missing = [key for key in SEED_ROUTES if key not in BY_KEY]
    extra = [key for key in BY_KEY if key not in SEED_ROUTES]
    assert missing == []
    assert extra == []


def test_keys_and_operation_ids_are_unique() -> None:
    keys = [(r.method, r.path) for r in ROUTES]
    assert len(keys) == len(set(keys))
    ops = [r.operation_id for r in ROUTES]
    assert len(ops) == len(set(ops))
    # OpenAPI covers both APIs, so Forven ids must not collide with Halyrd's either
    assert set(ops).isdisjoint(r.operation_id for r in halyrd.ROUTES)


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.key)
def test_route_basics(route: Route) -> None:
    assert route.api == "forven"
    assert route.router in ROUTERS
    assert route.path.startswith(("/api/", "/verdict/", "/ws/"))
    assert re.fullmatch(r"[a-z]+(_[a-z0-9]+)+", route.operation_id)
    assert route.summary
    assert route.writes == (route.method in ("POST", "PUT", "PATCH", "DELETE"))
    assert list(route.errors) == sorted(set(route.errors))
    assert 429 not in route.errors
    if route.state == "implemented":
        assert route.resolver and route.response != Response("none")
        assert route.graphql, "implemented routes name their GraphQL twin (parity test)"
        assert 501 not in route.errors
    elif route.state == "planned":
        assert route.resolver is None and route.response == Response("none")


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.key)
def test_path_variables_match_path_params(route: Route) -> None:
    in_path = set(re.findall(r"{(\w+)}", route.path))
    declared = [p.name for p in route.params if p.source == "path"]
    assert len(declared) == len(set(declared))
    assert set(declared) == in_path
    assert all(p.required for p in route.params if p.source == "path")
    assert all(p.type in SCALARS or p.type in ENUMS for p in route.params)
    if in_path:  # body ids can be unknown too (404 on transition and strategy creation)
        assert 404 in route.errors
        assert 400 in route.errors  # a non-canonical path segment, refused before routing


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.key)
def test_state_and_error_conventions(route: Route) -> None:
    if (route.method, route.path) in TRANSPORT:
        assert route.state == "transport"
        assert 501 not in route.errors
    elif route.state == "implemented":
        assert 501 not in route.errors
    else:
        assert route.state == "planned"
        assert 501 in route.errors
    if route.auth in ("api", "operator"):
        assert 401 in route.errors
    if route.auth == "operator":
        assert 503 in route.errors
    if route.params:
        assert 422 in route.errors


def test_auth_levels() -> None:
    assert BY_KEY["GET", "/api/health"].auth == "public"
    assert BY_KEY["POST", "/api/shutdown"].auth == "loopback"
    assert BY_KEY["POST", "/api/webhooks/{name}"].auth == "hmac"
    assert BY_KEY["GET", "/api/strategies"].auth == "operator"
    assert BY_KEY["WS", "/api/ws/live"].auth == "operator"
    assert BY_KEY["WS", "/ws/live"].auth == "operator"
    for key in UNGATED_READS:
        assert BY_KEY[key].auth == "api", key
    special = {*UNGATED_READS, ("GET", "/api/health"), ("POST", "/api/shutdown")}
    special.add(("POST", "/api/webhooks/{name}"))
    others = {r.auth for r in ROUTES if (r.method, r.path) not in special}
    assert others == {"operator"}


def test_documented_statuses() -> None:
    assert BY_KEY["POST", "/api/brain/chat"].status == 202
    # the poll answers 202 while the task runs (documented as its `accepted` view), then 200
    poll = BY_KEY["GET", "/api/brain/chat/{task_id}"]
    assert (poll.accepted, poll.status) == ("BrainTask", 200)
    assert BY_KEY["POST", "/api/shutdown"].status == 202
    assert 403 in BY_KEY["POST", "/api/shutdown"].errors
    assert 502 in BY_KEY["POST", "/api/trades/{id}/force-close"].errors
    assert 409 in BY_KEY["POST", "/api/lifecycle/transition"].errors
    for key in (("POST", "/api/sandbox/test"), ("POST", "/api/sandbox/runs/{id}/kill")):
        assert 503 in BY_KEY[key].errors
    created = {(r.method, r.path) for r in ROUTES if r.status == 201}
    assert created == {
        ("POST", "/api/hypotheses/manual"),
        ("POST", "/api/hypotheses/from_url"),
        ("POST", "/api/hypotheses/{id}/generate-strategies"),
        ("POST", "/api/backtesting/strategies"),
        ("POST", "/api/routines"),
        ("POST", "/api/mcp/servers"),
        ("POST", "/api/bot-factory/bots"),
        ("POST", "/api/settings/api-keys"),
        ("POST", "/api/mcp/agents/{id}/grants"),
    }


def test_documented_params() -> None:
    def params(method: str, path: str) -> dict[str, tuple[str, str, bool, tuple[str, ...]]]:
        route = BY_KEY[method, path]
        return {p.name: (p.source, p.type, p.required, p.enum) for p in route.params}

    strategies = params("GET", "/api/strategies")
    assert set(strategies) == {"status", "stage", "limit", "cursor"}
    assert strategies["stage"][3] == ("quick_screen", "research_only", "paper", "live")
    transition = params("POST", "/api/lifecycle/transition")
    assert transition["strategy_id"] == ("body", "int", True, ())
    # the Stage enum: paper and live as documented, plus research_only (see the route's notes)
    assert transition["target"] == ("body", "Stage", True, ())
    assert params("GET", "/api/trades/open")["verify"][:2] == ("query", "bool")
    assert params("POST", "/api/gauntlet/workflows/{id}/resume")["max_steps"][:2] == (
        "body",
        "int",
    )
    context = params("PUT", "/api/agents/{id}/toolsets/{context}")["context"]
    assert context[3] == ("scheduled", "interactive", "recovery", "research")
    assert params("POST", "/api/hypotheses/manual")["title"][2] is True
    assert params("GET", "/api/agents/{id}")["id"][1] == "str"
    assert params("POST", "/api/trades/{id}/force-close")["id"][1] == "int"


def test_static_paths_precede_colliding_parameter_paths() -> None:
    """FastAPI matches in registration order: /model-options must not be read as an {id}."""
    order = {(r.method, r.path): i for i, r in enumerate(ROUTES)}
    pattern = {key: re.compile("^" + re.sub(r"{\w+}", "[^/]+", key[1]) + "$") for key in order}
    for (method, path), index in order.items():
        if "{" in path:
            continue
        for other, regex in pattern.items():
            if other[0] == method and "{" in other[1] and regex.match(path):
                assert index < order[other], f"{method} {path} must precede {other[1]}"
