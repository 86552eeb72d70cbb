"""GraphQL over HTTP: media types, status codes and bodies, the same on both paths.

POST runs on the lean executor, GET on Strawberry's path; every expectation here is asserted
on both. tests/e2e/test_graphql_http_audit.py runs graphql-http's audit on the real server.
"""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest

from server.graphql_http import GRAPHQL_RESPONSE, JSON, is_json_body, negotiate

METHODS = ("POST", "GET")


async def ask(
    client: httpx.AsyncClient,
    method: str,
    query: str,
    *,
    accept: str | None = None,
    variables: str | None = None,
) -> httpx.Response:
    """One operation on one path; `variables` is JSON text (GET sends it as such)."""
    headers = {"accept": accept} if accept is not None else {}
    if method == "POST":
        content = orjson.dumps({"query": query, "variables": orjson.loads(variables or "null")})
        headers["content-type"] = "application/json"
        return await client.post("/graphql", content=content, headers=headers)
    params = {"query": query, **({"variables": variables} if variables else {})}
    return await client.get("/graphql", params=params, headers=headers)


class TestNegotiate:
    @pytest.mark.parametrize(
        ("accept", "media_type"),
        [
            (None, JSON),
            ("", JSON),
            ("*/*", JSON),
            ("application/*", JSON),
            ("application/json", JSON),
            ("APPLICATION/JSON", JSON),
            (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
            (f"{GRAPHQL_RESPONSE}, application/json", GRAPHQL_RESPONSE),
            (f"application/json, {GRAPHQL_RESPONSE}", GRAPHQL_RESPONSE),
            (f"application/json, {GRAPHQL_RESPONSE};q=0.9", JSON),
            (f"{GRAPHQL_RESPONSE};q=0.5, */*", JSON),
            (f"{GRAPHQL_RESPONSE};q=0, */*", JSON),
            ("application/json;q=0, */*", GRAPHQL_RESPONSE),
            (f"text/html, {GRAPHQL_RESPONSE};q=0.1", GRAPHQL_RESPONSE),
            ("application/json;q=oops", JSON),
            ("text/html", None),
            ("application/json;q=0", None),
            ("application/graphql-response+json;q=0, application/json;q=0", None),
        ],
    )
    def test_picks_the_spec_media_type(self, accept: str | None, media_type: str | None) -> None:
        assert negotiate(accept) == media_type


@pytest.mark.parametrize(
    ("content_type", "accepted"),
    [
        ("application/json", True),
        ("application/json; charset=utf-8", True),
        ("Application/JSON;charset=UTF-8", True),
        ('application/json; charset="utf-8"', True),
        ("application/json; charset=latin-1", False),
        ("application/graphql", False),
        ("application/jsonx", False),
        ("text/plain", False),
        ("", False),
        (None, False),
    ],
)
def test_only_utf8_json_bodies(content_type: str | None, accepted: bool) -> None:
    assert is_json_body(content_type) is accepted


# (query, variables, code or None, whether it executed)
OUTCOMES = {
    "ok": ("{ health { status } }", None, None, True),
    "parse error": ("{ health {", None, "GRAPHQL_PARSE_FAILED", False),
    "validation error": ("{ nope }", None, "GRAPHQL_VALIDATION_FAILED", False),
    "variable coercion": (
        "query($id: ID!) { strategy(id: $id) { id } }",
        '{"id": null}',
        "BAD_USER_INPUT",
        False,
    ),
    "field error": ('{ strategy(id: "9") { id } }', None, "NOT_FOUND", True),
}
# the spec: a document that did not execute is 400 under graphql-response+json, 200 under json
STATUS = {
    (JSON, True): 200,
    (JSON, False): 200,
    (GRAPHQL_RESPONSE, True): 200,
    (GRAPHQL_RESPONSE, False): 400,
}


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("outcome", list(OUTCOMES))
@pytest.mark.parametrize("accept", [None, "*/*", JSON, GRAPHQL_RESPONSE])
async def test_status_media_type_and_data_entry(
    client: httpx.AsyncClient, method: str, outcome: str, accept: str | None
) -> None:
    query, variables, code, ran = OUTCOMES[outcome]
    response = await ask(client, method, query, accept=accept, variables=variables)
    media_type = GRAPHQL_RESPONSE if accept == GRAPHQL_RESPONSE else JSON
    assert response.status_code == STATUS[(media_type, ran)], response.text
    assert response.headers["content-type"].split(";")[0] == media_type
    body = response.json()
    assert ("data" in body) is ran, body
    assert [e["extensions"]["code"] for e in body.get("errors", [])] == ([code] if code else [])


@pytest.mark.parametrize("accept", [JSON, GRAPHQL_RESPONSE])
async def test_mutations_over_get_are_405(client: httpx.AsyncClient, accept: str) -> None:
    mutation = 'mutation { createHypothesis(input: {title: "over GET"}) { id } }'
    response = await client.get("/graphql", params={"query": mutation}, headers={"accept": accept})
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.headers["content-type"].split(";")[0] == accept
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "METHOD_NOT_ALLOWED", "http": {"status": 405}}
    listed = await client.post("/graphql", json={"query": "{ hypotheses { totalCount } }"})
    assert listed.json()["data"]["hypotheses"]["totalCount"] == 0


