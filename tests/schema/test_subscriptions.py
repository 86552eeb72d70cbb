"""The `events` subscription: replay with `since`, topic and entity filters, live delivery."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx

from schema.context import GraphQLContext
from schema.root import build_schema
from tests.conftest import TEST_KEY_HEADERS
from tests.schema.helpers import gql

CREATE = "mutation($t: String!) { createHypothesis(input: {title: $t}) { id } }"


async def _collect(app: Any, query: str, count: int) -> list[dict[str, Any]]:
    schema = build_schema()
    context = GraphQLContext(services=app.state.services, connection_params=TEST_KEY_HEADERS)
    stream = await schema.subscribe(query, context_value=context)
    assert isinstance(stream, AsyncIterator), stream
    out: list[dict[str, Any]] = []
    try:
        while len(out) < count:
            result = await asyncio.wait_for(anext(stream), timeout=5)
            assert not result.errors, result.errors
            out.append(result.data["events"])
    finally:
        await stream.aclose()
    return out


async def test_since_replays_then_filters(app: Any, client: httpx.AsyncClient) -> None:
    ids = []
    for i in range(4):
        body = await gql(client, CREATE, {"t": f"h{i}"})
        ids.append(body["data"]["createHypothesis"]["id"])
    events = await _collect(
        app, 'subscription { events(topics: ["hypothesis.*"], since: 1) { id topic entityId } }', 3
    )
    assert [e["entityId"] for e in events] == ids[1:]
    assert [e["id"] for e in events] == sorted(e["id"] for e in events)
    only = await _collect(
        app, f'subscription {{ events(entityId: "{ids[2]}", since: 0) {{ entityId }} }}', 1
    )
    assert only == [{"entityId": ids[2]}]


async def test_live_event_after_subscribing(app: Any, client: httpx.AsyncClient) -> None:
    task = asyncio.create_task(
        _collect(
            app, 'subscription { events(topics: ["hypothesis.created"], since: 0) { payload } }', 1
        )
    )
    # since: 0 makes the outcome independent of whether the subscription registered first
    await asyncio.sleep(0.05)
    await gql(client, CREATE, {"t": "live"})
    [event] = await asyncio.wait_for(task, timeout=10)
    assert event["payload"]["title"] == "live"
