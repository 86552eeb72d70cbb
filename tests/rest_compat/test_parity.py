"""REST and GraphQL return the same data, route by route, for every implemented route.

Each case names a catalog operation, the REST request, and the GraphQL document that reads the
same thing; the GraphQL answer is normalized to the route's documented shape (camelCase ->
snake_case, enum names -> documented values, IDs -> ints) and must equal the REST body. A
route that writes is compared with the GraphQL read of what it wrote.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from codegen.catalog import ROUTES
from codegen.shapes import ENUMS, SHAPES
from server.demo import seed_demo
from tests.schema.helpers import gql

SHAPE = {s.name: s for s in SHAPES}


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def selection(shape: str) -> str:
    """The GraphQL selection set for every field of a shape."""
    parts = []
    for field in SHAPE[shape].fields:
        inner = field.type[5:-1] if field.type.startswith("list[") else field.type
        sub = f" {{ {selection(inner)} }}" if inner in SHAPE else ""
        parts.append(camel(field.name) + sub)
    return " ".join(parts)


def normalize(shape: str, value: dict[str, Any]) -> dict[str, Any]:
    """A GraphQL object rewritten into the shape's REST form."""
    out: dict[str, Any] = {}
    for field in SHAPE[shape].fields:
        raw = value[camel(field.name)]
        inner = field.type[5:-1] if field.type.startswith("list[") else field.type
        if raw is None:
            out[field.name] = None
        elif field.type.startswith("list[") and inner in SHAPE:
            out[field.name] = [normalize(inner, item) for item in raw]
        elif inner in SHAPE:
            out[field.name] = normalize(inner, raw)
        elif inner in ENUMS:
            out[field.name] = {v.upper(): v for v in ENUMS[inner]}[raw]
        elif inner == "int" and isinstance(raw, str):
            out[field.name] = int(raw)
        else:
            out[field.name] = raw
    return out


def page(shape: str, connection: dict[str, Any]) -> dict[str, Any]:
    info = connection["pageInfo"]
    return {
        "items": [normalize(shape, node) for node in connection["nodes"]],
        "total": connection["totalCount"],
        "next_cursor": info["endCursor"] if info["hasNextPage"] else None,
    }


def connection(shape: str) -> str:
    return f"totalCount pageInfo {{ hasNextPage endCursor }} nodes {{ {selection(shape)} }}"


Ids = dict[str, Any]


@dataclass(frozen=True)
class Case:
    operation: str
    rest: Callable[[httpx.AsyncClient, Ids], Awaitable[httpx.Response]]
    graphql: Callable[[Ids, Any], tuple[str, Any]]  # (document, how to pick the answer)


def _get(path: str, **params: Any) -> Callable[[httpx.AsyncClient, Ids], Awaitable[httpx.Response]]:
    async def send(client: httpx.AsyncClient, ids: Ids) -> httpx.Response:
        return await client.get(path.format(**ids), params=params)

    return send


def _send(
    method: str, path: str, body: Callable[[Ids], dict[str, Any]] | None = None
) -> Callable[[httpx.AsyncClient, Ids], Awaitable[httpx.Response]]:
    async def send(client: httpx.AsyncClient, ids: Ids) -> httpx.Response:
        payload = body(ids) if body else None
        return await client.request(method, path.format(**ids), json=payload)

    return send


def one(shape: str, field: str, args: str) -> Callable[[Ids, Any], tuple[str, Any]]:
    def build(ids: Ids, rest: Any) -> tuple[str, Any]:
        query = f"{{ x: {field}{args.format(**ids, rest=rest)} {{ {selection(shape)} }} }}"
        return query, lambda data: normalize(shape, data["x"])

    return build


def many(shape: str, field: str, args: str = "") -> Callable[[Ids, Any], tuple[str, Any]]:
    def build(ids: Ids, rest: Any) -> tuple[str, Any]:
        query = f"{{ x: {field}{args.format(**ids)} {{ {selection(shape)} }} }}"
        return query, lambda data: [normalize(shape, item) for item in data["x"]]

    return build


def paged(shape: str, field: str, args: str) -> Callable[[Ids, Any], tuple[str, Any]]:
    def build(ids: Ids, rest: Any) -> tuple[str, Any]:
        query = f"{{ x: {field}{args.format(**ids)} {{ {connection(shape)} }} }}"
        return query, lambda data: page(shape, data["x"])

    return build


def lifecycle(ids: Ids, rest: Any) -> tuple[str, Any]:
    history = selection("LifecycleTransition")
    query = (
        f'{{ x: strategy(id: "{ids["quick"]}") {{ {selection("Strategy")} '
        f"history {{ {history} }} }} }}"
    )

    def pick(data: Any) -> Any:
        node = data["x"]
        return {
            "strategy": normalize("Strategy", node),
            "history": [normalize("LifecycleTransition", h) for h in node["history"]],
        }

    return query, pick


