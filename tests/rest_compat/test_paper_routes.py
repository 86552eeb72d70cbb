"""The paper routes through the generated layer: start (global, replacing), stop, the sessions
list with its deployed filter, and a session's trades."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from resolvers.lifecycle import transition_strategy
from resolvers.paper import step_paper_service
from resolvers.strategies import create_strategy
from storage.events import Event
from storage.paper import PaperSession
from tests.labs import app_lab
from tests.resolvers.factories import make_hypothesis
from tests.rest_compat.helpers import sessions

SESSION_KEYS = {
    "id", "status", "deployed", "strategy_ids", "capital", "started_at", "stopped_at",
    "stop_reason", "last_tick_at", "ticks", "trade_count", "open_trade_count", "realized_pnl",
}  # fmt: skip
PAGE_KEYS = {"items", "total", "next_cursor"}


async def strategies(app: Any, *stages: str) -> list[int]:
    """One macd_momentum strategy per stage given (gates off), committed."""
    lab = app_lab(app)
    ids = []
    async with sessions(app)() as session:
        hypothesis = await make_hypothesis(session)
        for number, stage in enumerate(stages):
            strategy = await create_strategy(
                session, hypothesis_id=hypothesis.id, name=f"macd {number}",
                family="macd_momentum", symbol="BTC-USD",
                lab=lab,
            )  # fmt: skip
            for target in ("research_only", "paper", "live"):
                await transition_strategy(
                    session, strategy_id=strategy.id, target=target, enforce_gates=False, lab=lab
                )
                if target == stage:
                    break
            ids.append(strategy.id)
        await session.commit()
    return ids


async def session_rows(app: Any) -> int:
    async with sessions(app)() as session:
        return int(await session.scalar(select(func.count()).select_from(PaperSession)) or 0)


async def step(app: Any, hours: int) -> None:
    await step_from(app, hours=hours, first_hour=1)


async def step_from(app: Any, *, hours: int, first_hour: int) -> None:
    """`hours` paper ticks an hour apart, the first `first_hour` hours from the clock's now."""
    lab = app_lab(app)
    async with sessions(app)() as session:
        for hour in range(first_hour, first_hour + hours):
            await step_paper_service(session, lab=lab, now=lab.clock.now() + timedelta(hours=hour))
        await session.commit()


class TestStart:
    async def test_starts_with_every_paper_strategy(
        self, app: Any, client: httpx.AsyncClient
    ) -> None:
        paper, other_paper, _ = await strategies(app, "paper", "paper", "research_only")
        response = await client.post("/api/paper/service/start")
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == SESSION_KEYS
        assert body["status"] == "running" and body["deployed"] is True
        assert body["strategy_ids"] == [paper, other_paper]
        assert body["ticks"] == 0 and body["trade_count"] == 0

    async def test_starting_again_stops_the_prior_session(
        self, app: Any, client: httpx.AsyncClient
    ) -> None:
        [paper] = await strategies(app, "paper")
        first = (await client.post("/api/paper/service/start")).json()
        second = (
            await client.post("/api/paper/service/start", json={"strategy_ids": [paper]})
        ).json()
        listed = (await client.get("/api/paper/sessions")).json()
        assert set(listed) == PAGE_KEYS and listed["total"] == 2
        by_id = {s["id"]: s for s in listed["items"]}
        assert by_id[first["id"]]["status"] == "stopped"
        assert by_id[first["id"]]["stop_reason"] == f"replaced by session {second['id']}"
        running = (await client.get("/api/paper/sessions", params={"deployed": True})).json()
        assert [s["id"] for s in running["items"]] == [second["id"]]
        stopped = (await client.get("/api/paper/sessions", params={"deployed": "false"})).json()
        assert [s["id"] for s in stopped["items"]] == [first["id"]]

    async def test_refusals_start_nothing(self, app: Any, client: httpx.AsyncClient) -> None:
        none = await client.post("/api/paper/service/start")
        assert none.status_code == 422 and none.json()["code"] == "NO_PAPER_STRATEGIES"
        [early] = await strategies(app, "research_only")
        cases = [
            ({"strategy_ids": [early]}, 422, "STRATEGY_NOT_PAPER"),
            ({"strategy_ids": [9999]}, 404, "NOT_FOUND"),
            ({"strategy_ids": "all"}, 422, "VALIDATION_ERROR"),
            ({"strategy_ids": []}, 422, "VALIDATION_ERROR"),
            ({"strategy_ids": [2**63]}, 422, "VALIDATION_ERROR"),  # beyond the 64-bit ids
            ({"strategies": [early]}, 422, None),
        ]
        for body, status, code in cases:
            response = await client.post("/api/paper/service/start", json=body)
            assert response.status_code == status, (body, response.text)
            if code:
                assert response.json()["code"] == code
        assert await session_rows(app) == 0


