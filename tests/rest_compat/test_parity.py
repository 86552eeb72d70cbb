"""REST and GraphQL return the same data, route by route, for every implemented route.

Each case names a catalog operation, the REST request, and the GraphQL document that reads the
same thing; the GraphQL answer is normalized to the route's documented shape (camelCase ->
snake_case, enum names -> documented values, IDs -> ints) and must equal the REST body. A
route that writes is compared with the GraphQL read of what it wrote.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from codegen.catalog import ROUTES
from server.demo import seed_demo
from tests.labs import app_lab
from tests.rest_compat import (
    parity_agents_tools,
    parity_approvals,
    parity_bots,
    parity_brain,
    parity_control,
    parity_datasets,
    parity_diagnostics,
    parity_hypotheses,
    parity_lifecycle,
    parity_mcp,
    parity_models,
    parity_notifications,
    parity_research,
    parity_routines,
    parity_sandbox,
    parity_settings,
    parity_skills,
    parity_trading,
)
from tests.rest_compat.parity_kit import (
    Case,
    Ids,
    agent,
    agent_trades,
    backtest_created,
    lifecycle,
    many,
    one,
    paged,
    promotion,
    rest_get,
    rest_send,
)
from tests.schema.helpers import gql

AREAS = (
    parity_control,
    parity_lifecycle,
    parity_hypotheses,
    parity_trading,
    parity_datasets,
    parity_research,
    parity_agents_tools,
    parity_skills,
    parity_models,
    parity_mcp,
    parity_approvals,
    parity_routines,
    parity_brain,
    parity_bots,
    parity_diagnostics,
    parity_notifications,
    parity_settings,
    parity_sandbox,
)

ORDER = {"symbol": "BTC-USD", "side": "buy", "size": 0.001}
CASES = [
    Case("list_agents", rest_get("/agents"), many("Agent", "tradingAgents")),
    Case("get_current_agent", rest_get("/agents/current"),
         one("Agent", "tradingAgent", '(id: "current")')),
    Case("get_agent", rest_get("/agents/seed"), one("Agent", "tradingAgent", '(id: "seed")')),
    Case("list_agent_trades", rest_get("/agents/seed/trades", phase="paper"), agent_trades),
    Case("list_strategies", rest_get("/api/strategies", stage="paper", limit=2),
         paged("Strategy", "strategies", "(stage: PAPER, first: 2)")),
    Case("list_lifecycle_strategies",
         rest_get("/api/lifecycle/strategies", state="quick_screen", source="demo", limit=3),
         paged("Strategy", "strategies", '(stage: QUICK_SCREEN, source: "demo", first: 3)')),
    Case("get_lifecycle_strategy", rest_get("/api/lifecycle/strategies/{quick}"), lifecycle),
    Case("transition_strategy",
         rest_send("POST", "/api/lifecycle/transition",
               lambda ids: {"strategy_id": ids["ready_quick"], "target": "research_only"}),
         one("Strategy", "strategy", '(id: "{ready_quick}")')),
    Case("create_backtest_strategy",
         rest_send("POST", "/api/backtesting/strategies",
               lambda ids: {"hypothesis_id": ids["hypothesis"], "name": "parity",
                            "family": "rsi_reversion", "symbol": "ETH-USD"}),
         one("Strategy", "strategy", '(id: "{rest[id]}")')),
    Case("get_hypothesis", rest_get("/api/hypotheses/{hypothesis}"),
         one("Hypothesis", "hypothesis", '(id: "{hypothesis}")')),
    Case("create_hypothesis",
         rest_send("POST", "/api/hypotheses/manual", lambda ids: {"title": "Parity", "lane": "x"}),
         one("Hypothesis", "hypothesis", '(id: "{rest[id]}")')),
    Case("list_lab_agents", rest_get("/api/agents"), many("ResearchAgent", "agents")),
    Case("get_lab_agent", rest_get("/api/agents/researcher"),
         one("ResearchAgent", "agent", '(id: "researcher")')),
    Case("update_lab_agent",
         rest_send("PATCH", "/api/agents/researcher", lambda ids: {"model": "parity-model"}),
         one("ResearchAgent", "agent", '(id: "researcher")')),
    Case("list_approvals", rest_get("/api/approvals", status="pending", limit=2),
         paged("Approval", "approvals", "(status: PENDING, first: 2)")),
    Case("approve_approval", rest_send("POST", "/api/approvals/{pending}/approve"),
         one("Approval", "approval", '(id: "{pending}")')),
    Case("deny_approval", rest_send("POST", "/api/approvals/{pending}/deny"),
         one("Approval", "approval", '(id: "{pending}")')),
    Case("list_trades", rest_get("/api/trades", status="closed", limit=5),
         paged("Trade", "trades", "(status: CLOSED, first: 5)")),
    Case("get_agent_equity", rest_get("/agents/seed/equity", interval="4h"),
         agent("EquitySnapshot", "equity", '(interval: "4h")', "list")),
    Case("get_agent_journal", rest_get("/agents/seed/journal", limit=7),
         agent("JournalPage", "journal", "(limit: 7)")),
    Case("list_agent_risk_blocks", rest_get("/agents/seed/risk/blocks"),
         agent("RiskBlock", "riskBlocks", "", "list")),
    Case("get_agent_evaluation", rest_get("/agents/current/evaluation"),
         agent("Evaluation", "evaluation")),
    Case("list_agent_risk_objectives", rest_get("/agents/seed/risk/objectives"),
         agent("Objective", "riskObjectives", "", "list")),
    Case("list_watchlist_candidates", rest_get("/agents/seed/watchlist/candidates"),
         agent("WatchlistCandidates", "watchlistCandidates")),
    Case("list_agent_config_versions", rest_get("/agents/seed/config/versions"),
         agent("ConfigVersion", "configVersions", "", "list")),
    Case("put_agent_watchlist",
         rest_send("PUT", "/agents/seed/watchlist",
                   lambda ids: {"symbols": ["ETH-USD", "BTC-USD"]}),
         agent("ConfigVersion", "configVersions", "", "last")),
    Case("patch_agent_config",
         rest_send("PATCH", "/agents/seed/config",
               lambda ids: {"evaluation_config_patch": {"evaluation": {"trade_floor": 3}}}),
         agent("ConfigVersion", "configVersions", "", "last")),
    Case("promote_agent", rest_send("POST", "/agents/seed/promote", lambda ids: {"force": True}),
         promotion),
    Case("demote_agent", rest_send("POST", "/agents/seed/demote"),
         one("Demotion", "tradingAgent", '(id: "seed")')),
    Case("kill_agent", rest_send("POST", "/agents/seed/kill-switch", lambda ids: {"confirm": True}),
         one("KillSwitch", "tradingAgent", '(id: "seed")')),
    Case("place_agent_order", rest_send("POST", "/agents/seed/orders", lambda ids: ORDER),
         agent("AgentOrder", "orders", "(limit: 1)", "last")),
    Case("get_agent_identity", rest_get("/agents/current/identity"), agent("Identity", "identity")),
    Case("spawn_agent", rest_send("POST", "/agents", lambda ids: {"name": "Parity scout"}),
         one("Agent", "tradingAgent", '(id: "{rest[id]}")')),
    Case("create_backtest",
         rest_send("POST", "/backtests", lambda ids: {"spec": {"family": "rsi_reversion"}}),
         backtest_created),
    Case("get_backtest", rest_get("/backtests/{backtest}"),
         one("Backtest", "backtest", '(id: "{backtest}")')),
    Case("list_indicators", rest_get("/indicators"), many("Indicator", "indicators")),
]  # fmt: skip
CASES += [case for area in AREAS for case in area.CASES]

IMPLEMENTED = {r.operation_id for r in ROUTES if r.state == "implemented"}
# DELETE answers with the row it removed; its GraphQL twin is the read just before.
READ_BEFORE = {"delete_lab_agent", *parity_mcp.READ_BEFORE, *parity_settings.READ_BEFORE}


def test_every_implemented_route_has_a_parity_case() -> None:
    assert {c.operation for c in CASES} | READ_BEFORE == IMPLEMENTED


@pytest.fixture
async def ids(app: Any, client: httpx.AsyncClient) -> Ids:
    # parity_sandbox runs code: the sandbox enabled as an operator does it
    enabled = await client.put("/api/settings/sandbox", json={"values": {"enabled": True}})
    assert enabled.status_code == 200, enabled.text
    factory = app.state.services.session_factory
    end = datetime(2026, 11, 1, tzinfo=UTC)
    assert await seed_demo(factory, None, seed=3, days=3, end=end, lab=app_lab(app))
    strategies = (await client.get("/api/strategies", params={"limit": 500})).json()["items"]
    quick = next(s for s in strategies if s["stage"] == "quick_screen")
    pending = (await client.get("/api/approvals", params={"status": "pending"})).json()["items"]
    # a refused order (a RISK_VETO block) and a backtest, so that every Halyrd read has data
    veto = await client.post("/agents/seed/orders", json={**ORDER, "size": 1_000.0})
    assert veto.json()["code"] == "RISK_VETO", veto.text
    backtest = (await client.post("/backtests", json={"spec": {"family": "ma_cross"}})).json()
    ids = {
        "quick": quick["id"],
        "hypothesis": quick["hypothesis_id"],
        "pending": pending[0]["id"],
        "backtest": backtest["backtest_id"],
        "lab": app_lab(app),  # parity_control.py stops its clock
        "sessions": factory,  # parity_research.py plays a job worker's part
    }
    for area in AREAS:  # each area adds the ids its cases need
        ids.update(await area.prepare(client, ids))
    return ids


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.operation)
async def test_rest_equals_graphql(case: Case, client: httpx.AsyncClient, ids: Ids) -> None:
    response = await case.rest(client, ids)
    assert response.status_code < 300, response.text
    rest = response.json()
    items = rest["items"] if isinstance(rest, dict) and "items" in rest else rest
    assert items, "an empty answer would make the comparison vacuous"
    document, pick = case.graphql(ids, rest)
    body = await gql(client, document)
    assert "errors" not in body, body
    assert pick(body["data"]) == rest


async def test_delete_answers_what_graphql_read_before(client: httpx.AsyncClient, ids: Ids) -> None:
    document, pick = one("ResearchAgent", "agent", '(id: "researcher")')(ids, None)
    before = pick((await gql(client, document))["data"])
    response = await client.delete("/api/agents/researcher")
    assert response.status_code == 200
    assert response.json() == before
