"""The skills routes: ungated reads (API key only), 404 for an unknown skill, GraphQL twins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from storage.research.verdict import BacktestTrial
from storage.trades import Trade
from tests.conftest import TEST_API_KEY
from tests.resolvers.factories import make_strategy
from tests.rest_compat.helpers import sessions

T0 = datetime(2026, 1, 1, tzinfo=UTC)
PATHS = ["/api/skills", "/api/skills/declining", "/api/skills/ma_cross"]


@pytest.fixture
async def losing(app: Any) -> None:
    """An ma_cross expectation of 2.0 and 20 losing paper trades."""
    async with sessions(app)() as session:
        strategy = await make_strategy(session)
        for i, sharpe in enumerate([1.5, 2.5]):
            session.add(BacktestTrial(family="ma_cross", params_key=str(i), params={"i": i},
                                      sharpe_annualized=sharpe, bars=500))  # fmt: skip
        for i, pnl in enumerate([-1.0, -2.0, 0.5, -1.5] * 5):
            session.add(Trade(strategy_id=strategy.id, symbol="BTC-USD", side="buy", size=1.0,
                              entry_price=100.0, pnl=pnl, status="closed", phase="paper",
                              closed_at=T0 + timedelta(days=i)))  # fmt: skip
        await session.commit()


@pytest.mark.parametrize("path", PATHS)
async def test_api_key_only(app: Any, path: str) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as bare:
        refused = await bare.get(path)
        assert (refused.status_code, refused.json()["code"]) == (401, "INVALID_API_KEY")
        ok = await bare.get(path, headers={"x-api-key": TEST_API_KEY})  # no operator key
        assert ok.status_code == 200, ok.text


async def test_list_and_detail(client: httpx.AsyncClient, losing: None) -> None:
    skills = (await client.get("/api/skills")).json()
    assert [s["name"] for s in skills][:1] == ["ma_cross"]
    ma = skills[0]
    assert ma == (await client.get("/api/skills/ma_cross")).json()
    assert (ma["kind"], ma["backtest"]["trials"], ma["backtest"]["median_sharpe"]) == (
        "family", 2, 2.0)  # fmt: skip
    assert (ma["paper"]["trades"], ma["paper"]["wins"], ma["paper"]["pnl"]) == (20, 5, -20.0)
    assert ma["declining"] is True and ma["live"]["trades"] == 0
    sma = (await client.get("/api/skills/sma")).json()
    assert (sma["kind"], sma["families"], sma["paper"]["trades"]) == ("indicator", ["ma_cross"], 20)


async def test_unknown_skill(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/skills/astrology")
    assert (response.status_code, response.json()["code"]) == (404, "UNKNOWN_SKILL")


async def test_declining(client: httpx.AsyncClient, losing: None) -> None:
    body = (await client.get("/api/skills/declining")).json()
    assert body["rule"] | {"rule": ""} == {"rule": "", "window": 30, "min_trades": 20,
                                           "margin": 1.0}  # fmt: skip
    assert {(d["name"], d["phase"]) for d in body["skills"]} == {
        ("ma_cross", "paper"), ("sma", "paper")}  # fmt: skip
    assert all(d["shortfall"] > 1.0 and d["expectation"] == 2.0 for d in body["skills"])


async def test_declining_empty(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/skills/declining")).json()
    assert body["skills"] == [] and "median annualized backtest Sharpe" in body["rule"]["rule"]


async def test_graphql_twins(client: httpx.AsyncClient, losing: None) -> None:
    query = (
        '{ skill(name: "ma_cross") { name declining paper { trades pnl } } '
        "decliningSkills { rule { minTrades } skills { name phase } } skills { name } }"
    )
    data = (await client.post("/graphql", json={"query": query})).json()["data"]
    assert data["skill"] == {"name": "ma_cross", "declining": True,
                             "paper": {"trades": 20, "pnl": -20.0}}  # fmt: skip
    assert data["decliningSkills"]["rule"] == {"minTrades": 20}
    assert len(data["skills"]) == len((await client.get("/api/skills")).json())
    api_only = {"x-api-key": TEST_API_KEY, "x-operator-key": ""}
    gql = await client.post("/graphql", json={"query": query}, headers=api_only)
    assert "errors" not in gql.json()
