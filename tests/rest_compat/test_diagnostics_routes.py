"""Diagnostics and health routes: the snapshot's numbers from real rows, interrupted jobs
resumed, components that stop, and the alerts the health watch records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from resolvers.health import watch_health
from resolvers.jobs import claim_job, get_job
from resolvers.lab.services import Lab
from resolvers.research.datasets import store_dataset
from storage.health import HealthAlert
from storage.providers import ModelCall
from tests.conftest import TEST_API_KEY
from tests.resolvers.research.test_quality import bars
from tests.rest_compat.helpers import sessions
from tests.rest_compat.parity_diagnostics import interrupt
from tests.rest_compat.test_forven_routes import assert_error, count_rows, events

API_ONLY = {"x-api-key": TEST_API_KEY}


def by_name(status: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in status["components"]}


class TestSnapshot:
    async def test_cost_rollups_from_model_calls(self, app: Any, client: httpx.AsyncClient) -> None:
        now = datetime.now(UTC)
        yesterday = now - timedelta(days=1)
        async with sessions(app)() as session:
            session.add_all([
                ModelCall(provider="openai", model="m1", task_kind="chat", prompt_tokens=100,
                          completion_tokens=40, cost_usd=0.5, created_at=now),
                ModelCall(provider="openai", model="m1", task_kind="chat", prompt_tokens=20,
                          completion_tokens=0, cost_usd=0.0, ok=False, error_code="X",
                          created_at=now),
                ModelCall(provider="openai", model="m1", task_kind="chat", prompt_tokens=7,
                          completion_tokens=3, cost_usd=0.0, priced=False, created_at=now),
                ModelCall(provider="openai", model="m1", task_kind="chat", prompt_tokens=1,
                          completion_tokens=1, cost_usd=0.125, created_at=yesterday),
                ModelCall(provider="lab", model="analyst", task_kind="chat", prompt_tokens=9,
                          completion_tokens=9, cost_usd=0.0, created_at=now),
                # older than the 30-day window
                ModelCall(provider="openai", model="m1", task_kind="chat", prompt_tokens=5,
                          completion_tokens=5, cost_usd=9.0, created_at=now - timedelta(days=40)),
            ])  # fmt: skip
            await session.commit()
        response = await client.get("/api/diagnostics/snapshot", headers=API_ONLY)
        assert response.status_code == 200, response.text
        body = response.json()
        today, before = now.date().isoformat(), yesterday.date().isoformat()
        assert body["cost_rollups"] == [
            {"provider": "lab", "model": "analyst", "day": today, "calls": 1, "failures": 0,
             "prompt_tokens": 9, "completion_tokens": 9, "cost_usd": 0.0, "unpriced": 0},
            {"provider": "openai", "model": "m1", "day": today, "calls": 3, "failures": 1,
             "prompt_tokens": 127, "completion_tokens": 43, "cost_usd": 0.5, "unpriced": 1},
            {"provider": "openai", "model": "m1", "day": before, "calls": 1, "failures": 0,
             "prompt_tokens": 1, "completion_tokens": 1, "cost_usd": 0.125, "unpriced": 0},
        ]  # fmt: skip
        assert body["cost_total_usd"] == 0.625
        assert [c["name"] for c in body["health"]][0] == "database"

    async def test_truncated_datasets_listed(self, app: Any, client: httpx.AsyncClient) -> None:
        async with sessions(app)() as session:
            whole = await store_dataset(
                session, symbol="BTC-USD", timeframe="1h", source="csv", bars=bars(5)
            )
            cut = await store_dataset(
                session, symbol="ETH-USD", timeframe="1h", source="hyperliquid", bars=bars(6),
                quality_extra={"truncated": True, "requested_start": "2025-01-01T00:00:00Z",
                               "first_available": "2026-01-01T00:00:00Z"},
            )  # fmt: skip
            await session.commit()
        truncation = (await client.get("/api/diagnostics/snapshot")).json()["truncation"]
        ids = [d["dataset_id"] for d in truncation["datasets"]]
        assert cut.id in ids and whole.id not in ids
        listed = next(d for d in truncation["datasets"] if d["dataset_id"] == cut.id)
        assert listed == {
            "dataset_id": cut.id, "symbol": "ETH-USD", "timeframe": "1h",
            "source": "hyperliquid", "rows": 6, "requested_start": "2025-01-01T00:00:00Z",
            "first_available": "2026-01-01T00:00:00Z",
        }  # fmt: skip
        assert truncation["capped_answers_tracked"] is False
        caps = {c["name"]: c["limit"] for c in truncation["caps"]}
        assert caps["page_size"] == 500 and caps["exchange_history_bars"] == 5000

    async def test_needs_the_api_key(self, client: httpx.AsyncClient) -> None:
        for path in ("/api/diagnostics/snapshot", "/api/diagnostics/resumable",
                     "/api/health/status", "/api/health/alerts"):  # fmt: skip
            response = await client.get(path, headers={"x-api-key": "wrong"})
            assert response.status_code == 401, path


class TestResumable:
    async def test_killed_job_listed_and_resumed(self, app: Any, client: httpx.AsyncClient) -> None:
        async with sessions(app)() as session:
            brain = await interrupt(session, "brain.chat")
            other = await interrupt(session, "diagnostics.probe")
            await session.commit()
        listed = (await client.get("/api/diagnostics/resumable", headers=API_ONLY)).json()
        assert [t["id"] for t in listed] == [str(brain), str(other)]
        first = listed[0]
        assert first["kind"] == "brain.chat" and first["brain_task"] is True
        assert first["status"] == "queued" and first["attempts"] == 1
        assert first["recovered_at"] is not None
        assert listed[1]["brain_task"] is False

        queued = await events(app, "job.queued")
        response = await client.post(f"/api/diagnostics/resumable/{brain}/resume")
        assert response.status_code == 200, response.text
        assert response.json()["id"] == str(brain) and response.json()["recovered_at"] is None
        assert await events(app, "job.queued") == queued + 1
        listed = (await client.get("/api/diagnostics/resumable")).json()
        assert [t["id"] for t in listed] == [str(other)]
        # claimable now: a worker takes it
        async with sessions(app)() as session:
            claimed = await claim_job(
                session, kinds=["brain.chat"], owner="alive", lease_seconds=30
            )
            await session.commit()
        assert claimed is not None and claimed.id == brain and claimed.attempts == 2
        # running now, so no longer resumable
        again = await client.post(f"/api/diagnostics/resumable/{brain}/resume")
        assert_error(again, 409, "TASK_NOT_RESUMABLE")
        assert again.json()["detail"]["status"] == "running"

    async def test_unknown_and_not_interrupted(self, app: Any, client: httpx.AsyncClient) -> None:
        assert_error(await client.post("/api/diagnostics/resumable/999/resume"), 404,
                     "TASK_NOT_FOUND")  # fmt: skip
        assert_error(await client.post("/api/diagnostics/resumable/abc/resume"), 404,
                     "TASK_NOT_FOUND")  # fmt: skip
        from resolvers.jobs import enqueue_job

        async with sessions(app)() as session:
            fresh = await enqueue_job(session, kind="diagnostics.probe", payload={})
            await session.commit()
        assert (await client.get("/api/diagnostics/resumable")).json() == []
        response = await client.post(f"/api/diagnostics/resumable/{fresh.id}/resume")
        assert_error(response, 409, "TASK_NOT_RESUMABLE")
        async with sessions(app)() as session:
            assert (await get_job(session, job_id=fresh.id)).status == "queued"

    async def test_resume_is_operator_gated(self, app: Any, client: httpx.AsyncClient) -> None:
        async with sessions(app)() as session:
            job = await interrupt(session, "brain.chat")
            await session.commit()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            path = f"/api/diagnostics/resumable/{job}/resume"
            response = await http.post(path, headers=API_ONLY)
        assert_error(response, 401, "INVALID_OPERATOR_KEY")
        listed = (await client.get("/api/diagnostics/resumable", headers=API_ONLY)).json()
        assert [t["id"] for t in listed] == [str(job)]


class TestHealthStatus:
    async def test_components(self, app: Any, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/health/status", headers=API_ONLY)
        assert response.status_code == 200, response.text
        body = response.json()
        components = by_name(body)
        assert list(components) == [
            "database", "event_bus", "scheduler", "job_workers", "paper_service", "bots",
            "provider_lab", "provider_openai",
        ]  # fmt: skip
        database = components["database"]
        assert database["status"] == "ok" and database["latency_ms"] > 0
        assert components["event_bus"]["status"] in ("ok", "degraded")
        # the test settings switch the scheduler, the job workers and the bots off
        assert components["scheduler"]["status"] == "disabled"
        assert components["job_workers"]["status"] == "disabled"
        assert components["provider_lab"]["status"] == "ok"
        assert components["provider_openai"]["status"] == "disabled"
        assert body["status"] in ("ok", "degraded")

    async def test_stopped_scheduler_and_workers_are_down(
        self, app: Any, client: httpx.AsyncClient, lab: Lab
    ) -> None:
        scheduler, workers = app.state.scheduler, app.state.job_workers
        lab.running["scheduler"] = lambda: scheduler.running
        lab.running["job_workers"] = lambda: workers.running
        scheduler.start()
        await workers.start()
        try:
            running = by_name((await client.get("/api/health/status")).json())
            assert running["scheduler"]["status"] == "ok"
            assert running["job_workers"]["status"] == "ok"
        finally:
            await workers.stop()
            await scheduler.stop()
        body = (await client.get("/api/health/status")).json()
        stopped = by_name(body)
        assert stopped["scheduler"]["status"] == "down"
        assert stopped["scheduler"]["detail"] == "scheduler not running"
        assert stopped["job_workers"]["status"] == "down"
        assert stopped["job_workers"]["detail"].startswith("job workers not running")
        assert body["status"] == "down"

    async def test_queued_work_counts(self, app: Any, client: httpx.AsyncClient) -> None:
        from resolvers.jobs import enqueue_job

        async with sessions(app)() as session:
            for _ in range(3):
                await enqueue_job(session, kind="diagnostics.probe", payload={})
            await session.commit()
        workers = by_name((await client.get("/api/health/status")).json())["job_workers"]
        assert workers["value"] == 3 and workers["unit"] == "jobs queued and due"


class TestAlerts:
    async def test_degrade_and_recover(self, app: Any, client: httpx.AsyncClient, lab: Lab) -> None:
        up = {"value": True}
        lab.running["scheduler"] = lambda: up["value"]
        async with sessions(app)() as session:
            assert await watch_health(session, lab=lab) == []  # ok, as assumed: no alert
            up["value"] = False
            [down] = await watch_health(session, lab=lab)
            assert await watch_health(session, lab=lab) == []  # still down: no second alert
            up["value"] = True
            [back] = await watch_health(session, lab=lab)
            await session.commit()
        assert (down.component, down.kind, down.previous, down.status) == (
            "scheduler",
            "degraded",
            "ok",
            "down",
        )
        assert (back.kind, back.previous, back.status) == ("recovered", "down", "ok")
        assert await events(app, "health.degraded") == 1
        assert await events(app, "health.recovered") == 1
        assert await count_rows(app, HealthAlert) == 2

        response = await client.get("/api/health/alerts", headers=API_ONLY)
        assert response.status_code == 200, response.text
        alerts = response.json()
        assert [a["kind"] for a in alerts] == ["recovered", "degraded"]  # newest first
        assert alerts[1]["detail"] == "scheduler not running"
        one = (await client.get("/api/health/alerts", params={"limit": 1})).json()
        assert [a["id"] for a in one] == [back.id]
        other = await client.get("/api/health/alerts", params={"component": "database"})
        assert other.json() == []

    @pytest.mark.parametrize("limit", ["0", "501"])
    async def test_limit_bounds(self, client: httpx.AsyncClient, limit: str) -> None:
        response = await client.get("/api/health/alerts", params={"limit": limit})
        assert response.status_code == 422, response.text

    async def test_the_scheduler_job_records(self, app: Any, lab: Lab) -> None:
        from server.jobs import JOBS, health_watch
        from server.scheduler import JobContext

        assert JOBS["health_watch"].run is health_watch
        lab.running["job_workers"] = lambda: False
        factory = sessions(app)
        async with factory() as session:
            ctx = JobContext(factory, None, lab, datetime.now(UTC))
            assert await health_watch(session, ctx) == 1
            await session.commit()
        assert await count_rows(app, HealthAlert, component="job_workers", kind="degraded") == 1
