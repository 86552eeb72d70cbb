"""The lab as an MCP server: an SDK client lists and calls the lab's tools at /mcp with the
keys, and is refused without them; a proposal files a pending approval, nothing more."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp_types import TextContent
from sqlalchemy import func, select

from resolvers.agents import create_agent
from resolvers.mcp.lab_tools import LAB_TOOLS
from storage.approvals import Approval
from storage.events import Event
from tests.conftest import TEST_API_KEY, TEST_KEY_HEADERS
from tests.rest_compat.helpers import sessions

URL = "http://testserver/mcp"


@asynccontextmanager
async def lab_client(app: Any, headers: dict[str, str]) -> AsyncIterator[Client]:
    """An SDK client on the in-process app's /mcp."""
    http = httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), headers=headers)
    async with http:
        transport = streamable_http_client(URL, http_client=http)
        async with Client(transport, mode="legacy", cache=None) as client:
            yield client


async def count(app: Any, model: Any) -> int:
    async with sessions(app)() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def test_lists_every_lab_tool(app: Any) -> None:
    async with lab_client(app, TEST_KEY_HEADERS) as client:
        listed = await client.list_tools()
    names = [tool.name for tool in listed.tools]
    assert names == [tool.name for tool in LAB_TOOLS]
    assert {"list_strategies", "get_strategy", "run_backtest", "run_verdict", "list_agents",
            "list_trades", "propose_approval"} <= set(names)  # fmt: skip
    by_name = {tool.name: tool for tool in listed.tools}
    assert by_name["get_strategy"].input_schema["required"] == ["strategy_id"]
    assert "session" not in by_name["get_strategy"].input_schema["properties"]
    hints = {name: tool.annotations and tool.annotations.read_only_hint
             for name, tool in by_name.items()}  # fmt: skip
    assert (hints["propose_approval"], hints["list_trades"]) == (False, True)


async def test_calls_a_read_tool(app: Any) -> None:
    async with sessions(app)() as session:
        await create_agent(session, agent_id="scout", name="Scout", model="lab")
        await session.commit()
    async with lab_client(app, TEST_KEY_HEADERS) as client:
        result = await client.call_tool("get_agent", {"agent_id": "scout"})
        missing = await client.call_tool("get_agent", {"agent_id": "nobody"})
        bad = await client.call_tool("get_strategy", {"strategy_id": "x", "extra": 1})
    assert not result.is_error
    content = result.content[0]
    assert isinstance(content, TextContent)
    assert json.loads(content.text)["name"] == "Scout"
    assert missing.is_error and missing.structured_content["code"] == "NOT_FOUND"
    assert bad.is_error and bad.structured_content["code"] == "INVALID_ARGUMENTS"


async def test_propose_files_a_pending_approval_and_its_event(app: Any) -> None:
    before = await count(app, Event)
    async with lab_client(app, TEST_KEY_HEADERS) as client:
        result = await client.call_tool("propose_approval", {
            "type": "promotion", "target_type": "strategy", "target_id": "7",
            "owner": "ide-assistant", "summary": "promote after the verdict",
        })  # fmt: skip
        listed = await client.call_tool("list_approvals", {"status": "pending"})
    assert not result.is_error, result.content
    assert result.structured_content["status"] == "pending"
    assert await count(app, Approval) == 1
    assert await count(app, Event) == before + 1
    assert [a["owner"] for a in listed.structured_content["items"]] == ["ide-assistant"]


async def test_a_refused_proposal_writes_nothing(app: Any) -> None:
    async with lab_client(app, TEST_KEY_HEADERS) as client:
        result = await client.call_tool("propose_approval", {
            "type": "promotion", "target_type": "spaceship", "target_id": "7", "owner": "x",
        })  # fmt: skip
    assert result.is_error
    assert await count(app, Approval) == 0


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 401, "INVALID_API_KEY"),
        ({"x-api-key": TEST_API_KEY}, 401, "INVALID_OPERATOR_KEY"),
        ({"x-api-key": TEST_API_KEY, "x-operator-key": "wrong"}, 401, "INVALID_OPERATOR_KEY"),
    ],
)
async def test_refused_without_the_keys(
    app: Any, headers: dict[str, str], status: int, code: str
) -> None:
    with pytest.raises(Exception):  # noqa: B017 (the SDK wraps the refusal in its task groups)
        async with lab_client(app, headers) as client:
            await client.list_tools()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        initialize = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}}
        response = await http.post("/mcp", json=initialize, headers=headers)
    assert (response.status_code, response.json()["code"]) == (status, code)


async def test_runs_a_backtest_and_reads_pages(app: Any, client: httpx.AsyncClient) -> None:
    async with lab_client(app, TEST_KEY_HEADERS) as lab:
        ran = await lab.call_tool("run_backtest", {"spec": {"family": "ma_cross"}})
        strategies = await lab.call_tool("list_strategies", {"first": 5})
    assert not ran.is_error, ran.content
    backtest_id = ran.structured_content["backtest_id"]
    stored = await client.get(f"/backtests/{backtest_id}")  # the REST read of what it stored
    assert stored.status_code == 200, stored.text
    assert set(strategies.structured_content) == {"items", "total", "next_cursor"}
