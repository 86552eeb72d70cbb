"""The control-plane routes through the generated layer, with their documented statuses:
status, heartbeat, dashboard, stop/start, both modes, reconciliation and the scheduler."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from resolvers.trades import open_trade
from resolvers.trading_agents import ensure_seed_agent
from server.app import create_app
from server.settings import load_settings
from storage.events import Event
from tests.conftest import TEST_API_KEY, TEST_KEY_HEADERS, TEST_OPERATOR_KEY
from tests.labs import app_lab
from tests.resolvers.factories import make_strategy
from tests.rest_compat.helpers import sessions

ROUTES = [
    ("GET", "/api/system/status", None),
    ("GET", "/api/system/heartbeat", None),
    ("GET", "/api/dashboard", None),
    ("POST", "/api/system/stop", None),
    ("POST", "/api/system/start", None),
    ("GET", "/api/system/mode", None),
    ("POST", "/api/system/mode", {"mode": "auto"}),
    ("POST", "/api/execution-mode", {"mode": "paper"}),
    ("POST", "/api/system/exchange/reconcile", None),
    ("GET", "/api/scheduler", None),
    ("PATCH", "/api/scheduler/pipeline", {"enabled": False}),
]
CONTROL_KEYS = {"paused", "paused_at", "pause_reason", "mode", "execution_mode", "paper_locked"}


async def events(app: Any, topic: str) -> int:
    async with sessions(app)() as session:
        stmt = select(func.count()).where(Event.topic == topic)
        return int(await session.scalar(stmt) or 0)


@asynccontextmanager
async def app_client(tmp_path: Path, database_url: str, **extra: Any) -> AsyncIterator[Any]:
    """An app of its own (both keys sent, whatever it configures)."""
    settings = load_settings(
        database_url=database_url, data_dir=tmp_path, demo=False, rate_limit="", scheduler=False,
        api_key=TEST_API_KEY, **extra,
    )  # fmt: skip
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", headers=TEST_KEY_HEADERS
        ) as http:
            yield http


@pytest.fixture
async def unconfigured(tmp_path: Path, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """An app whose operator key is not configured."""
    async with app_client(tmp_path, database_url) as http:
        yield http


async def test_operator_gate(client: httpx.AsyncClient, unconfigured: httpx.AsyncClient) -> None:
    for method, path, body in ROUTES:
        ok = await client.request(method, path, json=body)
        assert ok.status_code == 200, (path, ok.text)
        wrong = await client.request(method, path, json=body, headers={"x-operator-key": "nope"})
        assert (wrong.status_code, wrong.json()["code"]) == (401, "INVALID_OPERATOR_KEY"), path
        refused = await unconfigured.request(method, path, json=body)
        assert (refused.status_code, refused.json()["code"]) == (
            503,
            "OPERATOR_KEY_NOT_CONFIGURED",
        ), path


class TestStopStart:
    async def test_visible_in_status_and_dashboard(
        self, client: httpx.AsyncClient, app: Any
    ) -> None:
        stopped = await client.post("/api/system/stop", json={"reason": "drill"})
        assert stopped.status_code == 200
        assert set(stopped.json()) == CONTROL_KEYS
        status = (await client.get("/api/system/status")).json()
        assert (status["paused"], status["pause_reason"]) == (True, "drill")
        assert status["paused_at"] == stopped.json()["paused_at"]
        assert (await client.get("/api/dashboard")).json()["system"]["paused"] is True
        assert (await client.get("/api/system/heartbeat")).json()["paused"] is True
        again = await client.post("/api/system/stop", json={"reason": "other"})
        assert again.json() == stopped.json()
        started = await client.post("/api/system/start")
        assert started.json()["paused"] is False
        assert (await client.get("/api/system/status")).json()["paused"] is False
        assert (await events(app, "system.paused"), await events(app, "system.resumed")) == (1, 1)

    @pytest.mark.parametrize("body", [{"reason": "x" * 501}, {"reason": 5}, {"why": "x"}])
    async def test_bad_body(self, client: httpx.AsyncClient, app: Any, body: Any) -> None:
        response = await client.post("/api/system/stop", json=body)
        assert response.status_code == 422 and response.json()["code"] == "VALIDATION_ERROR"
        assert (await client.get("/api/system/status")).json()["paused"] is False

    async def test_new_halyrd_orders_wait_for_the_start(
        self, client: httpx.AsyncClient, app: Any
    ) -> None:
        async with sessions(app)() as session:
            await ensure_seed_agent(session)
            await session.commit()
        order = {"symbol": "BTC-USD", "side": "buy", "size": 0.001}
        await client.post("/api/system/stop")
        refused = await client.post("/agents/seed/orders", json=order)
        assert (refused.status_code, refused.json()["code"]) == (409, "SYSTEM_PAUSED")
        await client.post("/api/system/start")
        assert (await client.post("/agents/seed/orders", json=order)).status_code == 201


class TestModes:
    async def test_get_and_set(self, client: httpx.AsyncClient, app: Any) -> None:
        got = (await client.get("/api/system/mode")).json()
        assert got == {
            "mode": "semi_auto",
            "approval_required": {"research_only": False, "paper": True, "live": True},
        }
        manual = await client.post("/api/system/mode", json={"mode": "manual"})
        assert manual.json()["approval_required"] == {
            "research_only": True, "paper": True, "live": True,
        }  # fmt: skip
        assert (await client.get("/api/system/status")).json()["mode"] == "manual"
        assert await events(app, "system.mode_changed") == 1

    @pytest.mark.parametrize("body", [{"mode": "yolo"}, {}, {"mode": "auto", "x": 1}])
    async def test_bad_mode(self, client: httpx.AsyncClient, body: Any) -> None:
        response = await client.post("/api/system/mode", json=body)
        assert response.status_code == 422
        assert (await client.get("/api/system/mode")).json()["mode"] == "semi_auto"

    async def test_live_is_locked(self, client: httpx.AsyncClient, app: Any) -> None:
        refused = await client.post("/api/execution-mode", json={"mode": "live"})
        assert (refused.status_code, refused.json()["code"]) == (503, "EXECUTION_MODE_LOCKED")
        assert await events(app, "system.execution_mode_changed") == 0
        paper = await client.post("/api/execution-mode", json={"mode": "paper"})
        assert paper.json()["execution_mode"] == "paper" and paper.json()["paper_locked"]
        bad = await client.post("/api/execution-mode", json={"mode": "moon"})
        assert bad.status_code == 422

    async def test_live_when_the_build_allows_it(self, tmp_path: Path, database_url: str) -> None:
        unlocked = {"operator_key": TEST_OPERATOR_KEY, "live_trading": True}
        async with app_client(tmp_path, database_url, **unlocked) as http:
            live = await http.post("/api/execution-mode", json={"mode": "live"})
            assert live.status_code == 200, live.text
            assert (live.json()["execution_mode"], live.json()["paper_locked"]) == ("live", False)
            assert (await http.get("/api/system/status")).json()["execution_mode"] == "live"


class TestReconcile:
    async def test_reports_and_repairs(self, client: httpx.AsyncClient, app: Any) -> None:
        lab = app_lab(app)
        now = lab.clock.now()
        async with sessions(app)() as session:
            strategy = await make_strategy(session, lab=lab)
            trade = await open_trade(
                session, symbol="BTC-USD", side="buy", size=0.01, strategy_id=strategy.id,
                entry_price=lab.exchange.fill_price("BTC-USD", "buy", now),
            )  # fmt: skip
            await lab.exchange.open(
                session, trade_id=trade.id, symbol="BTC-USD", side="buy", size=0.01, now=now
            )
            await lab.exchange.drop_position(session, trade_id=trade.id)
            await session.commit()

        report = await client.post("/api/system/exchange/reconcile", json={"repair": False})
        assert report.status_code == 200
        body = report.json()
        assert (body["repair"], body["checked_trades"], body["repaired"]) == (False, 1, 0)
        [difference] = body["differences"]
        assert difference["kind"] == "missing_on_exchange" and difference["trade_id"] == trade.id
        assert (await client.get("/api/trades", params={"status": "open"})).json()["total"] == 1

        repaired = (await client.post("/api/system/exchange/reconcile")).json()
        assert repaired["repaired"] == 1 and repaired["differences"][0]["repaired"]
        failed = (await client.get("/api/trades", params={"status": "failed"})).json()["items"]
        assert [t["id"] for t in failed] == [trade.id]
        assert await events(app, "exchange.reconciled") == 2

    @pytest.mark.parametrize("body", [{"repair": "sometimes"}, {"fix": True}])
    async def test_bad_body(self, client: httpx.AsyncClient, body: Any) -> None:
        response = await client.post("/api/system/exchange/reconcile", json=body)
        assert response.status_code == 422


class TestScheduler:
    async def test_lists_the_catalog(self, client: httpx.AsyncClient) -> None:
        jobs = (await client.get("/api/scheduler")).json()
        assert [j["id"] for j in jobs] == [
            "market_ticks", "paper_tick", "agent_tick", "pipeline", "approvals_triage",
            "exchange_reconcile", "events_prune", "routines", "health_watch", "skills_watch",
        ]  # fmt: skip
        agent = next(j for j in jobs if j["id"] == "agent_tick")
        assert agent["enabled"] is False  # TRADEGRAPH_AGENT_TICK_SECONDS=0 in the test settings

    async def test_patch(self, client: httpx.AsyncClient, app: Any) -> None:
        patched = await client.patch(
            "/api/scheduler/paper_tick", json={"interval_seconds": 2.5, "enabled": False}
        )
        assert patched.status_code == 200
        assert (patched.json()["interval_seconds"], patched.json()["enabled"]) == (2.5, False)
        listed = {j["id"]: j for j in (await client.get("/api/scheduler")).json()}
        assert listed["paper_tick"] == patched.json()
        assert await events(app, "scheduler.job_updated") == 1

    async def test_unknown_job(self, client: httpx.AsyncClient) -> None:
        response = await client.patch("/api/scheduler/nope", json={"enabled": True})
        assert (response.status_code, response.json()["code"]) == (404, "NOT_FOUND")

    @pytest.mark.parametrize(
        "body",
        [{}, {"interval_seconds": 0}, {"interval_seconds": 0.05}, {"interval_seconds": 86_401},
         {"interval_seconds": "soon"}, {"enabled": "maybe"}, {"cron": "* * * * *"}],
    )  # fmt: skip
    async def test_bad_patch(self, client: httpx.AsyncClient, body: Any) -> None:
        response = await client.patch("/api/scheduler/pipeline", json=body)
        assert response.status_code == 422, response.text
        job = next(j for j in (await client.get("/api/scheduler")).json() if j["id"] == "pipeline")
        assert (job["interval_seconds"], job["enabled"]) == (300.0, True)
