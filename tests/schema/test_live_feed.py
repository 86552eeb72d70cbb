"""The `liveFeed` subscription: the /ws/live events with the same subsets, `since` and codes."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from resolvers.lab.live import (
    LiveEvent,  # the view: what a subscriber is handed
    emit_fill,
    emit_regime,
    emit_tick,
)
from rest_compat.live import FRAMES
from rest_compat.live_hub import hub_for
from schema.context import GraphQLContext
from schema.root import build_schema
from server import graphql_app, graphql_live
from server.app import create_app
from storage.exchange import ExchangeFill
from storage.outbox import commit_and_publish
from tests.conftest import TEST_API_KEY, TEST_KEY_HEADERS
from tests.resolvers.factories import make_strategy
from tests.schema.keyed import API, BOTH, OPERATOR, keyed_settings

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
FIELDS = "id type ts symbol strategyId data"


async def _write(app: Any, *prices: float, symbol: str = "BTC-USD") -> None:
    services = app.state.services
    async with services.session_factory() as session:
        for price in prices:
            await emit_tick(session, symbol=symbol, ts=T0, price=price, bid=price, ask=price)
        await commit_and_publish(session, services.bus.publish)


async def _open(app: Any, query: str, keys: dict[str, str] = TEST_KEY_HEADERS) -> Any:
    context = GraphQLContext(services=app.state.services, connection_params=keys)
    return await build_schema().subscribe(query, context_value=context)


async def _take(stream: Any, count: int) -> list[dict[str, Any]]:
    assert isinstance(stream, AsyncGenerator), stream
    out: list[dict[str, Any]] = []
    try:
        while len(out) < count:
            result = await asyncio.wait_for(anext(stream), timeout=5)
            assert not result.errors, result.errors
            out.append(result.data["liveFeed"])
    finally:
        await stream.aclose()
    return out


async def test_since_replays_ticks_with_every_field(app: Any) -> None:
    await _write(app, 1.0, 2.0, 3.0)
    stream = await _open(app, f"subscription {{ liveFeed(since: 1) {{ {FIELDS} }} }}")
    got = await _take(stream, 2)
    assert [e["data"]["price"] for e in got] == [2.0, 3.0]
    assert got[0]["id"] < got[1]["id"]
    assert got[0]["type"] == "TICK" and got[0]["symbol"] == "BTC-USD"
    assert got[0]["strategyId"] is None and got[0]["ts"] == T0.isoformat()


async def test_live_events_follow_the_subset(app: Any) -> None:
    services = app.state.services
    async with services.session_factory() as session:
        strategy = await make_strategy(session)  # symbol BTC-USD
        await session.commit()
    query = (
        f"subscription {{ liveFeed(types: [FILL, REGIME], strategyIds: [{strategy.id}]) "
        "{ type symbol strategyId data } }"
    )
    stream = await _open(app, query)
    task = asyncio.create_task(_take(stream, 2))
    await asyncio.sleep(0.1)  # the subscription opens before the events are written
    async with services.session_factory() as session:
        await emit_tick(session, symbol="BTC-USD", ts=T0, price=1, bid=1, ask=1)
        other = ExchangeFill(
            trade_id=1, kind="open", symbol="BTC-USD", side="buy", size=1, price=1, fee=0, ts=T0
        )
        await emit_fill(session, fill=other, strategy_id=strategy.id + 1, session_id=None)
        await emit_fill(session, fill=other, strategy_id=strategy.id, session_id=None)
        await emit_regime(
            session, symbol="ETH-USD", ts=T0, bar_ts=T0, previous=None, current="range"
        )
        await emit_regime(
            session, symbol="BTC-USD", ts=T0, bar_ts=T0, previous=None, current="volatile"
        )
        await commit_and_publish(session, services.bus.publish)
    got = await asyncio.wait_for(task, timeout=10)
    assert [(e["type"], e["strategyId"]) for e in got] == [("FILL", strategy.id), ("REGIME", None)]
    assert got[1]["data"]["current"] == "volatile"


async def test_bad_arguments_carry_the_feed_codes(app: Any) -> None:
    for query, code in [
        ("subscription { liveFeed(strategyIds: [999]) { id } }", "NOT_FOUND"),
        ("subscription { liveFeed(since: -4) { id } }", "VALIDATION_ERROR"),
        ('subscription { liveFeed(symbols: [""]) { id } }', "VALIDATION_ERROR"),
    ]:
        stream = await _open(app, query)
        result = await asyncio.wait_for(anext(stream), timeout=5)
        await stream.aclose()
        assert result.errors, query
        assert result.errors[0].extensions["code"] == code, query


async def test_the_operator_key_is_required(app: Any) -> None:
    result = await _open(app, "subscription { liveFeed { id } }", {"x-api-key": TEST_API_KEY})
    if isinstance(result, AsyncGenerator):
        result = await anext(result)
    assert result.errors and result.errors[0].extensions["code"] == "INVALID_OPERATOR_KEY"


async def test_each_operation_executes_once_per_event(
    app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    executed: list[str] = []
    original = StrawberryGraphQLCoreExecutionContext.execute_operation

    def counting(self: Any, serially: Any = None) -> Any:
        if isinstance(self.root_value, LiveEvent):
            executed.append(repr(self.variable_values.coerced))
        return original(self, serially)

    monkeypatch.setattr(StrawberryGraphQLCoreExecutionContext, "execute_operation", counting)
    same = "subscription { liveFeed { id ts } }"
    by_symbol = "subscription($s: [String!]) { liveFeed(symbols: $s) { id symbol } }"
    context = GraphQLContext(services=app.state.services, connection_params=TEST_KEY_HEADERS)
    schema = build_schema()
    streams = [
        await schema.subscribe(same, context_value=context),
        await schema.subscribe(same, context_value=context),
        await schema.subscribe(
            by_symbol, context_value=context, variable_values={"s": ["BTC-USD"]}
        ),
        await schema.subscribe(
            by_symbol, context_value=context, variable_values={"s": ["btc-usd"]}
        ),
    ]
    tasks = [asyncio.create_task(_take(stream, 1)) for stream in streams]
    await asyncio.sleep(0.1)
    await _write(app, 42.0)
    results = [got for task in tasks for got in await asyncio.wait_for(task, timeout=10)]
    assert results[0] == results[1] and set(results[0]) == {"id", "ts"}
    assert results[2] == results[3] == {"id": results[0]["id"], "symbol": "BTC-USD"}
    # four subscribers, three distinct operations (the same document with other variables is
    # another operation): three executions
    assert len(executed) == 3


async def test_subscribers_of_one_operation_share_one_next_encoding(
    app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """server/graphql_app.py encodes a shared result's `data` once; each frame has its own id."""
    schema = build_schema()
    view = graphql_app.TradegraphGraphQL(schema, lambda: app.state.services)
    encoded: list[object] = []
    real = graphql_live.dumps

    def counting(data: object) -> str:
        encoded.append(data)
        return real(data)

    monkeypatch.setattr(graphql_live, "dumps", counting)
    context = GraphQLContext(services=app.state.services, connection_params=TEST_KEY_HEADERS)
    query = "subscription { liveFeed { id ts data } }"
    streams = [await schema.subscribe(query, context_value=context) for _ in range(2)]
    tasks = [asyncio.create_task(asyncio.wait_for(anext(s), timeout=10)) for s in streams]
    await asyncio.sleep(0.1)
    await _write(app, 7.5)
    results = [await task for task in tasks]
    for stream in streams:
        await stream.aclose()
    frames = [
        view.encode_json({"id": f"op{i}", "type": "next", "payload": {"data": r.data}})
        for i, r in enumerate(results)
    ]
    assert [json.loads(frame) for frame in frames] == [
        {"id": f"op{i}", "type": "next", "payload": {"data": r.data}} for i, r in enumerate(results)
    ]
    assert results[0].data is results[1].data
    assert [d for d in encoded if not isinstance(d, str)] == [results[0].data]


