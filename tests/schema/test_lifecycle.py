"""GraphQL's Strategy readiness and chart fields, and the gated transitionStrategy mutation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from tests.labs import use_lab
from tests.resolvers.lifecycle_kit import NOW, WEAK, fixed_lab, make
from tests.rest_compat.helpers import sessions
from tests.schema.helpers import error_codes, gql

READINESS = """
query($id: ID!) {
  strategy(id: $id) {
    stage
    readiness { strategyId stage target ready gates { name value threshold comparison passed } }
  }
}
"""
CHART = """
query($id: ID!, $bars: Int!) {
  strategy(id: $id) {
    liveSignals(bars: $bars) { symbol timeframe points { ts close position } }
    liveIndicators(bars: $bars) { series { name points { ts value } } }
    liveMarkers(bars: $bars) { markers { kind tradeId } }
  }
}
"""
TRANSITION = """
mutation($id: ID!, $target: Stage!) { transitionStrategy(id: $id, target: $target) { stage } }
"""


@pytest.fixture(autouse=True)
def _lab(app: Any) -> None:
    use_lab(app, fixed_lab())  # after the app installed its own lab


async def _strategy(app: Any, kind: tuple[str, str] = WEAK) -> str:
    async with sessions(app)() as session:
        row = await make(session, kind)
        await session.commit()
        return str(row.id)


async def test_readiness_field(app: Any, client: httpx.AsyncClient) -> None:
    strategy_id = await _strategy(app)
    body = await gql(client, READINESS, {"id": strategy_id})
    assert "errors" not in body, body
    readiness = body["data"]["strategy"]["readiness"]
    assert (readiness["strategyId"], readiness["stage"], readiness["target"]) == (
        int(strategy_id),
        "QUICK_SCREEN",
        "RESEARCH_ONLY",
    )
    [gate] = readiness["gates"]
    assert (gate["name"], gate["threshold"], gate["comparison"]) == ("backtest_trades", 10, ">=")
    assert gate["passed"] is readiness["ready"] is (gate["value"] >= 10)


async def test_the_mutation_enforces_the_gates(app: Any, client: httpx.AsyncClient) -> None:
    strategy_id = await _strategy(app)  # passes the quick screen, not the paper gates
    body = await gql(client, TRANSITION, {"id": strategy_id, "target": "RESEARCH_ONLY"})
    assert body["data"]["transitionStrategy"]["stage"] == "RESEARCH_ONLY"
    body = await gql(client, TRANSITION, {"id": strategy_id, "target": "PAPER"})
    assert error_codes(body) == ["NOT_READY"]
    assert body["errors"][0]["extensions"]["http"]["status"] == 409
    after = await gql(client, READINESS, {"id": strategy_id})
    assert after["data"]["strategy"]["stage"] == "RESEARCH_ONLY"
    assert not after["data"]["strategy"]["readiness"]["ready"]


async def test_chart_fields(app: Any, client: httpx.AsyncClient) -> None:
    strategy_id = await _strategy(app)
    body = await gql(client, CHART, {"id": strategy_id, "bars": 5})
    assert "errors" not in body, body
    strategy = body["data"]["strategy"]
    signals = strategy["liveSignals"]
    assert (signals["symbol"], signals["timeframe"], len(signals["points"])) == ("BTC-USD", "1h", 5)
    assert signals["points"][-1]["ts"] == (NOW - timedelta(hours=1)).isoformat()
    assert [s["name"] for s in strategy["liveIndicators"]["series"]] == ["fast_sma", "slow_sma"]
    assert strategy["liveMarkers"]["markers"] == []


async def test_bars_out_of_range(app: Any, client: httpx.AsyncClient) -> None:
    strategy_id = await _strategy(app)
    body = await gql(client, CHART, {"id": strategy_id, "bars": 0})
    assert set(error_codes(body)) == {"VALIDATION_ERROR"}
