"""FORVEN_AUTH_REQUIRED on /graphql: the schema is not published (no introspection, no name
hints) on either HTTP path, even to a caller holding both keys; without it, both work."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.schema.keyed import API, BOTH, OPERATOR, client_for, keyed_settings, serving

INTROSPECT = "{ __schema { queryType { name } } }"
NEAR_MISS = "{ strategie { totalCount } }"


@pytest.fixture(params=[True, False], ids=["auth required", "auth optional"])
async def http(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[httpx.AsyncClient, bool]]:
    """A client holding both keys, and whether the app runs with FORVEN_AUTH_REQUIRED."""
    settings = keyed_settings(
        tmp_path, api_key=API, operator_key=OPERATOR, auth_required=request.param
    )
    async with serving(settings) as app, client_for(app, BOTH) as client:
        yield client, request.param


async def ask(client: httpx.AsyncClient, method: str, query: str) -> dict[str, Any]:
    if method == "POST":
        response = await client.post("/graphql", json={"query": query})
    else:
        response = await client.get("/graphql", params={"query": query})
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize("method", ["POST", "GET"])
async def test_introspection(http: tuple[httpx.AsyncClient, bool], method: str) -> None:
    client, required = http
    body = await ask(client, method, INTROSPECT)
    if required:
        assert "data" not in body
        assert {e["extensions"]["code"] for e in body["errors"]} == {"GRAPHQL_VALIDATION_FAILED"}
    else:
        assert body == {"data": {"__schema": {"queryType": {"name": "Query"}}}}


@pytest.mark.parametrize("method", ["POST", "GET"])
async def test_field_suggestions(http: tuple[httpx.AsyncClient, bool], method: str) -> None:
    client, required = http
    body = await ask(client, method, NEAR_MISS)
    [error] = body["errors"]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert ("Did you mean" in error["message"]) is not required, error


@pytest.mark.parametrize("method", ["POST", "GET"])
async def test_typename_still_answers(http: tuple[httpx.AsyncClient, bool], method: str) -> None:
    assert await ask(http[0], method, "{ __typename }") == {"data": {"__typename": "Query"}}
