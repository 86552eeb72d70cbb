"""Parse and validation results are reused across requests (limit rules are built once)."""

from __future__ import annotations

import httpx
from strawberry.extensions.parser_cache import _get_parse_cache
from strawberry.extensions.validation_cache import _get_validate_cache

from tests.schema.helpers import gql

QUERY = "{ hypotheses(first: 3) { nodes { id title } } }"


async def test_repeated_query_hits_both_caches(client: httpx.AsyncClient) -> None:
    parse, validate = _get_parse_cache(512), _get_validate_cache(512)
    await gql(client, QUERY)
    parse_before, validate_before = parse.cache_info(), validate.cache_info()
    for _ in range(5):
        body = await gql(client, QUERY)
        assert "errors" not in body
    assert parse.cache_info().hits == parse_before.hits + 5
    assert validate.cache_info().hits == validate_before.hits + 5
    assert validate.cache_info().misses == validate_before.misses
