"""The `liveFeed` subscription: the /ws/live events with the same subsets, `since` and codes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from typing import Any

import pytest
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from resolvers.lab.live import emit_fill, emit_regime, emit_tick
from schema.context import GraphQLContext
from schema.live import LiveEvent
from schema.root import build_schema
from storage.exchange import ExchangeFill
from storage.outbox import commit_and_publish
from tests.conftest import TEST_API_KEY, TEST_KEY_HEADERS
from tests.resolvers.factories import make_strategy

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
