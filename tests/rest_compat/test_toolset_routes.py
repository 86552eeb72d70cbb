"""The toolset routes through the generated layer: statuses, refusals, DELETE, GraphQL."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from resolvers.agents import create_agent
from resolvers.tools import DEFAULT_TOOLSETS, tools_for
from tests.conftest import TEST_API_KEY
from tests.rest_compat.helpers import sessions

CONTEXTS = ["scheduled", "interactive", "recovery", "research"]


@pytest.fixture
async def agent_id(app: Any) -> str:
    async with sessions(app)() as session:
        await create_agent(session, agent_id="scout", name="Scout", model="lab")
        await session.commit()
    return "scout"


def assert_error(response: httpx.Response, status: int, code: str) -> None:
    assert (response.status_code, response.json()["code"]) == (status, code), response.text


async def test_get_lists_every_context(client: httpx.AsyncClient, agent_id: str) -> None:
    response = await client.get(f"/api/agents/{agent_id}/toolsets")
    assert response.status_code == 200
    body = response.json()
    assert [o["context"] for o in body] == CONTEXTS
    assert all(o["overridden"] is False and o["updated_at"] is None for o in body)
    assert body[3]["tools"] == list(DEFAULT_TOOLSETS["research"])
    assert set(body[0]) == {"agent_id", "context", "overridden", "tools", "updated_at"}


@pytest.mark.parametrize("context", CONTEXTS)
async def test_put_each_context(
    client: httpx.AsyncClient, app: Any, agent_id: str, context: str
) -> None:
    put = await client.put(
        f"/api/agents/{agent_id}/toolsets/{context}", json={"tools": ["list_trades"]}
    )
    assert put.status_code == 200, put.text
    assert (put.json()["overridden"], put.json()["tools"]) == (True, ["list_trades"])
    listed = (await client.get(f"/api/agents/{agent_id}/toolsets")).json()
    assert [o for o in listed if o["context"] == context] == [put.json()]
    async with sessions(app)() as session:  # what the agent's runs there now see
        granted = await tools_for(session, agent_id=agent_id, context=context)
    assert [t.name for t in granted] == ["list_trades"]


async def test_refusals(client: httpx.AsyncClient, agent_id: str) -> None:
    base = f"/api/agents/{agent_id}/toolsets"
    bad_context = await client.put(f"{base}/weekend", json={"tools": []})
    # the generated layer refuses a context outside the path enum, naming the parameter
    assert_error(bad_context, 422, "VALIDATION_ERROR")
    assert bad_context.json()["detail"][0]["loc"] == ["path", "context"]
    unknown = await client.put(f"{base}/research", json={"tools": ["get_strategy", "trade_now"]})
    assert_error(unknown, 422, "UNKNOWN_TOOL")
    assert unknown.json()["detail"]["unknown"] == ["trade_now"]
    assert_error(await client.put(f"{base}/research", json={"tools": "x"}), 422, "INVALID_TOOLS")
    missing = await client.put(f"{base}/research", json={})
    assert missing.status_code == 422
    assert_error(await client.get("/api/agents/ghost/toolsets"), 404, "NOT_FOUND")
    ghost = await client.put("/api/agents/ghost/toolsets/research", json={"tools": []})
    assert_error(ghost, 404, "NOT_FOUND")
    listed = (await client.get(base)).json()
    assert not any(o["overridden"] for o in listed)


async def test_keys_are_needed(app: Any, agent_id: str) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as bare:
        assert (await bare.get(f"/api/agents/{agent_id}/toolsets")).status_code == 401
        api_only = {"x-api-key": TEST_API_KEY}
        response = await bare.get(f"/api/agents/{agent_id}/toolsets", headers=api_only)
        assert response.status_code == 401  # operator-gated


async def test_delete_drops_the_overrides(client: httpx.AsyncClient, agent_id: str) -> None:
    base = f"/api/agents/{agent_id}/toolsets"
    await client.put(f"{base}/research", json={"tools": []})
    assert (await client.delete(f"/api/agents/{agent_id}")).status_code == 200
    assert_error(await client.get(base), 404, "NOT_FOUND")
    patched = await client.patch(f"/api/agents/{agent_id}", json={"model": "x"})
    assert_error(patched, 404, "NOT_FOUND")


async def test_graphql_twins(client: httpx.AsyncClient, agent_id: str) -> None:
    mutation = (
        'mutation { setAgentToolset(id: "scout", context: RECOVERY, tools: ["get_strategy"]) '
        "{ context overridden tools } }"
    )
    done = (await client.post("/graphql", json={"query": mutation})).json()
    assert done["data"]["setAgentToolset"] == {
        "context": "RECOVERY", "overridden": True, "tools": ["get_strategy"]
    }  # fmt: skip
    query = '{ agentToolsets(id: "scout") { context overridden tools } }'
    read = (await client.post("/graphql", json={"query": query})).json()["data"]["agentToolsets"]
    assert read[2] == done["data"]["setAgentToolset"]
    bad = 'mutation { setAgentToolset(id: "scout", context: RESEARCH, tools: ["nope"]) { tools } }'
    refused = (await client.post("/graphql", json={"query": bad})).json()
    assert refused["errors"][0]["extensions"]["code"] == "UNKNOWN_TOOL"
