"""The MCP registry and grant routes through the generated layer: statuses and codes, secrets
sealed at rest and masked in answers, discovery through the route, cascades, GraphQL twins."""

from __future__ import annotations

import sqlite3
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from resolvers.agents import create_agent
from resolvers.mcp.grants import agent_mcp_tools, call_agent_mcp_tool
from resolvers.mcp.registry import rotate_mcp_secrets
from resolvers.secrets import SecretStore
from storage.events import Event
from storage.mcp import McpGrant, McpServer
from tests.conftest import TEST_API_KEY
from tests.labs import app_lab, use_lab
from tests.rest_compat.helpers import sessions
from tests.rest_compat.parity_kit import one, selection
from tests.schema.helpers import gql

FIXTURE = str(Path(__file__).parents[1] / "resolvers" / "mcp" / "stdio_server.py")
SECRET = "sk-very-secret-value"
STDIO = {
    "name": "fixture",
    "transport": "stdio",
    "command": sys.executable,
    "args": [FIXTURE],
    "env": {"ECHO_SECRET": SECRET},
}
HTTP = {
    "name": "remote",
    "transport": "http",
    "url": "https://mcp.example.com/mcp",
    "headers": {"Authorization": f"Bearer {SECRET}"},
}


def assert_error(response: httpx.Response, status: int, code: str) -> None:
    assert (response.status_code, response.json()["code"]) == (status, code), response.text


async def topics(app: Any) -> list[str]:
    async with sessions(app)() as session:
        rows = (await session.execute(select(Event.topic).order_by(Event.id))).scalars()
        return [t for t in rows if t.startswith("mcp")]


@pytest.fixture
async def agent_id(app: Any) -> str:
    async with sessions(app)() as session:
        await create_agent(session, agent_id="scout", name="Scout", model="lab")
        await session.commit()
    return "scout"


