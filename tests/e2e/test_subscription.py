"""End to end: the real server process, a mutation over HTTP, its event on a gql subscription."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from gql import Client, gql
from gql.transport.websockets import WebsocketsTransport

from tests.e2e.server import running_server

pytestmark = pytest.mark.e2e

SUBSCRIBE = gql(
    """subscription { events(topics: ["hypothesis.*"]) { id topic entityId payload } }"""
)
CREATE = """mutation($t: String!) { createHypothesis(input: {title: $t}) { id title } }"""
KEYS = {"x-api-key": "e2e-api-key", "x-operator-key": "e2e-operator-key"}
ENV = {"FORVEN_API_KEY": KEYS["x-api-key"], "FORVEN_OPERATOR_KEY": KEYS["x-operator-key"]}


async def test_mutation_event_reaches_a_gql_subscription(tmp_path: Path) -> None:
    with running_server(tmp_path, "--no-demo", env=ENV) as base:
        # keys in connection_init, as a browser sends them; the mutation sends headers
        transport = WebsocketsTransport(
            url=base.replace("http", "ws") + "/graphql",
            subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
            init_payload=KEYS,
        )
        received: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

        async def listen() -> None:
            async with Client(transport=transport) as session:
                async for result in session.subscribe(SUBSCRIBE):
                    await received.put(result["events"])

        listener = asyncio.create_task(listen())
        created: dict[str, str] = {}
        try:
            async with httpx.AsyncClient(base_url=base, headers=KEYS) as http:
                # The subscription may not be registered before the first mutation lands;
                # keep creating until one is delivered live (never more than a few).
                for attempt in range(20):
                    response = await http.post(
                        "/graphql", json={"query": CREATE, "variables": {"t": f"e2e {attempt}"}}
                    )
                    assert response.status_code == 200, response.text
                    row = response.json()["data"]["createHypothesis"]
                    created[row["id"]] = row["title"]
                    try:
                        event = await asyncio.wait_for(received.get(), timeout=1.0)
                        break
                    except TimeoutError:
                        continue
                else:
                    pytest.fail("no event arrived on the subscription")
        finally:
            listener.cancel()
            await asyncio.gather(listener, return_exceptions=True)
        assert event["topic"] == "hypothesis.created"
        assert event["entityId"] in created
        assert event["payload"]["title"] == created[event["entityId"]]
