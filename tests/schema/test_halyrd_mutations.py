"""The Halyrd actions on GraphQL: the seed's codes as `extensions.code`, a refused order kept
(it is a record) while every other failed mutation writes nothing, and the reads beside them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from resolvers.trading_agents import ensure_seed_agent
from storage.outbox import commit_and_publish
from tests.schema.helpers import error_codes, gql

ORDER = 'mutation($size: Float!) { placeAgentOrder(symbol: "BTC-USD", side: BUY, size: $size) '
ORDER += "{ orderRef status phase txHash } }"
BLOCKS = (
    '{ tradingAgent(id: "seed") { riskBlocks { code layer rule orderRef } orders { status } } }'
)


@pytest.fixture
async def seeded(app: Any) -> None:
    async with app.state.services.session_factory() as session:
        await ensure_seed_agent(session)
        await commit_and_publish(session, None)


async def test_a_refused_order_is_an_error_and_a_record(
    client: httpx.AsyncClient, seeded: None
) -> None:
    body = await gql(client, ORDER, {"size": 500.0})
    assert error_codes(body) == ["RISK_VETO"] and body["data"] is None
    extensions = body["errors"][0]["extensions"]
    assert extensions["http"]["status"] == 422
    read = (await gql(client, BLOCKS))["data"]["tradingAgent"]
    assert read["riskBlocks"] == [
        {"code": "RISK_VETO", "layer": "policy", "rule": "max_trade_pct", "orderRef": "ord_1"}
    ]
    assert read["orders"] == [{"status": "blocked"}]
    filled = await gql(client, ORDER, {"size": 0.001})
    assert filled["data"]["placeAgentOrder"]["status"] == "filled"


async def test_state_machine_codes(client: httpx.AsyncClient, seeded: None) -> None:
    assert error_codes(await gql(client, "mutation { promoteAgent { status } }")) == [
        "NOT_ELIGIBLE"
    ]
    unconfirmed = await gql(client, "mutation { killAgent(confirm: false) { twakSession } }")
    assert error_codes(unconfirmed) == ["CONFIRMATION_REQUIRED"]
    promoted = await gql(client, "mutation { promoteAgent(force: true) { status firstTxHash } }")
    assert promoted["data"]["promoteAgent"]["status"] == "LIVE"
    live = await gql(client, ORDER, {"size": 0.001})
    assert live["data"]["placeAgentOrder"]["phase"] == "LIVE"
    assert live["data"]["placeAgentOrder"]["txHash"].startswith("0x")
    killed = await gql(client, "mutation { killAgent(confirm: true) { twakSession } }")
    assert killed["data"] == {"killAgent": {"twakSession": "revoked"}}
    again = await gql(client, "mutation { promoteAgent(force: true) { status } }")
    assert error_codes(again) == ["DEMOTED"]
    agent = await gql(client, "{ tradingAgent { status phase twakSession } }")
    assert agent["data"]["tradingAgent"] == {
        "status": "DEMOTED",
        "phase": "PAPER",
        "twakSession": "revoked",
    }


async def test_a_failed_config_change_writes_nothing(
    client: httpx.AsyncClient, seeded: None
) -> None:
    bad = await gql(client, 'mutation { putAgentWatchlist(symbols: ["NOPE-XYZ"]) { id } }')
    assert error_codes(bad) == ["UNKNOWN_SYMBOL"]
    ok = await gql(
        client,
        "mutation { patchAgentConfig(evaluationConfigPatch: {risk: {max_drawdown: 0.1}}) "
        "{ id parentId runPeriod { from to } } }",
    )
    version = ok["data"]["patchAgentConfig"]
    assert version["parentId"] == 1 and version["runPeriod"]["to"] is None
    versions = await gql(client, "{ tradingAgent { configVersions { id change } } }")
    assert versions["data"]["tradingAgent"]["configVersions"] == [
        {"id": 1, "change": "initial"},
        {"id": version["id"], "change": "config"},
    ]


async def test_spawn_backtest_and_indicators(client: httpx.AsyncClient, seeded: None) -> None:
    spawned = await gql(client, 'mutation { spawnAgent(name: "Scout") { id status } }')
    assert spawned["data"]["spawnAgent"] == {"id": "scout", "status": "PAPER"}
    current = await gql(client, "{ tradingAgent { id } tradingAgents { id } }")
    assert current["data"]["tradingAgent"]["id"] == "seed"
    assert [a["id"] for a in current["data"]["tradingAgents"]] == ["seed", "scout"]
    run = await gql(
        client,
        'mutation { createBacktest(input: {spec: {family: "macd_momentum"}, '
        "dataset: {bars: 600}}) { id status passed gates } }",
    )
    backtest = run["data"]["createBacktest"]
    assert backtest["status"] == "completed" and isinstance(backtest["passed"], bool)
    fetched = await gql(client, f'{{ backtest(id: "{backtest["id"]}") {{ id gates }} }}')
    assert fetched["data"]["backtest"] == {"id": backtest["id"], "gates": backtest["gates"]}
    names = await gql(client, "{ indicators { name usedBy params { name default } } }")
    macd = next(i for i in names["data"]["indicators"] if i["name"] == "macd")
    assert macd["usedBy"] == ["macd_momentum"] and macd["params"][0] == {
        "name": "fast",
        "default": 12.0,
    }
