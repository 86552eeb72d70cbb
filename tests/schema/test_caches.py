"""Parse and validation results are reused across requests (limit rules are built once)."""

from __future__ import annotations

from typing import Any

import httpx
from starlette.routing import Route
from strawberry.extensions.parser_cache import _get_parse_cache
from strawberry.extensions.validation_cache import _get_validate_cache

from tests.schema.helpers import gql

QUERY = "{ hypotheses(first: 3) { nodes { id title } } }"


def _graphql_endpoint(app: Any) -> Any:
    for route in app.router.routes:
        if isinstance(route, Route) and route.path == "/graphql":
            return route.app
    raise AssertionError("no /graphql route")


async def test_post_queries_are_prepared_once(app: Any, client: httpx.AsyncClient) -> None:
    prepare = _graphql_endpoint(app).executor.prepare
    await gql(client, QUERY)
    before = prepare.cache_info()
    for _ in range(5):
        body = await gql(client, QUERY)
        assert "errors" not in body
    after = prepare.cache_info()
    assert (after.hits, after.misses) == (before.hits + 5, before.misses)


async def test_get_queries_hit_strawberrys_caches(client: httpx.AsyncClient) -> None:
    parse, validate = _get_parse_cache(512), _get_validate_cache(512)
    await client.get("/graphql", params={"query": QUERY})
    parse_before, validate_before = parse.cache_info(), validate.cache_info()
    for _ in range(5):
        response = await client.get("/graphql", params={"query": QUERY})
        assert response.status_code == 200 and "errors" not in response.json()
    assert parse.cache_info().hits == parse_before.hits + 5
    # the limit rules are module constants, so the validation cache key never changes
    assert validate.cache_info().hits == validate_before.hits + 5
    assert validate.cache_info().misses == validate_before.misses
