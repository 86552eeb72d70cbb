"""The hypotheses routes through the generated layer: list views, edits, pages read from a URL
(served on loopback) and spawning strategies. Refused writes leave no row and no event."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from resolvers.hypotheses import add_hypothesis, create_hypothesis
from resolvers.lab.services import Lab, LabConfig, build_lab
from resolvers.strategies import create_strategy
from storage.hypotheses import Hypothesis
from storage.strategies import Strategy
from tests.labs import use_lab
from tests.rest_compat.helpers import sessions
from tests.rest_compat.parity_hypotheses import PageServer, unreachable_url
from tests.rest_compat.test_forven_routes import (
    HYPOTHESIS_KEYS,
    STRATEGY_KEYS,
    assert_error,
    assert_walk,
    count_rows,
    events,
    get_ids,
    walk,
)

CAP = 16_384  # bytes; the /big pages are about 70 KB
# loopback page -> (status, code) of the refusal
REFUSED = {
    "/data.json": (422, "URL_NOT_HTML"),
    "/image.png": (422, "URL_NOT_HTML"),
    "/big": (422, "URL_TOO_LARGE"),
    "/big-stream": (422, "URL_TOO_LARGE"),
    "/missing": (502, "URL_FETCH_FAILED"),
    "/broken": (502, "URL_FETCH_FAILED"),
    "/loop": (502, "URL_FETCH_FAILED"),
}


@pytest.fixture
def pages(app: Any) -> Iterator[PageServer]:
    """The loopback pages, with the lab's fetch limits small enough to hit."""
    use_lab(app, build_lab(config=LabConfig(fetch_timeout_seconds=5, fetch_max_bytes=CAP)))
    with PageServer() as server:
        yield server


@pytest.fixture
async def hypotheses(app: Any, lab: Lab) -> dict[str, int]:
    """tested (one strategy), untested, archived and a searchable one; name -> id."""
    async with sessions(app)() as session:
        tested = await create_hypothesis(session, title="Tested", thesis="trend")
        untested = await create_hypothesis(session, title="Untested", lane="carry")
        archived = await add_hypothesis(session, title="Archived")
        archived.status = "archived"
        found = await create_hypothesis(session, title="Found", novelty="Options GAMMA pinning")
        await create_strategy(
            session, hypothesis_id=tested.id, name="x", family="ma_cross", symbol="BTC-USD", lab=lab
        )
        await session.commit()
        return {"tested": tested.id, "untested": untested.id, "archived": archived.id,
                "found": found.id}  # fmt: skip


class TestListHypotheses:
    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ({}, ["tested", "untested", "archived", "found"]),
            ({"view": "active"}, ["tested", "untested", "found"]),
            ({"view": "archived"}, ["archived"]),
            ({"view": "tested"}, ["tested"]),
            ({"view": "untested", "status": "active"}, ["untested", "found"]),
            ({"lane": "carry"}, ["untested"]),
            ({"search": "gamma"}, ["found"]),
        ],
    )
    async def test_filters(
        self,
        client: httpx.AsyncClient,
        hypotheses: dict[str, int],
        params: dict[str, str],
        expected: list[str],
    ) -> None:
        assert await get_ids(client, "/api/hypotheses", **params) == [
            hypotheses[name] for name in expected
        ]

    async def test_pages_with_keyset_cursors(
        self, client: httpx.AsyncClient, hypotheses: dict[str, int]
    ) -> None:
        ids, pages = await walk(client, "/api/hypotheses", 3)
        assert_walk(ids, pages, list(hypotheses.values()), 3)
        assert set(pages[0]["items"][0]) == HYPOTHESIS_KEYS

    @pytest.mark.parametrize("params", [{"view": "best"}, {"status": "draft"}, {"limit": "0"}])
    async def test_bad_filters(self, client: httpx.AsyncClient, params: dict[str, str]) -> None:
        assert_error(await client.get("/api/hypotheses", params=params), 422, "VALIDATION_ERROR")


