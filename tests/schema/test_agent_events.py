"""`agentEvents`: the Halyrd WebSocket's events on GraphQL, for one agent, by type, resumable."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from resolvers.halyrd.equity import record_snapshot
from resolvers.halyrd.journal import append_entry
from resolvers.trading_agents import ensure_seed_agent
from schema.context import GraphQLContext
from schema.root import build_schema
from storage.events import Event
from storage.outbox import commit_and_publish
from tests.conftest import TEST_KEY_HEADERS

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


async def _seed(app: Any) -> int:
    """The seed agent (its creation writes events too); returns the newest event id."""
    services = app.state.services
    async with services.session_factory() as session:
        await ensure_seed_agent(session)
        await commit_and_publish(session, services.bus.publish)
        return int(await session.scalar(select(func.max(Event.id))) or 0)


async def _write(app: Any, minute: int) -> None:
    services = app.state.services
    async with services.session_factory() as session:
        ts = T0.replace(minute=minute)
        await append_entry(session, agent_id="seed", kind="note", message=f"m{minute}", ts=ts)
        await record_snapshot(session, agent_id="seed", ts=ts, equity=100.0 - minute, phase="paper")
        await commit_and_publish(session, services.bus.publish)


async def _collect(app: Any, query: str, count: int) -> list[dict[str, Any]]:
    context = GraphQLContext(services=app.state.services, connection_params=TEST_KEY_HEADERS)
    stream = await build_schema().subscribe(query, context_value=context)
    assert isinstance(stream, AsyncIterator), stream
    out: list[dict[str, Any]] = []
    try:
        while len(out) < count:
            result = await asyncio.wait_for(anext(stream), timeout=5)
            assert not result.errors, result.errors
            out.append(result.data["agentEvents"])
    finally:
        await stream.aclose()
    return out


async def test_replays_the_agent_events_in_order(app: Any) -> None:
    since = await _seed(app)
    await _write(app, 1)
    await _write(app, 2)
    query = f"subscription {{ agentEvents(since: {since}) {{ id type ts data }} }}"
    events = await _collect(app, query, 4)
    assert [e["type"] for e in events] == ["JOURNAL", "EQUITY", "JOURNAL", "EQUITY"]
    assert events[3]["data"]["equity"] == 98.0 and events[3]["data"]["dd_from_peak"] > 0
    assert events[2]["data"]["message"] == "m2"
    assert datetime.fromisoformat(events[1]["ts"]) == T0.replace(minute=1)


async def test_a_type_subset_live(app: Any) -> None:
    await _seed(app)
    await _write(app, 1)
    async with app.state.services.session_factory() as session:
        since = await session.scalar(select(func.max(Event.id)))
    # `since` pins the start, so the outcome does not depend on when the subscription registers
    query = f'subscription {{ agentEvents(agentId: "seed", types: [EQUITY], since: {since}) '
    task = asyncio.create_task(_collect(app, query + "{ type data } }", 1))
    await asyncio.sleep(0.05)
    await _write(app, 2)
    [event] = await asyncio.wait_for(task, timeout=10)
    assert event == {"type": "EQUITY", "data": event["data"]} and event["data"]["equity"] == 98.0


async def test_unknown_agent_is_an_error_with_a_code(app: Any) -> None:
    context = GraphQLContext(services=app.state.services, connection_params=TEST_KEY_HEADERS)
    stream = await build_schema().subscribe(
        'subscription { agentEvents(agentId: "ghost") { id } }', context_value=context
    )
    assert isinstance(stream, AsyncIterator)
    result = await asyncio.wait_for(anext(stream), timeout=5)
    await stream.aclose()
    assert result.errors and result.errors[0].extensions["code"] == "NOT_FOUND"