def agent_trades(ids: Ids, rest: Any) -> tuple[str, Any]:
    query = (
        '{ x: tradingAgent(id: "seed") { trades(phase: PAPER, first: 500) '
        f"{{ nodes {{ {selection('Trade')} }} }} }} }}"
    )
    return query, lambda data: [normalize("Trade", t) for t in data["x"]["trades"]["nodes"]]


def agent(
    shape: str, field: str, args: str = "", kind: str = "one"
) -> Callable[[Ids, Any], tuple[str, Any]]:
    """A field of the seed agent: one object, a list of them, or the last of a list."""

    def build(ids: Ids, rest: Any) -> tuple[str, Any]:
        query = f'{{ x: tradingAgent(id: "seed") {{ y: {field}{args} {{ {selection(shape)} }} }} }}'

        def pick(data: Any) -> Any:
            value = data["x"]["y"]
            if kind == "list":
                return [normalize(shape, item) for item in value]
            return normalize(shape, value[-1] if kind == "last" else value)

        return query, pick

    return build


def promotion(ids: Ids, rest: Any) -> tuple[str, Any]:
    """The tx hash promote answered is the one the journal recorded for the signing session."""
    query = '{ x: tradingAgent(id: "seed") { status journal(limit: 20) { entries { data } } } }'

    def pick(data: Any) -> Any:
        hashes = [
            e["data"]["tx_hash"]
            for e in data["x"]["journal"]["entries"]
            if "tx_hash" in e["data"] and "signer" in e["data"]
        ]
        return {"status": data["x"]["status"], "first_tx_hash": hashes[0]}

    return query, pick


def backtest_created(ids: Ids, rest: Any) -> tuple[str, Any]:
    query = f'{{ x: backtest(id: "{rest["backtest_id"]}") {{ id }} }}'
    return query, lambda data: {"backtest_id": data["x"]["id"]}


