"""The two-key model, route by route, generated from the catalog.

Every HTTP route x {no key, wrong keys, API key only, both keys} x {both keys configured,
operator key unconfigured, no keys configured}, on its own path and on its legacy
`/api/forven/*` spelling, and for the Halyrd routes both loopback-bound and not. The expected
answer is written out here from the seed's rules, not asked of resolvers/access.py:

- the API key is checked first, on everything but GET /api/health, /api/webhooks/*,
  POST /api/shutdown and OPTIONS: 401 INVALID_API_KEY when configured and not presented;
- operator-gated routes then need the operator key: 503 OPERATOR_KEY_NOT_CONFIGURED when none
  is configured, 401 INVALID_OPERATOR_KEY when it is missing or wrong;
- Halyrd routes are open on loopback (FORVEN_AUTH_REQUIRED false), else reads take the API key
  and mutations both keys;
- past the gates a route answers as it would anyway: a planned route 501, others never one of
  the refusals above.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from codegen.catalog import ROUTES
from codegen.model import Route
from server.app import create_app
from server.settings import load_settings
from tests.access_rules import CONFIGS, PRESENTED, refusal

# checked by their own tests: shutdown would stop the app under test
SKIPPED = {"POST /api/shutdown"}
HTTP = [r for r in ROUTES if r.method != "WS" and r.key not in SKIPPED]
AUTH_CODES = {"INVALID_API_KEY", "INVALID_OPERATOR_KEY", "OPERATOR_KEY_NOT_CONFIGURED"}


def sample_path(route: Route) -> str:
    return re.sub(r"\{[^}]+\}", lambda m: "x" if m.group(0) == "{name}" else "1", route.path)


def expected(route: Route, config: dict[str, str], presented: dict[str, str], open_: bool) -> Any:
    """(status, code) of the refusal the seed's rules predict, or None when none applies."""
    exempt = route.auth in ("public", "loopback", "hmac") or (route.api == "halyrd" and open_)
    if exempt:
        return None
    return refusal(config, presented, operator=route.auth == "operator")


pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def apps(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[dict[str, Any]]:
    """One app per configuration (and per bind for Halyrd), sharing nothing."""
    made: dict[str, Any] = {}
    contexts = []
    variants = [(name, "127.0.0.1") for name in CONFIGS] + [
        (name, "0.0.0.0") for name in CONFIGS if name != "no keys"
    ]
    for name, bind in variants:
        data: Path = tmp_path_factory.mktemp("matrix")
        settings = load_settings(
            database_url=f"sqlite+aiosqlite:///{data / 'm.db'}",
            data_dir=data,
            demo=False,
            rate_limit="",
            bind_host=bind,
            **CONFIGS[name],
        )
        app = create_app(settings)
        context = app.router.lifespan_context(app)
        await context.__aenter__()
        contexts.append(context)
        made[f"{name}@{bind}"] = app
    yield made
    for context in reversed(contexts):
        await context.__aexit__(None, None, None)


async def _call(app: Any, route: Route, path: str, headers: dict[str, str]) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        return await http.request(route.method, path, headers=headers)


def _check(response: httpx.Response, route: Route, want: Any) -> None:
    body = response.json()
    assert response.status_code < 400 or set(body) >= {"code", "detail"}, body
    if want is not None:
        assert (response.status_code, body["code"]) == want, route.key
        return
    if response.status_code >= 400:
        assert body["code"] not in AUTH_CODES, (route.key, body)
    if route.state == "planned":
        assert response.status_code == 501, (route.key, body)


# answers measured at the moment of the read (resolvers/health.py, resolvers/diagnostics.py)
MEASURED_NOW = frozenset({"get_diagnostics_snapshot", "get_health_status"})


@pytest.mark.parametrize("config", list(CONFIGS))
@pytest.mark.parametrize("presented", list(PRESENTED))
async def test_every_route_on_loopback(apps: dict[str, Any], config: str, presented: str) -> None:
    app = apps[f"{config}@127.0.0.1"]
    headers = PRESENTED[presented]
    for route in HTTP:
        want = expected(route, CONFIGS[config], headers, open_=True)
        path = sample_path(route)
        response = await _call(app, route, path, headers)
        _check(response, route, want)
        if path.startswith("/api/"):
            legacy = await _call(app, route, "/api/forven" + path[4:], headers)
            if route.operation_id in MEASURED_NOW and response.status_code == 200:
                # each read measures anew (its time, the database's round trip): same shape
                assert legacy.status_code == 200 and set(legacy.json()) == set(response.json())
            else:
                assert (legacy.status_code, legacy.json()) == (
                    response.status_code,
                    response.json(),
                )
            assert legacy.headers["sunset"] == "Tue, 30 Jun 2026 23:59:59 GMT"


@pytest.mark.parametrize("config", ["both keys", "operator unconfigured"])
@pytest.mark.parametrize("presented", list(PRESENTED))
async def test_halyrd_routes_take_the_keys_off_loopback(
    apps: dict[str, Any], config: str, presented: str
) -> None:
    app = apps[f"{config}@0.0.0.0"]
    headers = PRESENTED[presented]
    for route in (r for r in HTTP if r.api == "halyrd"):
        want = expected(route, CONFIGS[config], headers, open_=False)
        _check(await _call(app, route, sample_path(route), headers), route, want)


async def test_the_matrix_covers_every_level() -> None:
    assert {r.level for r in HTTP} == {"public", "api", "operator", "halyrd_read", "halyrd_write"}
    assert len(HTTP) >= 130
