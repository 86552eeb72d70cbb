"""GET /api/backtesting/datasets and POST /api/fetch through the generated layer, with the
HyperLiquid stub on loopback, and their GraphQL twins."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest

from resolvers.jobs import JobView, get_job
from resolvers.lab.services import Lab
from resolvers.research.datasets import store_dataset
from server.executors import ThreadExecutor
from server.workers import JOB_HANDLERS, JobWorkers
from storage.jobs import Job
from storage.research.datasets import Dataset
from tests.conftest import requires_postgres
from tests.labs import app_lab, use_lab
from tests.resolvers.research.hyperliquid_stub import HOUR_MS, ORIGIN_MS, HyperliquidStub, history
from tests.resolvers.research.test_quality import bars
from tests.rest_compat.helpers import sessions
from tests.rest_compat.test_forven_routes import assert_error, count_rows, events, walk
from tests.schema.helpers import gql

FETCH = {"symbol": "BTC-USD", "timeframe": "1h", "start": "2026-01-01T00:00:00Z",
         "end": "2026-01-03T23:00:00Z"}  # fmt: skip
FETCH_MUTATION = (  # FETCH's range, as GraphQL asks for it
    'mutation { fetchOhlcv(symbol: "ETH", start: "2026-01-01T00:00:00Z", '
    'end: "2026-01-03T23:00:00Z") { id symbol rows sha256 quality } }'
)
DATASET_KEYS = {"id", "symbol", "timeframe", "source", "first_bar", "last_bar", "rows", "sha256",
                "quality", "created_at", "updated_at"}  # fmt: skip


@pytest.fixture
def stub(app: Any, lab: Lab) -> Iterator[HyperliquidStub]:
    with HyperliquidStub() as server:
        # a generous timeout (a loaded CI machine answered a loopback page later than 0.5 s);
        # the one test of the timeout itself shortens it
        config = replace(lab.config, hyperliquid_url=server.url, hyperliquid_timeout_seconds=10.0)
        use_lab(app, replace(lab, config=config))
        yield server


@pytest.fixture
async def stored(app: Any) -> list[int]:
    ids = []
    async with sessions(app)() as session:
        for symbol, timeframe, step in (("BTC-USD", "1h", 3600), ("ETH-USD", "1h", 3600),
                                        ("BTC-USD", "1d", 86_400)):  # fmt: skip
            view = await store_dataset(session, symbol=symbol, timeframe=timeframe,
                                       source="csv", bars=bars(5, step=step))  # fmt: skip
            ids.append(view.id)
        await session.commit()
    return ids


class TestListDatasets:
    async def test_lists_filters_and_pages(
        self, client: httpx.AsyncClient, stored: list[int]
    ) -> None:
        response = await client.get("/api/backtesting/datasets")
        assert response.status_code == 200
        body = response.json()
        assert body["total"] == 3 and [d["id"] for d in body["items"]] == stored
        assert set(body["items"][0]) == DATASET_KEYS
        first = body["items"][0]
        assert first["first_bar"] == "2026-01-01T00:00:00+00:00" and first["rows"] == 5
        assert first["quality"]["checks"][0] == "empty" and len(first["sha256"]) == 64
        btc = await client.get("/api/backtesting/datasets", params={"symbol": "BTC-USD"})
        assert [d["timeframe"] for d in btc.json()["items"]] == ["1h", "1d"]
        daily = await client.get("/api/backtesting/datasets", params={"timeframe": "1d"})
        assert [d["id"] for d in daily.json()["items"]] == [stored[2]]
        ids, _ = await walk(client, "/api/backtesting/datasets", 2)
        assert ids == stored

    async def test_refusals(self, client: httpx.AsyncClient) -> None:
        bad = await client.get("/api/backtesting/datasets", params={"timeframe": "2d"})
        assert bad.status_code == 422
        assert_error(await client.get("/api/backtesting/datasets", params={"cursor": "zz"}),
                     422, "INVALID_CURSOR")  # fmt: skip
        bare = await client.get("/api/backtesting/datasets", headers={"x-operator-key": ""})
        assert bare.status_code == 401

    async def test_graphql_reads_the_same(
        self, client: httpx.AsyncClient, stored: list[int]
    ) -> None:
        rest = (await client.get("/api/backtesting/datasets", params={"symbol": "BTC-USD"})).json()
        body = await gql(client, '{ datasets(symbol: "BTC-USD") { totalCount nodes { id '
                                 "timeframe source rows sha256 firstBar quality } } }")  # fmt: skip
        assert "errors" not in body, body
        nodes = body["data"]["datasets"]["nodes"]
        assert body["data"]["datasets"]["totalCount"] == rest["total"]
        assert [(int(n["id"]), n["sha256"], n["quality"]) for n in nodes] == [
            (d["id"], d["sha256"], d["quality"]) for d in rest["items"]
        ]
        assert nodes[0]["source"] == "CSV"


class TestFetch:
    async def test_fetch_stores_and_answers_the_dataset(
        self, app: Any, client: httpx.AsyncClient, stub: HyperliquidStub
    ) -> None:
        stub.script.candles = history(72)
        response = await client.post("/api/fetch", json=FETCH)
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == DATASET_KEYS
        assert (body["symbol"], body["source"], body["rows"]) == ("BTC-USD", "hyperliquid", 72)
        assert body["quality"]["truncated"] is False and body["quality"]["pages"] >= 1
        assert stub.script.requests[0]["req"] == {
            "coin": "BTC", "interval": "1h", "startTime": ORIGIN_MS,
            "endTime": ORIGIN_MS + 71 * HOUR_MS,
        }  # fmt: skip
        listed = (await client.get("/api/backtesting/datasets")).json()["items"]
        assert listed == [body]
        assert await events(app, "dataset.created") == 1

    async def test_truncated_history_is_in_the_quality_report(
        self, client: httpx.AsyncClient, stub: HyperliquidStub
    ) -> None:
        stub.script.candles = history(24, start_ms=ORIGIN_MS + 48 * HOUR_MS)
        body = (await client.post("/api/fetch", json=FETCH)).json()
        assert body["quality"]["truncated"] is True
        assert body["quality"]["first_available"] == "2026-01-03T00:00:00+00:00"
        assert body["quality"]["requested_start"] == "2026-01-01T00:00:00+00:00"

    async def test_upstream_failures(
        self, app: Any, client: httpx.AsyncClient, stub: HyperliquidStub
    ) -> None:
        stub.script.status = 500
        failed = await client.post("/api/fetch", json=FETCH)
        assert_error(failed, 502, "UPSTREAM_ERROR")
        assert failed.json()["detail"]["status"] == 500
        stub.script.status, stub.script.raw = 200, b"{}"
        assert_error(await client.post("/api/fetch", json=FETCH), 502, "UPSTREAM_BAD_RESPONSE")
        lab = app_lab(app)
        use_lab(app, replace(lab, config=replace(lab.config, hyperliquid_timeout_seconds=0.5)))
        stub.script.raw, stub.script.delay = None, 2.0
        assert_error(await client.post("/api/fetch", json=FETCH), 504, "UPSTREAM_TIMEOUT")
        assert await count_rows(app, Dataset) == 0

    async def test_bad_bodies(self, client: httpx.AsyncClient, stub: HyperliquidStub) -> None:
        stub.script.candles = [c for i, c in enumerate(history(72)) if i != 30]
        gap = await client.post("/api/fetch", json=FETCH)
        assert_error(gap, 422, "DATASET_INVALID")
        assert gap.json()["detail"]["problems"]["missing"]["rows"] == [30]
        for body in ({}, {"symbol": "BTC", "timeframe": "2d"}, {"symbol": "BTC", "start": 5},
                     {"symbol": "BTC", "exchange": "binance"}):  # fmt: skip
            assert (await client.post("/api/fetch", json=body)).status_code == 422, body
        reversed_range = {**FETCH, "start": FETCH["end"], "end": FETCH["start"]}
        assert_error(await client.post("/api/fetch", json=reversed_range), 422, "INVALID_RANGE")
        keyless = await client.post("/api/fetch", json=FETCH, headers={"x-operator-key": ""})
        assert keyless.status_code == 401

    async def test_the_graphql_mutation_fetches_the_same(
        self, client: httpx.AsyncClient, stub: HyperliquidStub
    ) -> None:
        stub.script.candles = history(72)
        document = FETCH_MUTATION
        body = await gql(client, document)
        assert "errors" not in body, body
        fetched = body["data"]["fetchOhlcv"]
        rest = (await client.get("/api/backtesting/datasets", params={"symbol": "ETH"})).json()
        assert [(d["id"], d["sha256"]) for d in rest["items"]] == [
            (int(fetched["id"]), fetched["sha256"])
        ]
        stub.script.status = 500
        failed = await gql(client, document)
        extensions = failed["errors"][0]["extensions"]
        assert extensions["code"] == "UPSTREAM_ERROR" and extensions["http"]["status"] == 502


BUDGET = 48  # bars fetched inline in TestFetchAsJob: FETCH's 72 become a job


async def job_of(app: Any, job_id: int) -> JobView:
    async with sessions(app)() as session:
        return await get_job(session, job_id=job_id)


async def settled(app: Any, job_id: int, within: float = 20.0) -> JobView:
    """The job once it finished (bounded wait)."""
    deadline = asyncio.get_running_loop().time() + within
    while (job := await job_of(app, job_id)).status not in ("succeeded", "failed", "cancelled"):
        assert asyncio.get_running_loop().time() < deadline, f"job {job_id} is still {job.status}"
        await asyncio.sleep(0.02)
    return job


class TestFetchAsJob:
    @pytest.fixture
    def settings(self, settings: Any) -> Any:
        """No runner in the app: each test runs the queued job itself (`runner`)."""
        return settings.model_copy(update={"jobs": False})

    @pytest.fixture
    def budget(self, app: Any, stub: HyperliquidStub) -> Lab:
        lab = app_lab(app)
        return use_lab(app, replace(lab, config=replace(lab.config, fetch_inline_bars=BUDGET)))

    @pytest.fixture
    async def runner(self, app: Any, budget: Lab) -> AsyncIterator[JobWorkers]:
        """The server's handlers on threads, over the app's database and lab."""
        workers = JobWorkers(
            sessions(app), None, executor=ThreadExecutor(), handlers=JOB_HANDLERS,
            lease_seconds=3.0, poll_seconds=0.05, lab=budget,
        )  # fmt: skip
        yield workers
        await workers.stop()

    async def test_a_range_within_the_budget_answers_the_dataset(
        self, app: Any, client: httpx.AsyncClient, budget: Lab, stub: HyperliquidStub
    ) -> None:
        stub.script.candles = history(72)
        short = {**FETCH, "end": "2026-01-02T23:00:00Z"}  # 48 bars: the budget exactly
        response = await client.post("/api/fetch", json=short)
        assert response.status_code == 200, response.text
        assert response.json()["rows"] == BUDGET
        assert await count_rows(app, Job) == 0

    async def test_a_longer_range_is_accepted_as_a_job_that_stores_the_dataset(
        self,
        app: Any,
        client: httpx.AsyncClient,
        stub: HyperliquidStub,
        runner: JobWorkers,
    ) -> None:
        stub.script.candles, stub.script.page_size = history(72), 30
        response = await client.post("/api/fetch", json=FETCH)
        assert response.status_code == 202, response.text
        accepted = response.json()
        assert set(accepted) == {"job_id", "kind", "status", "progress", "poll", "events",
                                 "result_at"}  # fmt: skip
        assert (accepted["kind"], accepted["status"]) == ("fetch", "queued")
        assert accepted["progress"] == 0
        assert "job.succeeded" in accepted["events"] and "job.failed" in accepted["events"]
        assert accepted["result_at"].endswith("?symbol=BTC-USD&timeframe=1h")
        queued = await job_of(app, accepted["job_id"])
        assert (queued.kind, queued.status) == ("fetch", "queued")
        assert queued.payload["symbol"] == "BTC-USD" and queued.payload["start_ms"] == ORIGIN_MS
        assert stub.script.requests == [] and await count_rows(app, Dataset) == 0

        await runner.start()
        done = await settled(app, accepted["job_id"])
        assert done.status == "succeeded", done.error
        assert done.attempts == 1 and done.progress == 1.0
        listed = (await client.get("/api/backtesting/datasets")).json()["items"]
        assert len(listed) == 1 and listed[0]["rows"] == 72 and listed[0]["source"] == "hyperliquid"
        assert done.result == {"dataset_id": listed[0]["id"], "symbol": "BTC-USD",
                               "timeframe": "1h", "rows": 72, "truncated": False}  # fmt: skip
        # fetched once, in pages of 30, and stored once
        assert len(stub.script.requests) == listed[0]["quality"]["pages"] == 3
        assert await events(app, "dataset.created") == 1 and await events(app, "job.progress") >= 1

        polled = await gql(client, accepted["poll"])
        assert "errors" not in polled, polled
        assert polled["data"]["job"]["status"] == "succeeded"
        assert polled["data"]["job"]["result"]["dataset_id"] == listed[0]["id"]

    async def test_an_upstream_error_fails_the_job_for_good(
        self,
        app: Any,
        client: httpx.AsyncClient,
        stub: HyperliquidStub,
        runner: JobWorkers,
    ) -> None:
        stub.script.status = 500
        response = await client.post("/api/fetch", json=FETCH)
        assert response.status_code == 202, response.text
        await runner.start()
        failed = await settled(app, response.json()["job_id"])
        assert failed.status == "failed" and failed.attempts == 1
        assert failed.error is not None and "HyperLiquid answered 500" in failed.error
        assert len(stub.script.requests) == 1 and await count_rows(app, Dataset) == 0
        polled = await gql(client, response.json()["poll"])
        assert polled["data"]["job"]["status"] == "failed"
        assert "HyperLiquid answered 500" in polled["data"]["job"]["error"]

    async def test_graphql_waits_for_a_long_range_and_an_unknown_job_is_404(
        self, app: Any, client: httpx.AsyncClient, budget: Lab, stub: HyperliquidStub
    ) -> None:
        stub.script.candles = history(72)
        body = await gql(client, FETCH_MUTATION)
        assert "errors" not in body, body
        assert body["data"]["fetchOhlcv"]["rows"] == 72 and await count_rows(app, Job) == 0
        missing = await gql(client, 'query { job(id: "999") { status } }')
        assert missing["errors"][0]["extensions"]["code"] == "JOB_NOT_FOUND"


@requires_postgres
class TestFetchAsJobOnPostgres(TestFetchAsJob):
    """The same, with the request's enqueue and the runner's claim on PostgreSQL."""

    @pytest.fixture
    def database_url(self, postgres_url: str) -> str:
        return postgres_url
