"""Parity cases of the Forven lifecycle routes (collected by test_parity.py): the readiness
checklist and the live chart series, each against the same field of GraphQL's Strategy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from tests.rest_compat.parity_kit import Case, Ids, normalize, rest_get, selection


def of_strategy(
    shape: str, field: str, key: str, args: str = ""
) -> Callable[[Ids, Any], tuple[str, Any]]:
    """A field of the strategy `ids[key]`, normalized to the route's shape."""

    def build(ids: Ids, rest: Any) -> tuple[str, Any]:
        query = (
            f'{{ x: strategy(id: "{ids[key]}") {{ y: {field}{args} {{ {selection(shape)} }} }} }}'
        )
        return query, lambda data: normalize(shape, data["x"]["y"])

    return build


CASES: list[Case] = [
    Case("get_strategy_readiness", rest_get("/api/lifecycle/strategies/{research}/readiness"),
         of_strategy("StrategyReadiness", "readiness", "research")),
    Case("list_strategy_live_signals", rest_get("/api/strategies/{traded}/live-signals", bars=24),
         of_strategy("StrategySignals", "liveSignals", "traded", "(bars: 24)")),
    Case("list_strategy_live_indicators",
         rest_get("/api/strategies/{traded}/live-indicators", bars=24),
         of_strategy("StrategyIndicators", "liveIndicators", "traded", "(bars: 24)")),
    Case("list_strategy_live_markers",
         rest_get("/api/strategies/{traded}/live-markers", bars=2000),
         of_strategy("StrategyMarkers", "liveMarkers", "traded", "(bars: 2000)")),
]  # fmt: skip


async def prepare(client: httpx.AsyncClient, ids: Ids) -> Ids:
    """A quick-screen strategy whose gates pass now (the transition case moves it), one at
    research_only (its checklist has four gates) and the demo strategy with the most trades."""
    page = await client.get("/api/strategies", params={"limit": 500})
    strategies = page.json()["items"]
    ready_quick = None
    for strategy in strategies:
        if strategy["stage"] != "quick_screen":
            continue
        readiness = await client.get(f"/api/lifecycle/strategies/{strategy['id']}/readiness")
        if readiness.json()["ready"]:
            ready_quick = strategy["id"]
            break
    assert ready_quick is not None, "no demo strategy passes the quick screen now"
    research = next(s["id"] for s in strategies if s["stage"] == "research_only")
    trades = (await client.get("/api/trades", params={"limit": 500})).json()["items"]
    owners = [t["strategy_id"] for t in trades if t["strategy_id"] is not None]
    traded = max(set(owners), key=owners.count)
    return {"ready_quick": ready_quick, "research": research, "traded": traded}