class TestStop:
    async def test_stop_then_nothing_to_stop(self, app: Any, client: httpx.AsyncClient) -> None:
        await strategies(app, "paper")
        started = (await client.post("/api/paper/service/start")).json()
        stopped = await client.post("/api/paper/service/stop", json={"reason": "maintenance"})
        assert stopped.status_code == 200, stopped.text
        body = stopped.json()
        assert body["id"] == started["id"] and body["status"] == "stopped"
        assert body["stop_reason"] == "maintenance" and body["stopped_at"] is not None
        again = await client.post("/api/paper/service/stop")
        assert again.status_code == 409 and again.json()["code"] == "PAPER_SERVICE_NOT_RUNNING"

    async def test_stopping_leaves_positions_open(
        self, app: Any, client: httpx.AsyncClient
    ) -> None:
        await strategies(app, "paper")
        started = (await client.post("/api/paper/service/start")).json()
        await step(app, 3)
        open_before = (await client.get("/api/trades/open", params={"verify": True})).json()
        assert open_before and all(t["exchange_verified"] for t in open_before)
        stopped = (await client.post("/api/paper/service/stop")).json()
        assert stopped["open_trade_count"] == len(open_before) and stopped["ticks"] == 3
        assert (await client.get("/api/trades/open")).json() == [
            {**t, "exchange_verified": None, "exchange_detail": None} for t in open_before
        ]
        async with sessions(app)() as session:
            stopped_events = await session.scalar(
                select(func.count()).where(Event.topic == "paper.session_stopped")
            )
        assert stopped_events == 1 and started["id"] == stopped["id"]


class TestSessionTrades:
    async def test_the_sessions_trades_paged(self, app: Any, client: httpx.AsyncClient) -> None:
        await strategies(app, "paper")
        started = (await client.post("/api/paper/service/start")).json()
        # the synthetic market moves with the wall clock, so how soon macd trades twice depends
        # on the day the test runs: step a day at a time, for at most two weeks
        for day in range(1, 15):
            await step_from(app, hours=24, first_hour=24 * (day - 1) + 1)
            summary = (await client.get("/api/paper/sessions")).json()["items"][0]
            if summary["trade_count"] >= 2:
                break
        assert summary["trade_count"] >= 2, "two weeks of hourly macd on BTC trade more than once"
        path = f"/api/paper/sessions/{started['id']}/trades"
        first = (await client.get(path, params={"limit": 1})).json()
        assert set(first) == PAGE_KEYS and first["total"] == summary["trade_count"]
        rest = (await client.get(path, params={"cursor": first["next_cursor"]})).json()
        trades = first["items"] + rest["items"]
        assert len(trades) == summary["trade_count"]
        assert all(t["paper_session_id"] == started["id"] for t in trades)
        open_count = sum(t["status"] == "open" for t in trades)
        assert open_count == summary["open_trade_count"]

    async def test_unknown_session(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/api/paper/sessions/77/trades")).status_code == 404
        assert (await client.get("/api/paper/sessions/x/trades")).status_code == 422
