"""GET /openapi.json serves the generated contract: every catalog route, and nothing else."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import orjson
import pytest
from openapi_spec_validator import validate

from codegen.artefacts import openapi_document
from codegen.catalog import ROUTES
from codegen.model import Route
from server.app import create_app
from server.settings import load_settings

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
HTTP_ROUTES = tuple(route for route in ROUTES if route.method != "WS")


async def fetch(app: Any, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        return await http.get(path)


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The document as the app serves it, fetched once for the ~130 cases below.

    Serving it touches no database, so the app runs without its lifespan here.
    """
    data = tmp_path_factory.mktemp("openapi")
    settings = load_settings(
        database_url=f"sqlite+aiosqlite:///{data / 'api.db'}", data_dir=data, demo=False
    )
    response = asyncio.run(fetch(create_app(settings), "/openapi.json"))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    document: dict[str, Any] = response.json()
    return document


def operation(spec: dict[str, Any], route: Route) -> dict[str, Any]:
    op: dict[str, Any] = spec["paths"][route.path][route.method.lower()]
    return op


def test_the_catalog_has_websocket_routes_to_leave_out() -> None:
    # Guards the exclusion below from passing vacuously.
    assert len(HTTP_ROUTES) < len(ROUTES)


def test_every_http_route_and_nothing_else(spec: dict[str, Any]) -> None:
    served = {
        (path, method)
        for path, item in spec["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }
    assert served == {(route.path, route.method.lower()) for route in HTTP_ROUTES}
    assert set(spec["paths"]) == {route.path for route in HTTP_ROUTES}
    assert "/graphql" not in spec["paths"]
    assert not any(route.path in spec["paths"] for route in ROUTES if route.method == "WS")


@pytest.mark.parametrize("route", HTTP_ROUTES, ids=lambda route: route.key)
def test_operation_lists_its_statuses(spec: dict[str, Any], route: Route) -> None:
    op = operation(spec, route)
    assert op["operationId"] == route.operation_id
    expected = {str(route.status), *(str(status) for status in route.errors)}
    assert expected <= set(op["responses"])
    for status in route.errors:
        schema = op["responses"][str(status)]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/Error"}


def test_operation_ids_are_unique(spec: dict[str, Any]) -> None:
    ids = [
        op["operationId"]
        for item in spec["paths"].values()
        for method, op in item.items()
        if method in HTTP_METHODS
    ]
    assert len(ids) == len(set(ids)) == len(HTTP_ROUTES)


def test_error_envelope_schema(spec: dict[str, Any]) -> None:
    error = spec["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"code", "detail"}
    assert set(error["required"]) == {"code", "detail"}


class TestSecurity:
    def test_both_key_schemes_exist(self, spec: dict[str, Any]) -> None:
        schemes = spec["components"]["securitySchemes"]
        assert schemes["ApiKey"]["type"] == "apiKey" and schemes["ApiKey"]["in"] == "header"
        assert schemes["OperatorKey"]["type"] == "apiKey"
        assert schemes["OperatorKey"]["in"] == "header"
        assert schemes["ApiKey"]["name"] != schemes["OperatorKey"]["name"]

    @pytest.mark.parametrize(
        "key",
        ["POST /api/lifecycle/transition", "DELETE /api/agents/{id}", "GET /api/strategies"],
    )
    def test_operator_routes_require_the_operator_key(self, spec: dict[str, Any], key: str) -> None:
        [route] = [r for r in HTTP_ROUTES if r.key == key]
        assert route.auth == "operator"
        alternatives = operation(spec, route)["security"]
        assert alternatives and all("OperatorKey" in option for option in alternatives)

    def test_api_routes_do_not_need_the_operator_key(self, spec: dict[str, Any]) -> None:
        [route] = [r for r in HTTP_ROUTES if r.key == "GET /agents"]
        assert route.auth == "api"
        alternatives = operation(spec, route)["security"]
        assert alternatives and any("ApiKey" in option for option in alternatives)
        assert not any("OperatorKey" in option for option in alternatives)

    @pytest.mark.parametrize("key", ["GET /api/health", "POST /api/shutdown"])
    def test_exempt_routes_need_no_key(self, spec: dict[str, Any], key: str) -> None:
        [route] = [r for r in HTTP_ROUTES if r.key == key]
        assert operation(spec, route)["security"] == []


def test_served_document_is_the_generated_one(spec: dict[str, Any]) -> None:
    # Round-trip through JSON so tuples and lists compare alike.
    assert spec == orjson.loads(orjson.dumps(openapi_document()))


async def test_served_through_the_running_app(
    client: httpx.AsyncClient, spec: dict[str, Any]
) -> None:
    response = await client.get("/openapi.json")
    assert response.status_code == 200 and response.json() == spec


def test_document_is_valid_openapi(spec: dict[str, Any]) -> None:
    assert spec["openapi"].startswith("3.1")
    validate(spec)