class TestUpdateHypothesis:
    async def test_changes_only_the_named_fields(
        self, app: Any, client: httpx.AsyncClient, hypotheses: dict[str, int]
    ) -> None:
        path = f"/api/hypotheses/{hypotheses['tested']}"
        before = (await client.get(path)).json()
        response = await client.post(f"{path}/update", json={"mechanism": "flows", "title": None})
        assert response.status_code == 200, response.text
        assert response.json() == (await client.get(path)).json()
        changed = {k: v for k, v in response.json().items() if before[k] != v}
        assert set(changed) <= {"mechanism", "updated_at"} and changed["mechanism"] == "flows"
        assert await events(app, "hypothesis.updated") == 1

    @pytest.mark.parametrize(
        ("body", "code"),
        [
            ({}, "NOTHING_TO_UPDATE"),
            ({"title": None}, "NOTHING_TO_UPDATE"),
            ({"title": ""}, "VALIDATION_ERROR"),
            ({"title": "   "}, "VALIDATION_ERROR"),
            ({"thesis": "ok", "novelty": "n" * 20_001}, "VALIDATION_ERROR"),
            ({"colour": "red"}, "VALIDATION_ERROR"),
        ],
    )
    async def test_refusals_change_nothing(
        self, app: Any, client: httpx.AsyncClient, hypotheses: dict[str, int], body: Any, code: str
    ) -> None:
        path = f"/api/hypotheses/{hypotheses['tested']}"
        before = (await client.get(path)).json()
        assert_error(await client.post(f"{path}/update", json=body), 422, code)
        assert (await client.get(path)).json() == before
        assert await events(app, "hypothesis.updated") == 0

    async def test_unknown_hypothesis(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/api/hypotheses/999/update", json={"title": "x"})
        assert_error(response, 404, "NOT_FOUND")


class TestFromUrl:
    async def test_preview_then_create_the_same_hypothesis(
        self, app: Any, client: httpx.AsyncClient, pages: PageServer
    ) -> None:
        body = {"url": pages.url("/redirect"), "lane": "web"}
        preview = await client.post("/api/hypotheses/preview_url", json=body)
        assert preview.status_code == 200, preview.text
        shown = preview.json()
        assert shown["title"] == "Momentum after breakouts"
        assert "ETH keeps trending" in shown["thesis"] and "Home" not in shown["thesis"]
        assert (shown["url"], shown["source_url"]) == (body["url"], pages.url("/article"))
        assert await count_rows(app, Hypothesis) == 0 and await events(app) == 0

        created = await client.post("/api/hypotheses/from_url", json=body)
        assert created.status_code == 201, created.text
        row = created.json()
        assert set(row) == HYPOTHESIS_KEYS
        assert {k: row[k] for k in ("title", "thesis", "mechanism", "novelty", "lane")} == {
            k: shown[k] for k in ("title", "thesis", "mechanism", "novelty", "lane")
        }
        assert (row["source"], row["source_url"]) == ("url", pages.url("/article"))
        assert (await client.get(f"/api/hypotheses/{row['id']}")).json() == row
        assert await events(app, "hypothesis.created") == 1

    @pytest.mark.parametrize("route", ["preview_url", "from_url"])
    async def test_refusals(
        self, app: Any, client: httpx.AsyncClient, pages: PageServer, route: str
    ) -> None:
        seen = {}
        for path in REFUSED:
            response = await client.post(f"/api/hypotheses/{route}", json={"url": pages.url(path)})
            assert set(response.json()) == {"code", "detail"}, response.text
            seen[path] = (response.status_code, response.json()["code"])
        assert seen == REFUSED
        assert await count_rows(app, Hypothesis) == 0 and await events(app) == 0

    @pytest.mark.parametrize("route", ["preview_url", "from_url"])
    async def test_a_slow_page_times_out(
        self, app: Any, client: httpx.AsyncClient, pages: PageServer, route: str
    ) -> None:
        use_lab(app, build_lab(config=LabConfig(fetch_timeout_seconds=0.3)))
        response = await client.post(f"/api/hypotheses/{route}", json={"url": pages.url("/slow")})
        assert_error(response, 502, "URL_UNREACHABLE")
        assert await count_rows(app, Hypothesis) == 0

    async def test_upstream_status_is_reported(
        self, client: httpx.AsyncClient, pages: PageServer
    ) -> None:
        response = await client.post(
            "/api/hypotheses/preview_url", json={"url": pages.url("/missing")}
        )
        assert response.json()["detail"]["status"] == 404

    @pytest.mark.parametrize(
        ("body", "status", "code"),
        [
            ({"url": "ftp://127.0.0.1/x"}, 422, "INVALID_URL"),
            ({"url": "not a url"}, 422, "INVALID_URL"),
            ({"url": ""}, 422, "VALIDATION_ERROR"),
            ({}, 422, "VALIDATION_ERROR"),
        ],
    )
    async def test_bad_urls(
        self, app: Any, client: httpx.AsyncClient, body: Any, status: int, code: str
    ) -> None:
        assert_error(await client.post("/api/hypotheses/from_url", json=body), status, code)
        assert await count_rows(app, Hypothesis) == 0

    async def test_unreachable_host(self, app: Any, client: httpx.AsyncClient) -> None:
        body = {"url": unreachable_url()}
        assert_error(
            await client.post("/api/hypotheses/from_url", json=body), 502, "URL_UNREACHABLE"
        )
        assert await count_rows(app, Hypothesis) == 0


class TestGenerateStrategies:
    async def test_creates_children_from_the_thesis(
        self, app: Any, client: httpx.AsyncClient
    ) -> None:
        created = await client.post(
            "/api/hypotheses/manual",
            json={"title": "SOL reversion", "thesis": "Oversold SOL bounces; RSI confirms."},
        )
        hypothesis_id = created.json()["id"]
        response = await client.post(
            f"/api/hypotheses/{hypothesis_id}/generate-strategies", json={"timeframe": "4h"}
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert set(body) == {"hypothesis_id", "strategies"}
        assert body["hypothesis_id"] == hypothesis_id
        assert [s["family"] for s in body["strategies"]] == ["rsi_reversion", "bollinger_reversion"]
        child = body["strategies"][0]
        assert set(child) == STRATEGY_KEYS
        assert (child["symbol"], child["timeframe"], child["source"]) == (
            "SOL-USD",
            "4h",
            "generated",
        )
        listed = (await client.get("/api/strategies", params={"limit": 500})).json()["items"]
        assert child in listed
        assert await events(app, "hypothesis.strategies_generated") == 1

    async def test_a_spawn_limit_refusal_creates_nothing(
        self, app: Any, client: httpx.AsyncClient, hypotheses: dict[str, int]
    ) -> None:
        use_lab(app, build_lab(config=LabConfig(spawn_per_run=2)))
        path = f"/api/hypotheses/{hypotheses['untested']}/generate-strategies"
        before = await events(app)
        assert_error(await client.post(path, json={"count": 3}), 422, "SPAWN_LIMIT_REACHED")
        assert await count_rows(app, Strategy, hypothesis_id=hypotheses["untested"]) == 0
        assert await events(app) == before
        response = await client.post(path)  # no body: the defaults, within the per-run limit
        assert response.status_code == 201 and len(response.json()["strategies"]) == 2

    @pytest.mark.parametrize(
        "body", [{"count": 0}, {"count": 7}, {"timeframe": "2h"}, {"symbol": ""}, {"x": 1}]
    )
    async def test_bad_input(
        self, app: Any, client: httpx.AsyncClient, hypotheses: dict[str, int], body: Any
    ) -> None:
        path = f"/api/hypotheses/{hypotheses['untested']}/generate-strategies"
        assert_error(await client.post(path, json=body), 422, "VALIDATION_ERROR")
        assert await count_rows(app, Strategy, hypothesis_id=hypotheses["untested"]) == 0

    async def test_unknown_and_archived(
        self, client: httpx.AsyncClient, hypotheses: dict[str, int]
    ) -> None:
        missing = await client.post("/api/hypotheses/999/generate-strategies")
        assert_error(missing, 404, "NOT_FOUND")
        archived = f"/api/hypotheses/{hypotheses['archived']}/generate-strategies"
        assert_error(await client.post(archived), 409, "HYPOTHESIS_ARCHIVED")