@pytest.fixture
async def fixture_server(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.post("/api/mcp/servers", json=STDIO)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


class TestRegister:
    async def test_answers_201_with_secrets_masked(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/api/mcp/servers", json={**HTTP, "tools_include": ["a"]})
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["headers"] == {"Authorization": "********"}
        assert (body["transport"], body["url"], body["tools_include"]) == (
            "http",
            HTTP["url"],
            ["a"],
        )
        assert SECRET not in response.text
        listed = await client.get("/api/mcp/servers")
        assert [s["name"] for s in listed.json()] == ["remote"]
        assert SECRET not in listed.text

    async def test_plaintext_is_never_in_the_database_or_the_events(
        self, client: httpx.AsyncClient, app: Any, settings: Any, fixture_server: Any
    ) -> None:
        await client.post("/api/mcp/servers", json=HTTP)
        raw = Path(settings.resolved_database_url.split("///", 1)[1])
        with sqlite3.connect(raw) as db:
            rows = db.execute("SELECT env, headers FROM mcp_servers").fetchall()
            events = db.execute("SELECT payload FROM events").fetchall()
        assert rows and all(SECRET not in env + headers for env, headers in rows)
        assert all(SECRET not in str(p) for (p,) in events)
        for path in raw.parent.glob(raw.name + "*"):  # the WAL too
            assert SECRET.encode() not in path.read_bytes()
        assert (raw.parent / "secret.key").exists()

    async def test_duplicate_name_is_409(
        self, client: httpx.AsyncClient, fixture_server: Any
    ) -> None:
        assert_error(await client.post("/api/mcp/servers", json=STDIO), 409, "MCP_SERVER_EXISTS")

    @pytest.mark.parametrize(
        ("body", "code"),
        [
            ({**STDIO, "name": "Bad Name"}, "INVALID_MCP_SERVER_NAME"),
            ({**STDIO, "command": " "}, "MISSING_COMMAND"),
            ({**STDIO, "args": "--flag"}, "INVALID_ARGS"),
            ({**STDIO, "env": {"1BAD": "x"}}, "INVALID_ENV"),
            ({**STDIO, "env": {"OK": 3}}, "INVALID_ENV"),
            ({**STDIO, "url": "http://x"}, "TRANSPORT_FIELD_MISMATCH"),
            ({**HTTP, "url": "ftp://host/mcp"}, "INVALID_URL"),
            ({**HTTP, "url": "https://user:pw@host/mcp"}, "INVALID_URL"),
            ({**HTTP, "headers": {"bad header": "x"}}, "INVALID_HEADERS"),
            ({**HTTP, "command": "sh"}, "TRANSPORT_FIELD_MISMATCH"),
            ({**HTTP, "tools_exclude": [""]}, "INVALID_TOOL_FILTER"),
            ({**HTTP, "transport": "smoke"}, "VALIDATION_ERROR"),  # the generated enum check
        ],
    )
    async def test_refusals_are_coded_422s(
        self, client: httpx.AsyncClient, app: Any, body: dict[str, Any], code: str
    ) -> None:
        assert_error(await client.post("/api/mcp/servers", json=body), 422, code)
        assert (await client.get("/api/mcp/servers")).json() == []
        assert await topics(app) == []

    async def test_the_api_key_alone_is_not_enough(self, app: Any) -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", headers={"x-api-key": TEST_API_KEY}
        ) as api_only:
            response = await api_only.post("/api/mcp/servers", json=STDIO)
        assert_error(response, 401, "INVALID_OPERATOR_KEY")


class TestReadUpdateDelete:
    async def test_get_and_404(self, client: httpx.AsyncClient, fixture_server: Any) -> None:
        got = await client.get("/api/mcp/servers/fixture")
        assert got.json() == fixture_server
        assert got.json()["env"] == {"ECHO_SECRET": "********"}
        assert_error(await client.get("/api/mcp/servers/nope"), 404, "MCP_SERVER_NOT_FOUND")

    async def test_put_changes_what_it_names_and_the_mask_keeps_a_secret(
        self, client: httpx.AsyncClient, app: Any, agent_id: str, fixture_server: Any
    ) -> None:
        put = await client.put(
            "/api/mcp/servers/fixture",
            json={"description": "d", "env": {"ECHO_SECRET": "********"}},
        )
        assert put.status_code == 200, put.text
        assert (put.json()["description"], put.json()["command"]) == ("d", sys.executable)
        await client.post(f"/api/mcp/agents/{agent_id}/grants", json={"server": "fixture"})
        async with sessions(app)() as session:  # the stored secret still reaches the child
            result = await call_agent_mcp_tool(
                session,
                lab=app_lab(app),
                agent_id=agent_id,
                server="fixture",
                tool="whoami",
                arguments={},
            )
        assert result.content[0].text == SECRET
        assert_error(
            await client.put("/api/mcp/servers/nope", json={}), 404, "MCP_SERVER_NOT_FOUND"
        )
        assert_error(
            await client.put("/api/mcp/servers/fixture", json={"url": "http://x"}),
            422,
            "TRANSPORT_FIELD_MISMATCH",
        )

    async def test_switching_transport_drops_the_old_fields(
        self, client: httpx.AsyncClient, fixture_server: Any
    ) -> None:
        put = await client.put(
            "/api/mcp/servers/fixture", json={"transport": "http", "url": "http://127.0.0.1:1/mcp"}
        )
        assert put.status_code == 200, put.text
        assert (put.json()["command"], put.json()["args"], put.json()["env"]) == (None, [], {})

    async def test_delete_cascades_the_grants(
        self, client: httpx.AsyncClient, app: Any, agent_id: str, fixture_server: Any
    ) -> None:
        document, pick = one("McpServer", "mcpServer", '(name: "fixture")')({}, None)
        before = pick((await gql(client, document))["data"])
        await client.post(f"/api/mcp/agents/{agent_id}/grants", json={"server": "fixture"})
        deleted = await client.delete("/api/mcp/servers/fixture")
        assert deleted.status_code == 200
        assert deleted.json() == {**before, "updated_at": deleted.json()["updated_at"]}
        async with sessions(app)() as session:
            assert (await session.execute(select(McpGrant))).scalars().all() == []
        assert (await client.get(f"/api/mcp/agents/{agent_id}/grants")).json() == []
        assert_error(await client.delete("/api/mcp/servers/fixture"), 404, "MCP_SERVER_NOT_FOUND")
        assert await topics(app) == [
            "mcp_server.registered",
            "mcp_grant.granted",
            "mcp_grant.revoked",  # the cascade's
            "mcp_server.deleted",
        ]


class TestDiscovery:
    async def test_lists_the_live_tools_filtered(
        self, client: httpx.AsyncClient, app: Any, fixture_server: Any
    ) -> None:
        await client.put(
            "/api/mcp/servers/fixture",
            json={"tools_include": ["add", "whoami"], "tools_exclude": ["whoami"]},
        )
        emitted = await topics(app)
        response = await client.get("/api/mcp/servers/fixture/tools")
        assert response.status_code == 200, response.text
        assert [(t["server"], t["name"]) for t in response.json()] == [("fixture", "add")]
        assert response.json()[0]["input_schema"]["required"] == ["a", "b"]
        assert await topics(app) == emitted  # no registration side effect
        assert_error(await client.get("/api/mcp/servers/nope/tools"), 404, "MCP_SERVER_NOT_FOUND")

    async def test_a_hung_server_answers_504(self, client: httpx.AsyncClient, app: Any) -> None:
        lab = app_lab(app)
        use_lab(app, replace(lab, config=replace(lab.config, mcp_timeout_seconds=1.0)))
        await client.post(
            "/api/mcp/servers", json={**STDIO, "name": "hung", "args": [FIXTURE, "--hang"]}
        )
        assert_error(await client.get("/api/mcp/servers/hung/tools"), 504, "MCP_TIMEOUT")

    async def test_a_missing_command_answers_502(self, client: httpx.AsyncClient) -> None:
        await client.post(
            "/api/mcp/servers", json={**STDIO, "name": "gone", "command": "/nonexistent/mcp"}
        )
        assert_error(
            await client.get("/api/mcp/servers/gone/tools"), 502, "MCP_SERVER_START_FAILED"
        )


class TestGrants:
    async def test_grant_list_revoke(
        self, client: httpx.AsyncClient, app: Any, agent_id: str, fixture_server: Any
    ) -> None:
        base = f"/api/mcp/agents/{agent_id}/grants"
        granted = await client.post(base, json={"server": "fixture", "tools": ["add"]})
        assert granted.status_code == 201, granted.text
        assert (granted.json()["server"], granted.json()["tools"]) == ("fixture", ["add"])
        assert (await client.get(base)).json() == [granted.json()]
        async with sessions(app)() as session:  # the agent's runs see only the granted tool
            seen = await agent_mcp_tools(session, lab=app_lab(app), agent_id=agent_id)
            assert [t.name for t in seen] == ["add"]
            with pytest.raises(Exception) as refused:
                await call_agent_mcp_tool(
                    session,
                    lab=app_lab(app),
                    agent_id=agent_id,
                    server="fixture",
                    tool="echo",
                    arguments={"text": "x"},
                )
            assert getattr(refused.value, "code", None) == "MCP_TOOL_NOT_GRANTED"
        again = await client.post(base, json={"server": "fixture"})  # replaces: every tool
        assert (again.status_code, again.json()["tools"]) == (201, [])
        query = f'{{ x: mcpGrants(id: "{agent_id}") {{ {selection("McpGrant")} }} }}'
        assert len((await gql(client, query))["data"]["x"]) == 1
        revoked = await client.request("DELETE", base, json={"server": "fixture"})
        assert revoked.status_code == 200 and revoked.json()["server"] == "fixture"
        assert (await client.get(base)).json() == []
        assert_error(
            await client.request("DELETE", base, json={"server": "fixture"}),
            404,
            "MCP_GRANT_NOT_FOUND",
        )
        assert (await topics(app))[-3:] == [
            "mcp_grant.granted",
            "mcp_grant.granted",
            "mcp_grant.revoked",
        ]

    async def test_refusals(
        self, client: httpx.AsyncClient, agent_id: str, fixture_server: Any
    ) -> None:
        base = f"/api/mcp/agents/{agent_id}/grants"
        assert_error(await client.get("/api/mcp/agents/nobody/grants"), 404, "NOT_FOUND")
        assert_error(await client.post(base, json={"server": "nope"}), 404, "MCP_SERVER_NOT_FOUND")
        assert_error(
            await client.post(base, json={"server": "fixture", "tools": "add"}),
            422,
            "INVALID_TOOL_FILTER",
        )
        await client.put("/api/mcp/servers/fixture", json={"tools_exclude": ["echo"]})
        assert_error(
            await client.post(base, json={"server": "fixture", "tools": ["echo"]}),
            422,
            "TOOL_NOT_EXPOSED",
        )

    async def test_deleting_the_agent_deletes_its_grants(
        self, client: httpx.AsyncClient, app: Any, agent_id: str, fixture_server: Any
    ) -> None:
        await client.post(f"/api/mcp/agents/{agent_id}/grants", json={"server": "fixture"})
        assert (await client.delete(f"/api/agents/{agent_id}")).status_code == 200
        async with sessions(app)() as session:
            assert (await session.execute(select(McpGrant))).scalars().all() == []


class TestSecretsAtRest:
    async def test_rotation_reseals_every_stored_value(
        self, client: httpx.AsyncClient, app: Any, settings: Any, fixture_server: Any
    ) -> None:
        await client.post("/api/mcp/servers", json=HTTP)
        old = (settings.data_dir / "secret.key").read_text().split()[0].encode()
        new = Fernet.generate_key()
        lab = use_lab(app, replace(app_lab(app), _secrets=SecretStore([new, old])))
        async with sessions(app)() as session:
            assert await rotate_mcp_secrets(session, lab=lab) == 2
            await session.commit()
        only_new = SecretStore([new])
        async with sessions(app)() as session:
            rows = (await session.execute(select(McpServer).order_by(McpServer.name))).scalars()
            tokens = [t for row in rows for t in (*row.env.values(), *row.headers.values())]
        opened = [only_new.open(t) for t in tokens]
        assert opened == [SECRET, f"Bearer {SECRET}"]

    async def test_graphql_registers_with_the_same_masking(self, client: httpx.AsyncClient) -> None:
        document = (
            'mutation { x: registerMcpServer(name: "gql", transport: "http", '
            f'url: "https://h.example/mcp", headers: {{Authorization: "{SECRET}"}}) '
            "{ name headers url } }"
        )
        body = await gql(client, document)
        assert body["data"]["x"] == {"name": "gql", "headers": {"Authorization": "********"},
                                     "url": "https://h.example/mcp"}  # fmt: skip
        refused = await gql(client, 'mutation { x: registerMcpServer(name: "gql", '
                                    'transport: "http", url: "https://h") { name } }')  # fmt: skip
        assert refused["errors"][0]["extensions"]["code"] == "MCP_SERVER_EXISTS"
