"""Malformed, oversized and abusive documents: a coded GraphQL error, never a 500."""

from __future__ import annotations

import httpx
import pytest

from schema.limits import MAX_ALIASES, MAX_DEPTH, MAX_TOKENS
from tests.schema.helpers import error_codes, gql


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("{ strategies { ", "GRAPHQL_PARSE_FAILED"),
        ("{ nope }", "GRAPHQL_VALIDATION_FAILED"),
        ('{ strategies(first: "ten") { totalCount } }', "GRAPHQL_VALIDATION_FAILED"),
        ("{ strategies(first: 100000) { totalCount } }", "INVALID_ARGUMENT"),
    ],
)
async def test_bad_documents(client: httpx.AsyncClient, query: str, code: str) -> None:
    body = await gql(client, query)
    assert code in error_codes(body), body


async def test_too_deep(client: httpx.AsyncClient) -> None:
    inner = "id"
    for _ in range(MAX_DEPTH):
        inner = f"trades {{ strategy {{ {inner} }} }}"
    body = await gql(client, f"{{ strategies {{ nodes {{ {inner} }} }} }}")
    assert error_codes(body) == ["QUERY_TOO_DEEP"]


async def test_too_many_aliases(client: httpx.AsyncClient) -> None:
    fields = " ".join(f"a{i}: tradingAgents {{ id }}" for i in range(MAX_ALIASES + 1))
    body = await gql(client, f"{{ {fields} }}")
    assert error_codes(body) == ["TOO_MANY_ALIASES"]


async def test_too_many_tokens(client: httpx.AsyncClient) -> None:
    fields = " ".join("__typename" for _ in range(MAX_TOKENS + 1))
    body = await gql(client, f"{{ {fields} }}")
    assert error_codes(body) == ["QUERY_TOO_LARGE"]


async def test_wrong_variable_type(client: httpx.AsyncClient) -> None:
    body = await gql(client, "query($n: Int) { strategies(first: $n) { totalCount } }", {"n": "x"})
    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_mutation_over_get_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/graphql", params={"query": 'mutation { createHypothesis(input: {title: "x"}) { id } }'}
    )
    assert response.status_code in (400, 405)
    body = await gql(client, "{ hypotheses { totalCount } }")
    assert body["data"]["hypotheses"]["totalCount"] == 0


async def test_invalid_json_body(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400


async def test_graphiql_served_on_get(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


@pytest.mark.parametrize(
    "payload",
    [
        b"[]",
        b'{"query": 5}',
        b'{"query": "{ health { status } }", "variables": [1]}',
        b'{"query": "{ health { status } }", "operationName": 3}',
        b'{"query": "subscription { events { id } }"}',
        b'{"query": "query A { health { status } } query B { health { status } }"}',
    ],
)
async def test_unusable_requests_are_400_with_a_code(
    client: httpx.AsyncClient, payload: bytes
) -> None:
    response = await client.post(
        "/graphql", content=payload, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_get_path_errors_carry_codes_too(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", params={"query": "{ nope }"})
    codes = [e["extensions"]["code"] for e in response.json()["errors"]]
    assert codes == ["GRAPHQL_VALIDATION_FAILED"]
    response = await client.get("/graphql", params={"query": '{ strategy(id: "9") { id } }'})
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["NOT_FOUND"]