def test_next_frames_fall_back_to_the_standard_encoder(app: Any) -> None:
    view = graphql_app.TradegraphGraphQL(build_schema(), lambda: app.state.services)
    big = {"id": "1", "type": "next", "payload": {"data": {"n": 2**70, "x": [1.5, None]}}}
    assert json.loads(view.encode_json(big)) == big
    failed = {"id": "2", "type": "next", "payload": {"data": None, "errors": [{"message": "m"}]}}
    assert json.loads(view.encode_json(failed)) == failed
    assert json.loads(view.encode_json({"type": "connection_ack"})) == {"type": "connection_ack"}


LIVE_TICKS = "subscription { liveFeed(types: [TICK]) { id data } }"
LIVE_ETH = 'subscription { liveFeed(symbols: ["ETH-USD"]) { id symbol } }'


def test_the_socket_serves_live_feed_from_the_shared_hub(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over graphql-transport-ws (server/graphql_ws.py): subscribers of one operation get the
    same payload under their own ids from one execution per event; `complete` stops one
    subscription and leaves the others; another subset gets only its events."""
    executed: list[int] = []
    real_execute = graphql_live.execute

    def counting(*args: Any, **kwargs: Any) -> Any:
        executed.append(kwargs["root_value"].id)
        return real_execute(*args, **kwargs)

    monkeypatch.setattr(graphql_live, "execute", counting)
    with (
        TestClient(
            create_app(keyed_settings(tmp_path, api_key=API, operator_key=OPERATOR))
        ) as client,
        client.websocket_connect("/graphql", ["graphql-transport-ws"], headers=BOTH) as ws,
    ):
        services = client.app.state.services  # type: ignore[attr-defined]

        def write(price: float, symbol: str = "BTC-USD") -> None:
            client.portal.call(_write_services, services, price, symbol)  # type: ignore[union-attr]

        ws.send_json({"type": "connection_init"})
        assert ws.receive_json() == {"type": "connection_ack"}
        for id_, query in (("a", LIVE_TICKS), ("b", LIVE_TICKS), ("c", LIVE_ETH)):
            ws.send_json({"id": id_, "type": "subscribe", "payload": {"query": query}})
        hub = hub_for(services.bus, FRAMES)
        deadline = time.monotonic() + 10  # a bound on a hang, never a synchronisation
        while len(hub) < 3 and time.monotonic() < deadline:  # they join in their own tasks
            time.sleep(0.01)
        assert len(hub) == 3
        write(1.0)
        first = [ws.receive_json(), ws.receive_json()]
        assert sorted(m["id"] for m in first) == ["a", "b"]
        assert first[0]["payload"] == first[1]["payload"]
        assert first[0]["payload"]["data"]["liveFeed"]["data"]["price"] == 1.0
        ws.send_json({"id": "a", "type": "complete"})
        write(7.0)
        write(8.0, symbol="ETH-USD")
        later: list[dict[str, Any]] = []
        while not any(m["id"] == "c" for m in later):
            later.append(ws.receive_json())
    assert [m["id"] for m in later] == ["b", "b", "c"], later
    assert [m["payload"]["data"]["liveFeed"]["data"]["price"] for m in later[:2]] == [7.0, 8.0]
    eth = later[2]["payload"]["data"]["liveFeed"]
    assert eth == {"id": later[1]["payload"]["data"]["liveFeed"]["id"], "symbol": "ETH-USD"}
    # one execution per event per distinct operation, never one per subscriber
    assert len(executed) == len(set(executed)) + 1  # the ETH tick: once for b's, once for c's


async def _write_services(services: Any, price: float, symbol: str) -> None:
    async with services.session_factory() as session:
        await emit_tick(session, symbol=symbol, ts=T0, price=price, bid=price, ask=price)
        await commit_and_publish(session, services.bus.publish)


def test_a_subscriber_that_leaves_the_hub_reads_on_without_loss(tmp_path: Path) -> None:
    """A liveFeed subscriber whose socket fell behind (forced here) leaves the hub and reads
    on from its last event through its own bus subscription: every later event, once, in order."""
    with (
        TestClient(
            create_app(keyed_settings(tmp_path, api_key=API, operator_key=OPERATOR))
        ) as client,
        client.websocket_connect("/graphql", ["graphql-transport-ws"], headers=BOTH) as ws,
    ):
        services = client.app.state.services  # type: ignore[attr-defined]
        portal: Any = client.portal
        hub = hub_for(services.bus, FRAMES)
        ws.send_json({"type": "connection_init"})
        assert ws.receive_json() == {"type": "connection_ack"}
        ws.send_json({"id": "a", "type": "subscribe", "payload": {"query": LIVE_TICKS}})
        _wait_for(lambda: len(hub) == 1)
        portal.call(_write_services, services, 1.0, "BTC-USD")
        assert _price(ws.receive_json()) == 1.0
        portal.call(_push_behind, hub)
        _wait_for(lambda: len(hub) == 0)
        for price in (2.0, 3.0, 4.0):
            portal.call(_write_services, services, price, "BTC-USD")
        got = [ws.receive_json() for _ in range(3)]
        ws.send_json({"id": "a", "type": "complete"})
    assert [_price(m) for m in got] == [2.0, 3.0, 4.0]
    ids = [m["payload"]["data"]["liveFeed"]["id"] for m in got]
    assert ids == sorted(set(ids)) and {m["id"] for m in got} == {"a"}


def _wait_for(condition: Any) -> None:
    deadline = time.monotonic() + 10  # a bound on a hang, never a synchronisation
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert condition()


def _price(message: dict[str, Any]) -> float:
    assert message["type"] == "next", message
    price: float = message["payload"]["data"]["liveFeed"]["data"]["price"]
    return price


def _push_behind(hub: Any) -> None:
    for hub_client in tuple(hub._clients):
        hub_client.behind.set()
