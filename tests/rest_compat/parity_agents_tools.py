"""Parity cases of the toolset routes (collected by test_parity.py).

The PUT's answer is compared with the GraphQL read of the same context's grant afterwards.
"""

from __future__ import annotations

from typing import Any

from tests.rest_compat.parity_kit import Case, Ids, many, normalize, rest_get, rest_send, selection

SHAPE = "AgentToolsetOverride"
TOOLS = ["list_trades", "get_strategy_readiness", "propose_approval"]


def read_context(ids: Ids, rest: Any) -> tuple[str, Any]:
    """agentToolsets after the PUT, the entry of the context it replaced."""
    query = f'{{ x: agentToolsets(id: "{ids["agent"]}") {{ {selection(SHAPE)} }} }}'
    return query, lambda data: next(
        entry for entry in (normalize(SHAPE, item) for item in data["x"])
        if entry["context"] == rest["context"]
    )  # fmt: skip


CASES: list[Case] = [
    Case("list_agent_toolsets", rest_get("/api/agents/{agent}/toolsets"),
         many(SHAPE, "agentToolsets", '(id: "{agent}")')),
    Case("set_agent_toolset",
         rest_send("PUT", "/api/agents/{agent}/toolsets/scheduled", lambda ids: {"tools": TOOLS}),
         read_context),
]  # fmt: skip


async def prepare(client: Any, ids: Ids) -> Ids:
    """The demo's research agent (it has an override in one context)."""
    agents = (await client.get("/api/agents")).json()
    return {"agent": agents[0]["id"]}
