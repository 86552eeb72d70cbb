"""The two-key model on /graphql, on both HTTP execution paths (lean POST, Strawberry's GET).

Every operation area x {no key, wrong keys, API key only, both keys} x {both keys configured,
operator key unconfigured, no keys configured} x {POST, GET} x {application/json,
application/graphql-response+json}. The expected answer is written out from the seed's rules,
not asked of resolvers/access.py:

- the API key first (the guard, before routing): 401 INVALID_API_KEY when configured and not
  presented;
- operator areas then need the operator key: 503 OPERATOR_KEY_NOT_CONFIGURED when none is
  configured, 401 INVALID_OPERATOR_KEY when missing or wrong; under either media type, as
  one GraphQL error with `extensions.code` and `extensions.http.status`, and no `data`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from server.graphql_http import GRAPHQL_RESPONSE, JSON
from tests.access_rules import API, CONFIGS, OPERATOR, PRESENTED
from tests.access_rules import refusal as refusal_for
from tests.schema.keyed import BOTH, client_for, keyed_settings, refusal, serving

# (query, needs the operator key); Halyrd reads are open on loopback, yet /graphql takes the
# API key like every other HTTP route
OPERATIONS = {
    "health": ("{ health { status } }", False),
    "trading agents": ("{ tradingAgents { id name } }", False),
    "strategies": ("{ strategies { totalCount } }", True),
    "nested operator data": ("{ tradingAgents { trades { nodes { id } } } }", True),
}
CREATE = 'mutation { createHypothesis(input: {title: "matrix"}) { id } }'
COUNT = "{ hypotheses { totalCount } }"


def expected(config: dict[str, str], presented: dict[str, str], operator: bool) -> Any:
    return refusal_for(config, presented, operator=operator)


pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def apps(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[dict[str, Any]]:
    """One app per key configuration."""
    made: dict[str, Any] = {}
    contexts = []
    for name, keys in CONFIGS.items():
        context = serving(keyed_settings(tmp_path_factory.mktemp("graphql"), **keys))
        made[name] = await context.__aenter__()
        contexts.append(context)
    yield made
    for context in reversed(contexts):
        await context.__aexit__(None, None, None)


async def _ask(http: httpx.AsyncClient, method: str, query: str, accept: str) -> httpx.Response:
    if method == "POST":
        return await http.post("/graphql", json={"query": query}, headers={"accept": accept})
    return await http.get("/graphql", params={"query": query}, headers={"accept": accept})


@pytest.mark.parametrize("config", list(CONFIGS))
@pytest.mark.parametrize("presented", list(PRESENTED))
async def test_every_area_on_both_paths(apps: dict[str, Any], config: str, presented: str) -> None:
    async with client_for(apps[config], PRESENTED[presented]) as http:
        for name, (query, operator) in OPERATIONS.items():
            want = expected(CONFIGS[config], PRESENTED[presented], operator)
            for method in ("POST", "GET"):
                for accept in (JSON, GRAPHQL_RESPONSE):
                    response = await _ask(http, method, query, accept)
                    case = (name, method, accept, response.text)
                    assert refusal(response) == want, case
                    if want is None:
                        assert response.status_code == 200, case
                        assert "errors" not in response.json(), case
                    elif want[0] == 401:
                        assert response.headers["www-authenticate"].startswith("Bearer"), case


@pytest.mark.parametrize("presented", list(PRESENTED))
async def test_a_refused_mutation_writes_nothing(apps: dict[str, Any], presented: str) -> None:
    app = apps["both keys"]
    want = expected(CONFIGS["both keys"], PRESENTED[presented], operator=True)
    async with client_for(app, BOTH) as operator, client_for(app, PRESENTED[presented]) as caller:
        before = (await operator.post("/graphql", json={"query": COUNT})).json()
        response = await caller.post("/graphql", json={"query": CREATE})
        after = (await operator.post("/graphql", json={"query": COUNT})).json()
    assert refusal(response) == want, response.text
    created = 0 if want else 1
    count = before["data"]["hypotheses"]["totalCount"]
    assert after["data"]["hypotheses"]["totalCount"] == count + created


async def test_bearer_and_header_keys_are_the_same_key(apps: dict[str, Any]) -> None:
    headers = {"authorization": f"Bearer {API}", "x-operator-key": OPERATOR}
    async with client_for(apps["both keys"], headers) as http:
        response = await http.post("/graphql", json={"query": OPERATIONS["strategies"][0]})
    assert response.status_code == 200, response.text
    assert response.json()["data"]["strategies"]["totalCount"] >= 0


async def test_the_refusal_names_no_key_and_carries_no_data(apps: dict[str, Any]) -> None:
    async with client_for(apps["both keys"], {"x-api-key": API, "x-operator-key": "guess"}) as http:
        response = await http.post(
            "/graphql",
            json={"query": OPERATIONS["strategies"][0]},
            headers={"accept": GRAPHQL_RESPONSE},
        )
    assert response.status_code == 401
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    body = response.json()
    assert body == {
        "errors": [
            {
                "message": "missing or invalid operator key: send x-operator-key",
                "extensions": {"code": "INVALID_OPERATOR_KEY", "http": {"status": 401}},
            }
        ]
    }
    assert "guess" not in response.text and OPERATOR not in response.text


async def test_a_document_touching_operator_data_is_refused_whole(apps: dict[str, Any]) -> None:
    """A document mixing an API-level and an operator-level field is refused as a whole."""
    async with client_for(apps["both keys"], {"x-api-key": API}) as http:
        open_part = await http.post("/graphql", json={"query": "{ health { status } }"})
        mixed = await http.post(
            "/graphql", json={"query": "{ health { status } strategies { totalCount } }"}
        )
    assert open_part.json() == {"data": {"health": {"status": "ok"}}}
    assert refusal(mixed) == (401, "INVALID_OPERATOR_KEY")
