"""The lifecycle routes through the generated layer: readiness, gated transitions, the live chart
series and the spawn limits of strategy creation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from resolvers.pipeline import advance_pipeline
from resolvers.readiness import SCREEN_BARS
from resolvers.strategies import get_strategy
from storage.events import Event
from storage.strategies import LifecycleTransition, Strategy
from tests.labs import use_lab
from tests.resolvers.lifecycle_kit import (
    GOOD,
    NOW,
    THIN,
    fixed_lab,
    make,
    paper_record,
    pass_gauntlet,
    walk,
)
from tests.rest_compat.helpers import sessions

GATE_KEYS = {"name", "description", "value", "threshold", "comparison", "passed"}


async def _rows(app: Any, model: type) -> int:
    async with sessions(app)() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def _strategy(app: Any, kind: tuple[str, str] = GOOD) -> tuple[int, int]:
    """(strategy id, hypothesis id) of a new strategy at quick_screen."""
    async with sessions(app)() as session:
        row = await make(session, kind)
        await session.commit()
        return row.id, row.hypothesis_id


def _error(response: httpx.Response, status: int, code: str) -> Any:
    assert response.status_code == status, response.text
    assert response.json()["code"] == code
    return response.json()["detail"]


async def _move(client: httpx.AsyncClient, strategy_id: int, target: str) -> httpx.Response:
    body = {"strategy_id": strategy_id, "target": target}
    return await client.post("/api/lifecycle/transition", json=body)


class TestReadiness:
    async def test_the_checklist_in_the_documented_shape(
        self, app: Any, client: httpx.AsyncClient
    ) -> None:
        use_lab(app, fixed_lab())
        strategy_id, _ = await _strategy(app)
        response = await client.get(f"/api/lifecycle/strategies/{strategy_id}/readiness")
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == {"strategy_id", "stage", "target", "ready", "gates"}
        assert (body["strategy_id"], body["stage"], body["target"], body["ready"]) == (
            strategy_id,
            "quick_screen",
            "research_only",
            True,
        )
        [gate] = body["gates"]
        assert set(gate) == GATE_KEYS
        assert gate["name"] == "backtest_trades" and gate["value"] >= gate["threshold"] == 10

    async def test_unknown_strategy(self, client: httpx.AsyncClient) -> None:
        _error(await client.get("/api/lifecycle/strategies/404/readiness"), 404, "NOT_FOUND")


class TestGatedTransition:
    async def test_the_whole_walk_once_each_gate_passes(
        self, app: Any, client: httpx.AsyncClient
    ) -> None:
        use_lab(app, fixed_lab(live=True))
        strategy_id, _ = await _strategy(app)
        response = await _move(client, strategy_id, "research_only")
        assert response.status_code == 200 and response.json()["stage"] == "research_only"
        detail = _error(await _move(client, strategy_id, "paper"), 409, "NOT_READY")
        assert [g["name"] for g in detail["failing"]] == ["gauntlet_passed"]
        async with sessions(app)() as session:
            await pass_gauntlet(session, await get_strategy(session, strategy_id=strategy_id))
            await session.commit()
        response = await _move(client, strategy_id, "paper")
        assert response.status_code == 200 and response.json()["stage"] == "paper"
        detail = _error(await _move(client, strategy_id, "live"), 409, "NOT_READY")
        assert {g["name"] for g in detail["failing"]} == {"paper_closed_trades", "paper_days",
                                                          "paper_net_pnl"}  # fmt: skip
        async with sessions(app)() as session:
            await paper_record(session, await get_strategy(session, strategy_id=strategy_id))
            await session.commit()
        use_lab(app, fixed_lab(live=True, now=NOW + timedelta(days=7)))
        response = await _move(client, strategy_id, "live")
        assert response.status_code == 200 and response.json()["stage"] == "live"
        history = (await client.get(f"/api/lifecycle/strategies/{strategy_id}")).json()["history"]
        assert [h["to_stage"] for h in history] == [
            "quick_screen",
            "research_only",
            "paper",
            "live",
        ]

    async def test_a_refusal_names_the_gates_and_changes_nothing(
        self, app: Any, client: httpx.AsyncClient
    ) -> None:
        use_lab(app, fixed_lab())
        strategy_id, _ = await _strategy(app, THIN)
        before = [await _rows(app, m) for m in (LifecycleTransition, Event)]
        detail = _error(await _move(client, strategy_id, "research_only"), 409, "NOT_READY")
        [failing] = detail["failing"]
        assert set(failing) == GATE_KEYS
        assert (failing["name"], failing["passed"]) == ("backtest_trades", False)
        assert detail["target"] == "research_only"
        assert [await _rows(app, m) for m in (LifecycleTransition, Event)] == before
        stage = (await client.get(f"/api/lifecycle/strategies/{strategy_id}")).json()["strategy"]
        assert stage["stage"] == "quick_screen"


class TestLiveSeries:
    async def test_signals(self, app: Any, client: httpx.AsyncClient) -> None:
        use_lab(app, fixed_lab())
        strategy_id, _ = await _strategy(app)
        response = await client.get(
            f"/api/strategies/{strategy_id}/live-signals", params={"bars": 3}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["strategy_id"], body["symbol"], body["timeframe"]) == (
            strategy_id,
            "BTC-USD",
            "1h",
        )
        assert [p["ts"] for p in body["points"]] == [
            (NOW - timedelta(hours=h)).isoformat() for h in (3, 2, 1)
        ]
        assert all(set(p) == {"ts", "close", "position"} for p in body["points"])
        assert all(p["position"] in (-1, 0, 1) for p in body["points"])

    async def test_indicators_default_to_200_bars(
        self, app: Any, client: httpx.AsyncClient
    ) -> None:
        use_lab(app, fixed_lab())
        strategy_id, _ = await _strategy(app)
        body = (await client.get(f"/api/strategies/{strategy_id}/live-indicators")).json()
        assert [s["name"] for s in body["series"]] == ["middle", "upper", "lower"]
        assert all(len(s["points"]) == 200 for s in body["series"])
        assert all(isinstance(p["value"], float) for s in body["series"] for p in s["points"])

    async def test_markers(self, app: Any, client: httpx.AsyncClient) -> None:
        use_lab(app, fixed_lab())
        strategy_id, _ = await _strategy(app)
        async with sessions(app)() as session:
            strategy = await get_strategy(session, strategy_id=strategy_id)
            await paper_record(session, strategy, trades=2)
            await session.commit()
        body = (await client.get(f"/api/strategies/{strategy_id}/live-markers")).json()
        assert body["strategy_id"] == strategy_id
        assert [m["kind"] for m in body["markers"]] == ["entry", "exit", "entry", "exit"]
        assert set(body["markers"][0]) == {"ts", "kind", "side", "price", "trade_id"}

    @pytest.mark.parametrize("series", ["live-signals", "live-indicators", "live-markers"])
    async def test_unknown_strategy_and_bad_bars(
        self, app: Any, client: httpx.AsyncClient, series: str
    ) -> None:
        _error(await client.get(f"/api/strategies/404/{series}"), 404, "NOT_FOUND")
        strategy_id, _ = await _strategy(app)
        for bars in ("0", "2001", "many"):
            response = await client.get(f"/api/strategies/{strategy_id}/{series}?bars={bars}")
            _error(response, 422, "VALIDATION_ERROR")


class TestSpawnLimits:
    def body(self, hypothesis_id: int) -> dict[str, Any]:
        return {"hypothesis_id": hypothesis_id, "name": "x", "family": "ma_cross", "symbol": "BTC"}

    async def test_the_window_limit(self, app: Any, client: httpx.AsyncClient) -> None:
        use_lab(app, fixed_lab(spawn_window_limit=3))
        _, hypothesis_id = await _strategy(app)
        for _ in range(2):
            response = await client.post(
                "/api/backtesting/strategies", json=self.body(hypothesis_id)
            )
            assert response.status_code == 201, response.text
        before = [await _rows(app, m) for m in (Strategy, LifecycleTransition, Event)]
        response = await client.post("/api/backtesting/strategies", json=self.body(hypothesis_id))
        detail = _error(response, 422, "SPAWN_LIMIT_REACHED")
        assert (detail["limit"], detail["used"], detail["max"]) == ("window", 3, 3)
        assert 0 < detail["retry_after"] <= 24 * 3600
        assert [await _rows(app, m) for m in (Strategy, LifecycleTransition, Event)] == before

    async def test_the_per_run_limit(self, app: Any, client: httpx.AsyncClient) -> None:
        _, hypothesis_id = await _strategy(app)
        use_lab(app, fixed_lab(spawn_per_run=0))  # a lab that lets no run spawn anything
        before = await _rows(app, Strategy)
        response = await client.post("/api/backtesting/strategies", json=self.body(hypothesis_id))
        detail = _error(response, 422, "SPAWN_LIMIT_REACHED")
        assert (detail["limit"], detail["requested"], detail["max"]) == ("per_run", 1, 0)
        assert await _rows(app, Strategy) == before

    async def test_missing_hypothesis_id_is_still_a_validation_error(
        self, client: httpx.AsyncClient
    ) -> None:
        body = {"name": "x", "family": "ma_cross", "symbol": "BTC"}
        _error(await client.post("/api/backtesting/strategies", json=body), 422, "VALIDATION_ERROR")


class TestApprovingAPromotion:
    async def test_approve_moves_the_strategy_or_refuses_and_stays_pending(
        self, app: Any, client: httpx.AsyncClient
    ) -> None:
        lab = fixed_lab()
        strategy_id, _ = await _strategy(app)
        async with sessions(app)() as session:
            strategy = await get_strategy(session, strategy_id=strategy_id)
            await walk(session, strategy, "research_only", lab=lab)
            await pass_gauntlet(session, strategy)
            await advance_pipeline(session, lab=lab, now=NOW)  # semi_auto: paper needs approval
            await session.commit()
        [approval] = (await client.get("/api/approvals", params={"status": "pending"})).json()[
            "items"
        ]
        assert (approval["type"], approval["target_id"]) == ("promotion", str(strategy_id))
        use_lab(
            app, fixed_lab(now=NOW - timedelta(hours=SCREEN_BARS))
        )  # a market where the gates fail
        _error(await client.post(f"/api/approvals/{approval['id']}/approve"), 409, "NOT_READY")
        pending = (await client.get("/api/approvals", params={"status": "pending"})).json()
        assert [a["id"] for a in pending["items"]] == [approval["id"]]
        use_lab(app, fixed_lab())
        response = await client.post(f"/api/approvals/{approval['id']}/approve")
        assert response.status_code == 200 and response.json()["status"] == "approved"
        lifecycle = (await client.get(f"/api/lifecycle/strategies/{strategy_id}")).json()
        assert lifecycle["strategy"]["stage"] == "paper"
        assert lifecycle["history"][-1]["actor"] == "operator"
