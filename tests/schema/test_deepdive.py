"""The deep-dive chat in GraphQL: `deepdiveSend` yields what the SSE route streams (tokens, then
the persisted answer), `deepdiveThread` reads it back with the API key alone; the send needs
the operator key and refuses bad input with the route's codes before any event."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any

import httpx

from schema.context import GraphQLContext
from schema.root import build_schema
from tests.conftest import TEST_KEY_HEADERS
from tests.resolvers.factories import make_strategy

SEND = """
subscription($id: ID!, $message: String!) {
  deepdiveSend(threadId: $id, message: $message) {
    __typename
    ... on DeepdiveToken { text }
    ... on DeepdiveMessage { id role status content provider }
    ... on DeepdiveError { code messageId }
  }
}
"""
THREAD = "query($id: ID!) { deepdiveThread(strategyId: $id) { id messages { role content } } }"
API_ONLY = {k: v for k, v in TEST_KEY_HEADERS.items() if "operator" not in k}


async def _send(app: Any, strategy_id: int, message: str, keys: dict[str, str]) -> list[Any]:
    context = GraphQLContext(services=app.state.services, connection_params=keys)
    stream = await build_schema().subscribe(
        SEND, variable_values={"id": str(strategy_id), "message": message}, context_value=context
    )
    if not isinstance(stream, AsyncGenerator):
        return [stream]
    results = []
    async for result in stream:
        results.append(result)
        if result.errors or result.data["deepdiveSend"]["__typename"] != "DeepdiveToken":
            break
    await asyncio.wait_for(stream.aclose(), timeout=5)
    return results


async def _strategy(app: Any) -> int:
    services = app.state.services
    async with services.session_factory() as session:
        strategy = await make_strategy(session, lab=services.lab)
        await session.commit()
        return strategy.id


async def test_tokens_then_the_answer_then_the_thread_reads_it(
    app: Any, client: httpx.AsyncClient
) -> None:
    strategy_id = await _strategy(app)
    results = await _send(app, strategy_id, f"strategy {strategy_id}?", TEST_KEY_HEADERS)
    assert all(not r.errors for r in results), results
    *tokens, last = [r.data["deepdiveSend"] for r in results]
    assert tokens and {t["__typename"] for t in tokens} == {"DeepdiveToken"}
    assert last["__typename"] == "DeepdiveMessage"
    assert (last["role"], last["status"], last["provider"]) == ("assistant", "complete", "lab")
    assert last["content"] == "".join(t["text"] for t in tokens)
    answer = await client.post(
        "/graphql",
        json={"query": THREAD, "variables": {"id": str(strategy_id)}},
        headers={"x-operator-key": ""},  # the thread is an ungated read: the API key alone
    )
    thread = answer.json()["data"]["deepdiveThread"]
    assert thread["id"] == str(strategy_id)
    assert [m["role"] for m in thread["messages"]] == ["user", "assistant"]
    assert thread["messages"][1]["content"] == last["content"]


async def test_the_send_needs_the_operator_key(app: Any) -> None:
    strategy_id = await _strategy(app)
    [result] = await _send(app, strategy_id, "hi", API_ONLY)
    assert [e.extensions["code"] for e in result.errors] == ["INVALID_OPERATOR_KEY"]


async def test_refusals_carry_the_route_codes(app: Any) -> None:
    strategy_id = await _strategy(app)
    [blank] = await _send(app, strategy_id, "   ", TEST_KEY_HEADERS)
    [missing] = await _send(app, 987654, "hi", TEST_KEY_HEADERS)
    assert [e.extensions["code"] for e in blank.errors] == ["INVALID_MESSAGE"]
    assert [e.extensions["code"] for e in missing.errors] == ["NOT_FOUND"]
