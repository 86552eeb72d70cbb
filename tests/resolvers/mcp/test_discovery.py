"""Live discovery against real MCP servers written with the SDK: the stdio fixture the test
starts, the same tools over streamable HTTP, and the ways a server can fail."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from resolvers.errors import DomainError
from resolvers.mcp.discovery import call_tool, exposed, list_tools
from resolvers.secrets import SecretStore, build_store
from storage.mcp import McpServer
from tests.loopback import unreachable_base
from tests.resolvers.mcp.http_server import TOKEN, http_mcp_server

FIXTURE = str(Path(__file__).with_name("stdio_server.py"))
GENEROUS = 60.0  # a loaded machine takes seconds to start a Python child; not what is tested


@pytest.fixture
def store() -> SecretStore:
    return build_store()


def stdio(store: SecretStore, *args: str, command: str = sys.executable) -> McpServer:
    return McpServer(
        name="fixture", transport="stdio", command=command, args={"args": [FIXTURE, *args]},
        env={"ECHO_SECRET": store.seal("from-env")}, headers={},
    )  # fmt: skip


def http(store: SecretStore, url: str, token: str = TOKEN) -> McpServer:
    return McpServer(name="remote", transport="http", url=url, args={}, env={},
                     headers={"Authorization": store.seal(token)})  # fmt: skip


@pytest.fixture(scope="module")
def http_url() -> Iterator[str]:
    with http_mcp_server() as url:
        yield url


async def refusal(row: McpServer, store: SecretStore, seconds: float) -> DomainError:
    with pytest.raises(DomainError) as caught:
        await list_tools(row, store, timeout=seconds)
    return caught.value


class TestStdio:
    async def test_lists_the_servers_tools_with_their_schemas(self, store: SecretStore) -> None:
        tools = await list_tools(stdio(store), store, timeout=GENEROUS)
        assert [name for name, _, _ in tools] == ["add", "echo", "whoami"]
        _, description, schema = tools[0]
        assert description == "Add two numbers."
        assert schema["required"] == ["a", "b"]
        assert schema["properties"]["a"]["type"] == "integer"

    async def test_a_command_that_does_not_exist_will_not_start(self, store: SecretStore) -> None:
        error = await refusal(stdio(store, command="/nonexistent/mcp-server"), store, GENEROUS)
        assert (error.status, error.code) == (502, "MCP_SERVER_START_FAILED")

    async def test_a_server_that_exits_at_once(self, store: SecretStore) -> None:
        error = await refusal(stdio(store, "--exit"), store, GENEROUS)
        assert (error.status, error.code) == (502, "MCP_SERVER_START_FAILED")

    async def test_a_hung_server_times_out(self, store: SecretStore) -> None:
        error = await refusal(stdio(store, "--hang"), store, 1.0)
        assert (error.status, error.code) == (504, "MCP_TIMEOUT")
        assert error.details == {"name": "fixture", "transport": "stdio"}

    async def test_bad_protocol_is_a_protocol_error(self, store: SecretStore) -> None:
        error = await refusal(stdio(store, "--garbage"), store, GENEROUS)
        assert (error.status, error.code) == (502, "MCP_PROTOCOL_ERROR")


class TestStreamableHttp:
    async def test_lists_the_tools_sending_the_stored_headers(
        self, store: SecretStore, http_url: str
    ) -> None:
        tools = await list_tools(http(store, http_url), store, timeout=GENEROUS)
        assert [name for name, _, _ in tools] == ["add", "echo", "whoami"]

    async def test_a_refused_header_is_a_connect_failure(
        self, store: SecretStore, http_url: str
    ) -> None:
        error = await refusal(http(store, http_url, token="Bearer wrong"), store, GENEROUS)
        assert (error.status, error.code) == (502, "MCP_CONNECT_FAILED")
        assert error.details["status"] == 401

    async def test_nothing_listening(self, store: SecretStore) -> None:
        error = await refusal(http(store, unreachable_base() + "/mcp"), store, GENEROUS)
        assert (error.status, error.code) == (502, "MCP_CONNECT_FAILED")


@pytest.mark.parametrize(
    ("include", "exclude", "expected"),
    [
        ([], [], ["add", "echo", "whoami"]),
        (["add", "echo"], [], ["add", "echo"]),
        ([], ["whoami"], ["add", "echo"]),
        (["add", "echo"], ["echo"], ["add"]),
        (["missing"], [], []),
    ],
)
def test_include_exclude(include: list[str], exclude: list[str], expected: list[str]) -> None:
    assert exposed(["add", "echo", "whoami"], include, exclude) == expected


class TestCallTool:
    async def test_calls_a_tool_with_the_stored_env(self, store: SecretStore) -> None:
        added = await call_tool(stdio(store), store, tool="add", arguments={"a": 2, "b": 3},
                                timeout=GENEROUS)  # fmt: skip
        assert added.structured_content == {"result": 5}

    async def test_a_hung_server_times_out(self, store: SecretStore) -> None:
        with pytest.raises(DomainError) as caught:
            await call_tool(stdio(store, "--hang"), store, tool="add", arguments={}, timeout=1.0)
        assert caught.value.code == "MCP_TIMEOUT"