ORDER = {"symbol": "BTC-USD", "side": "buy", "size": 0.001}
CASES = [
    Case("list_agents", _get("/agents"), many("Agent", "tradingAgents")),
    Case("get_current_agent", _get("/agents/current"),
         one("Agent", "tradingAgent", '(id: "current")')),
    Case("get_agent", _get("/agents/seed"), one("Agent", "tradingAgent", '(id: "seed")')),
    Case("list_agent_trades", _get("/agents/seed/trades", phase="paper"), agent_trades),
    Case("list_strategies", _get("/api/strategies", stage="paper", limit=2),
         paged("Strategy", "strategies", "(stage: PAPER, first: 2)")),
    Case("list_lifecycle_strategies",
         _get("/api/lifecycle/strategies", state="quick_screen", source="demo", limit=3),
         paged("Strategy", "strategies", '(stage: QUICK_SCREEN, source: "demo", first: 3)')),
    Case("get_lifecycle_strategy", _get("/api/lifecycle/strategies/{quick}"), lifecycle),
    Case("transition_strategy",
         _send("POST", "/api/lifecycle/transition",
               lambda ids: {"strategy_id": ids["quick"], "target": "research_only"}),
         one("Strategy", "strategy", '(id: "{quick}")')),
    Case("create_backtest_strategy",
         _send("POST", "/api/backtesting/strategies",
               lambda ids: {"hypothesis_id": ids["hypothesis"], "name": "parity",
                            "family": "rsi_reversion", "symbol": "ETH-USD"}),
         one("Strategy", "strategy", '(id: "{rest[id]}")')),
    Case("get_hypothesis", _get("/api/hypotheses/{hypothesis}"),
         one("Hypothesis", "hypothesis", '(id: "{hypothesis}")')),
    Case("create_hypothesis",
         _send("POST", "/api/hypotheses/manual", lambda ids: {"title": "Parity", "lane": "x"}),
         one("Hypothesis", "hypothesis", '(id: "{rest[id]}")')),
    Case("list_lab_agents", _get("/api/agents"), many("ResearchAgent", "agents")),
    Case("get_lab_agent", _get("/api/agents/researcher"),
         one("ResearchAgent", "agent", '(id: "researcher")')),
    Case("update_lab_agent",
         _send("PATCH", "/api/agents/researcher", lambda ids: {"model": "parity-model"}),
         one("ResearchAgent", "agent", '(id: "researcher")')),
    Case("list_approvals", _get("/api/approvals", status="pending", limit=2),
         paged("Approval", "approvals", "(status: PENDING, first: 2)")),
    Case("approve_approval", _send("POST", "/api/approvals/{pending}/approve"),
         one("Approval", "approval", '(id: "{pending}")')),
    Case("deny_approval", _send("POST", "/api/approvals/{pending}/deny"),
         one("Approval", "approval", '(id: "{pending}")')),
    Case("list_trades", _get("/api/trades", status="closed", limit=5),
         paged("Trade", "trades", "(status: CLOSED, first: 5)")),
    Case("get_agent_equity", _get("/agents/seed/equity", interval="4h"),
         agent("EquitySnapshot", "equity", '(interval: "4h")', "list")),
    Case("get_agent_journal", _get("/agents/seed/journal", limit=7),
         agent("JournalPage", "journal", "(limit: 7)")),
    Case("list_agent_risk_blocks", _get("/agents/seed/risk/blocks"),
         agent("RiskBlock", "riskBlocks", "", "list")),
    Case("get_agent_evaluation", _get("/agents/current/evaluation"),
         agent("Evaluation", "evaluation")),
    Case("list_agent_risk_objectives", _get("/agents/seed/risk/objectives"),
         agent("Objective", "riskObjectives", "", "list")),
    Case("list_watchlist_candidates", _get("/agents/seed/watchlist/candidates"),
         agent("WatchlistCandidates", "watchlistCandidates")),
    Case("list_agent_config_versions", _get("/agents/seed/config/versions"),
         agent("ConfigVersion", "configVersions", "", "list")),
    Case("put_agent_watchlist",
         _send("PUT", "/agents/seed/watchlist", lambda ids: {"symbols": ["ETH-USD", "BTC-USD"]}),
         agent("ConfigVersion", "configVersions", "", "last")),
    Case("patch_agent_config",
         _send("PATCH", "/agents/seed/config",
               lambda ids: {"evaluation_config_patch": {"evaluation": {"trade_floor": 3}}}),
         agent("ConfigVersion", "configVersions", "", "last")),
    Case("promote_agent", _send("POST", "/agents/seed/promote", lambda ids: {"force": True}),
         promotion),
    Case("demote_agent", _send("POST", "/agents/seed/demote"),
         one("Demotion", "tradingAgent", '(id: "seed")')),
    Case("kill_agent", _send("POST", "/agents/seed/kill-switch", lambda ids: {"confirm": True}),
         one("KillSwitch", "tradingAgent", '(id: "seed")')),
    Case("place_agent_order", _send("POST", "/agents/seed/orders", lambda ids: ORDER),
         agent("AgentOrder", "orders", "(limit: 1)", "last")),
    Case("get_agent_identity", _get("/agents/current/identity"), agent("Identity", "identity")),
    Case("spawn_agent", _send("POST", "/agents", lambda ids: {"name": "Parity scout"}),
         one("Agent", "tradingAgent", '(id: "{rest[id]}")')),
    Case("create_backtest",
         _send("POST", "/backtests", lambda ids: {"spec": {"family": "rsi_reversion"}}),
         backtest_created),
    Case("get_backtest", _get("/backtests/{backtest}"),
         one("Backtest", "backtest", '(id: "{backtest}")')),
    Case("list_indicators", _get("/indicators"), many("Indicator", "indicators")),
]  # fmt: skip

IMPLEMENTED = {r.operation_id for r in ROUTES if r.state == "implemented"}
# DELETE answers with the row it removed; its GraphQL twin is the read just before.
READ_BEFORE = {"delete_lab_agent"}


def test_every_implemented_route_has_a_parity_case() -> None:
    assert {c.operation for c in CASES} | READ_BEFORE == IMPLEMENTED


@pytest.fixture
async def ids(app: Any, client: httpx.AsyncClient) -> Ids:
    factory = app.state.services.session_factory
    end = datetime(2026, 11, 1, tzinfo=UTC)
    assert await seed_demo(factory, None, seed=3, days=3, end=end)
    strategies = (await client.get("/api/strategies", params={"limit": 500})).json()["items"]
    quick = next(s for s in strategies if s["stage"] == "quick_screen")
    pending = (await client.get("/api/approvals", params={"status": "pending"})).json()["items"]
    # a refused order (a RISK_VETO block) and a backtest, so that every Halyrd read has data
    veto = await client.post("/agents/seed/orders", json={**ORDER, "size": 1_000.0})
    assert veto.json()["code"] == "RISK_VETO", veto.text
    backtest = (await client.post("/backtests", json={"spec": {"family": "ma_cross"}})).json()
    return {
        "quick": quick["id"],
        "hypothesis": quick["hypothesis_id"],
        "pending": pending[0]["id"],
        "backtest": backtest["backtest_id"],
    }


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