async def test_subscriptions_over_get_point_to_the_websocket(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", params={"query": "subscription { events { id } }"})
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert "WebSocket" in error["message"]


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json; charset=latin-1", b'{"query": "{ health { status } }"}'),
        ("application/graphql", b"{ health { status } }"),
        ("text/plain", b'{"query": "{ health { status } }"}'),
        (None, b""),
    ],
)
async def test_post_bodies_must_be_json(
    client: httpx.AsyncClient, content_type: str | None, body: bytes
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = await client.post("/graphql", content=body, headers=headers)
    assert response.status_code == 415, response.text
    payload = response.json()
    # a body the guard middleware already refused carries REST's envelope
    code = payload.get("code") or payload["errors"][0]["extensions"]["code"]
    assert code == "UNSUPPORTED_MEDIA_TYPE"


async def test_charset_utf8_json_is_accepted(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql",
        content='{"query": "{ __type(name: \\"Run🏃Swim🏊\\") { name } }"}'.encode(),
        headers={"content-type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 200
    assert response.json() == {"data": {"__type": None}}


@pytest.mark.parametrize("method", METHODS)
async def test_unacceptable_accept_is_406(client: httpx.AsyncClient, method: str) -> None:
    response = await ask(client, method, "{ health { status } }", accept="image/png")
    assert response.status_code == 406
    assert response.json()["errors"][0]["extensions"]["code"] == "NOT_ACCEPTABLE"


async def test_graphiql_still_answers_a_browser(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("extensions", ["x", 0, False, ["a"]])
async def test_extensions_must_be_a_map(client: httpx.AsyncClient, extensions: Any) -> None:
    response = await client.post(
        "/graphql", json={"query": "{ health { status } }", "extensions": extensions}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


@pytest.mark.parametrize("extensions", [None, {"some": "value"}])
async def test_extensions_may_be_null_or_a_map(client: httpx.AsyncClient, extensions: Any) -> None:
    response = await client.post(
        "/graphql", json={"query": "{ health { status } }", "extensions": extensions}
    )
    assert response.json() == {"data": {"health": {"status": "ok"}}}


@pytest.mark.parametrize("accept", [JSON, GRAPHQL_RESPONSE])
async def test_unusable_requests_are_400_under_both_types(
    client: httpx.AsyncClient, accept: str
) -> None:
    response = await client.post(
        "/graphql",
        content=b'{"notquery": "{ health { status } }"}',
        headers={"content-type": "application/json", "accept": accept},
    )
    assert response.status_code == 400
    assert response.headers["content-type"].split(";")[0] == accept
    assert response.json()["errors"][0]["extensions"] == {
        "code": "BAD_REQUEST",
        "http": {"status": 400},
    }


async def test_head_is_405_with_the_allowed_methods(client: httpx.AsyncClient) -> None:
    response = await client.head("/graphql", params={"query": "{ health { status } }"})
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
