"""The Halyrd agent through the generated layer: every error code of the seed's table from a
real scenario over HTTP, the promote/demote/kill-switch state machine with its forbidden
moves, the configuration tree, spawn, backtests, indicators, and `/agents/current` = `seed`.

The server's market feed is the process-wide default the lifespan configured; the faults a
real feed has (a pause, a dislocated venue, a thin book) are injected into it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from resolvers.market.feed import MarketFeed, default_feed
from resolvers.trading_agents import ensure_seed_agent
from storage.outbox import commit_and_publish
from tests.rest_compat.helpers import sessions

SMALL = {"symbol": "BTC-USD", "side": "buy", "size": 0.001}


@pytest.fixture
async def agent(app: Any) -> AsyncIterator[MarketFeed]:
    async with sessions(app)() as session:
        await ensure_seed_agent(session)
        await commit_and_publish(session, None)
    feed = default_feed()
    yield feed
    feed.resume()
    for symbol in ("BTC-USD", "ETH-USD"):
        feed.set_dislocation(symbol, 0.0)
        feed.set_depth_factor(symbol, 1.0)


async def _refused(client: httpx.AsyncClient, body: dict[str, Any], code: str) -> dict[str, Any]:
    response = await client.post("/agents/current/orders", json=body)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert response.json()["code"] == code and detail["order_ref"].startswith("ord_")
    blocks = (await client.get("/agents/seed/risk/blocks", params={"limit": 1})).json()
    assert blocks[0]["code"] == code and blocks[0]["order_ref"] == detail["order_ref"]
    assert blocks[0]["layer"] == detail["layer"] and blocks[0]["rule"] == detail["rule"]
    return detail


class TestEveryErrorCode:
    async def test_a_small_order_fills(self, client: httpx.AsyncClient, agent: Any) -> None:
        response = await client.post("/agents/seed/orders", json=SMALL)
        assert response.status_code == 201, response.text
        order = response.json()
        assert order["status"] == "filled" and order["phase"] == "paper"
        assert order["tx_hash"] is None and order["trade_id"] is not None
        trades = (await client.get("/agents/seed/trades", params={"phase": "paper"})).json()
        assert [t["id"] for t in trades] == [order["trade_id"]]

    async def test_risk_veto_for_a_sized_up_order(
        self, client: httpx.AsyncClient, agent: Any
    ) -> None:
        detail = await _refused(client, {**SMALL, "size": 50.0}, "RISK_VETO")
        assert (detail["layer"], detail["rule"]) == ("policy", "max_trade_pct")
        journal = (await client.get("/agents/seed/journal", params={"limit": 5})).json()
        assert any(e["kind"] == "block" for e in journal["entries"])

    async def test_quote_stale_while_the_feed_is_paused(
        self, client: httpx.AsyncClient, agent: MarketFeed
    ) -> None:
        agent.pause("BTC-USD", at=datetime.now(UTC) - timedelta(minutes=10))
        detail = await _refused(client, SMALL, "QUOTE_STALE")
        assert detail["layer"] == "quote"
        journal = (await client.get("/agents/seed/journal", params={"limit": 5})).json()
        assert journal["entries"][0]["kind"] == "skip"  # the seed: skips are journaled
        agent.resume("BTC-USD")
        assert (await client.post("/agents/seed/orders", json=SMALL)).status_code == 201

    async def test_quote_divergence(self, client: httpx.AsyncClient, agent: MarketFeed) -> None:
        agent.set_dislocation("BTC-USD", 120.0)
        detail = await _refused(client, SMALL, "QUOTE_DIVERGENCE")
        assert detail["rule"] == "mid_divergence"

    async def test_insufficient_liquidity(
        self, client: httpx.AsyncClient, agent: MarketFeed
    ) -> None:
        agent.set_depth_factor("BTC-USD", 1e-6)
        detail = await _refused(client, SMALL, "INSUFFICIENT_LIQUIDITY")
        assert detail["rule"] == "book_depth"

    async def test_market_mode_mismatch_for_a_perp_spec(
        self, client: httpx.AsyncClient, agent: Any
    ) -> None:
        patch = {"evaluation_config_patch": {"strategy": {"market_mode": "perp"}}}
        assert (await client.patch("/agents/seed/config", json=patch)).status_code == 200
        detail = await _refused(client, SMALL, "MARKET_MODE_MISMATCH")
        assert detail["rule"] == "spec_mode"

    async def test_twak_block_beyond_the_daily_cap(
        self, client: httpx.AsyncClient, agent: Any
    ) -> None:
        patch = {"evaluation_config_patch": {"signing": {"daily_cap": 90.0}}}
        assert (await client.patch("/agents/seed/config", json=patch)).status_code == 200
        promoted = await client.post("/agents/seed/promote", json={"force": True})
        assert promoted.json()["status"] == "LIVE"
        first = await client.post("/agents/seed/orders", json=SMALL)  # ~50-80 of notional
        assert first.status_code == 201 and first.json()["tx_hash"].startswith("0x")
        assert first.json()["phase"] == "live"
        detail = await _refused(client, SMALL, "TWAK_BLOCK")
        assert (detail["layer"], detail["rule"]) == ("signing", "daily_cap")


class TestStateMachine:
    async def test_promote_needs_eligible_unless_forced(
        self, client: httpx.AsyncClient, agent: Any
    ) -> None:
        refused = await client.post("/agents/seed/promote")
        assert (refused.status_code, refused.json()["code"]) == (409, "NOT_ELIGIBLE")
        assert (await client.get("/agents/seed")).json()["status"] == "PAPER"
        forced = await client.post("/agents/seed/promote", json={"force": True})
        assert forced.status_code == 200 and forced.json()["first_tx_hash"].startswith("0x")
        again = await client.post("/agents/seed/promote", json={"force": True})
        assert (again.status_code, again.json()["code"]) == (409, "ALREADY_LIVE")
        assert (await client.get("/agents/seed")).json()["phase"] == "live"

    async def test_kill_switch_needs_confirm_then_demotes_and_blocks_signing(
        self, client: httpx.AsyncClient, agent: Any
    ) -> None:
        await client.post("/agents/seed/promote", json={"force": True})
        unconfirmed = await client.post("/agents/seed/kill-switch")
        assert (unconfirmed.status_code, unconfirmed.json()["code"]) == (
            422,
            "CONFIRMATION_REQUIRED",
        )
        assert (await client.get("/agents/seed")).json()["status"] == "LIVE"
        killed = await client.post("/agents/seed/kill-switch", json={"confirm": True})
        assert killed.json() == {"twak_session": "revoked"}
        assert (await client.get("/agents/seed")).json()["status"] == "DEMOTED"
        demoted = await client.post("/agents/seed/promote", json={"force": True})
        assert (demoted.status_code, demoted.json()["code"]) == (409, "DEMOTED")
        # re-approval: demote brings it back to PAPER; a new promotion opens a new session
        assert (await client.post("/agents/seed/demote")).json() == {"status": "PAPER"}
        assert (await client.post("/agents/seed/promote", json={"force": True})).status_code == 200
        assert (await client.post("/agents/seed/orders", json=SMALL)).json()["tx_hash"]

    async def test_demote_from_live_and_on_paper(
        self, client: httpx.AsyncClient, agent: Any
    ) -> None:
        assert (await client.post("/agents/seed/demote")).json() == {"status": "PAPER"}
        await client.post("/agents/seed/promote", json={"force": True})
        assert (await client.post("/agents/current/demote")).json() == {"status": "PAPER"}
        assert (await client.get("/agents/seed")).json()["phase"] == "paper"
        statuses = [
            e["data"].get("status")
            for e in (await client.get("/agents/seed/journal")).json()["entries"]
            if e["kind"] == "status"
        ]
        assert "LIVE" in statuses and "PAPER" in statuses


class TestConfigurationAndRoadmap:
    async def test_versions_form_a_tree(self, client: httpx.AsyncClient, agent: Any) -> None:
        put = await client.put("/agents/seed/watchlist", json={"symbols": ["eth-usd"]})
        patch = {"evaluation_config_patch": {"risk": {"max_drawdown": 0.1}}, "parent_id": 1}
        branch = await client.patch("/agents/seed/config", json=patch)
        versions = (await client.get("/agents/seed/config/versions")).json()
        assert [(v["id"], v["parent_id"]) for v in versions] == [(1, None), (2, 1), (3, 1)]
        assert put.json()["id"] == 2 and branch.json()["id"] == 3
        assert versions[1]["outcome"] is not None and versions[2]["outcome"] is None
        assert versions[2]["run_period"]["to"] is None
        empty = await client.put("/agents/seed/watchlist", json={"symbols": []})
        assert (empty.status_code, empty.json()["code"]) == (422, "WATCHLIST_EMPTY")
        bad = {"evaluation_config_patch": {"risk": {"max_drawdown": "high"}}}
        refused = await client.patch("/agents/seed/config", json=bad)
        assert (
            refused.status_code == 422 and refused.json()["detail"]["field"] == "risk.max_drawdown"
        )

    async def test_candidates_rank_by_score(self, client: httpx.AsyncClient, agent: Any) -> None:
        body = (await client.get("/agents/seed/watchlist/candidates")).json()
        scores = [c["score"] for c in body["candidates"]]
        assert scores == sorted(scores, reverse=True) and len(scores) >= 3
        assert {c["preset"] for c in body["candidates"]} <= {p["name"] for p in body["presets"]}

    async def test_spawn_keeps_current_on_the_running_agent(
        self, client: httpx.AsyncClient, agent: Any
    ) -> None:
        spawned = await client.post("/agents", json={"name": "Scout", "market_mode": "perp"})
        assert spawned.status_code == 201 and spawned.json()["market_mode"] == "perp"
        assert [a["id"] for a in (await client.get("/agents")).json()] == ["seed", "scout"]
        assert (await client.get("/agents/current")).json()["id"] == "seed"
        taken = await client.post("/agents", json={"name": "Again", "id": "scout"})
        assert (taken.status_code, taken.json()["code"]) == (409, "AGENT_EXISTS")

    async def test_backtest_round_trip(self, client: httpx.AsyncClient, agent: Any) -> None:
        spec = {"family": "donchian_breakout", "params": {"entry": 30}}
        created = await client.post("/backtests", json={"spec": spec, "dataset": {"bars": 800}})
        assert created.status_code == 201
        found = (await client.get(f"/backtests/{created.json()['backtest_id']}")).json()
        assert found["status"] == "completed" and found["spec"]["params"]["entry"] == 30
        assert {g["rule"] for g in found["gates"]} >= {"max_drawdown", "trade_floor"}
        assert found["passed"] == all(g["passed"] for g in found["gates"])
        bad = await client.post("/backtests", json={"spec": {"family": "astrology"}})
        assert bad.status_code == 422 and bad.json()["detail"]["field"] == "spec.family"
        assert (await client.get("/backtests/999")).status_code == 404

    async def test_identity_and_indicators(self, client: httpx.AsyncClient, agent: Any) -> None:
        identity = (await client.get("/agents/seed/identity")).json()
        assert identity["agentRegistry"].startswith(f"eip155:{identity['chainId']}:")
        assert identity["registrations"][0]["agentId"] == identity["agentId"]
        names = {i["name"] for i in (await client.get("/indicators")).json()}
        assert {"sma", "rsi", "macd", "bollinger", "donchian", "keltner"} <= names


GET_ROUTES = [
    "", "/trades", "/equity", "/journal", "/evaluation", "/risk/objectives", "/risk/blocks",
    "/watchlist/candidates", "/config/versions", "/identity",
]  # fmt: skip


@pytest.mark.parametrize("suffix", GET_ROUTES)
async def test_current_and_seed_answer_alike(
    client: httpx.AsyncClient, agent: Any, suffix: str
) -> None:
    await client.post("/agents/seed/orders", json={**SMALL, "size": 500.0})  # a block to show
    current = await client.get(f"/agents/current{suffix}")
    seed = await client.get(f"/agents/seed{suffix}")
    assert current.status_code == 200, current.text
    assert current.json() == seed.json()
