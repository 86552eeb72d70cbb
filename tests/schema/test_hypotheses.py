"""GraphQL hypotheses: list views, edits, pages from a URL and spawning, with their error codes;
a failed mutation writes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from resolvers.hypotheses import create_hypothesis
from resolvers.lab.services import Lab, LabConfig, build_lab
from resolvers.strategies import create_strategy
from storage.events import Event
from storage.hypotheses import Hypothesis
from storage.strategies import Strategy
from tests.conftest import TEST_API_KEY
from tests.labs import use_lab
from tests.rest_compat.helpers import sessions
from tests.rest_compat.parity_hypotheses import PageServer
from tests.schema.helpers import count_statements, error_codes, gql

LIST = """
query($view: String, $search: String) {
  hypotheses(view: $view, search: $search) { totalCount nodes { id title strategies { id } } }
}
"""
UPDATE = """
mutation($id: ID!, $input: UpdateHypothesisInput!) {
  updateHypothesis(id: $id, input: $input) { id title thesis mechanism novelty }
}
"""
PREVIEW = """
mutation($url: String!) {
  previewHypothesisUrl(url: $url) { url sourceUrl title thesis mechanism novelty lane source }
}
"""
FROM_URL = """
mutation($url: String!, $lane: String!) {
  createHypothesisFromUrl(url: $url, lane: $lane) { id title thesis lane source sourceUrl }
}
"""
GENERATE = """
mutation($id: ID!, $count: Int, $symbol: String) {
  generateStrategies(hypothesisId: $id, count: $count, symbol: $symbol) {
    hypothesisId strategies { id family symbol source hypothesis { id } }
  }
}
"""


async def _count(app: Any, model: type) -> int:
    async with sessions(app)() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


@pytest.fixture
async def parents(app: Any, lab: Lab) -> dict[str, int]:
    async with sessions(app)() as session:
        tested = await create_hypothesis(session, title="Tested", thesis="ETH trend")
        untested = await create_hypothesis(session, title="Untested", mechanism="Basis carry")
        await create_strategy(
            session, hypothesis_id=tested.id, name="x", family="ma_cross", symbol="BTC-USD", lab=lab
        )
        await session.commit()
        return {"tested": tested.id, "untested": untested.id}


@pytest.fixture
def pages(app: Any) -> Iterator[PageServer]:
    use_lab(app, build_lab(config=LabConfig(fetch_timeout_seconds=5, fetch_max_bytes=16_384)))
    with PageServer() as server:
        yield server


class TestListHypotheses:
    async def test_views_and_search_in_two_statements(
        self, app: Any, client: httpx.AsyncClient, parents: dict[str, int]
    ) -> None:
        engine = sessions(app)
        with count_statements(engine) as statements:
            body = await gql(client, LIST, {"view": "untested", "search": "CARRY"})
        assert "errors" not in body, body
        listed = body["data"]["hypotheses"]
        assert listed["totalCount"] == 1
        assert listed["nodes"] == [
            {"id": str(parents["untested"]), "title": "Untested", "strategies": []}
        ]
        # the count, the page, one batched load of the children
        assert len(statements) <= 3, statements

    async def test_unknown_view_is_coded(self, client: httpx.AsyncClient) -> None:
        body = await gql(client, LIST, {"view": "best"})
        assert error_codes(body) == ["VALIDATION_ERROR"]


class TestUpdateHypothesis:
    async def test_edits_and_commits(
        self, app: Any, client: httpx.AsyncClient, parents: dict[str, int]
    ) -> None:
        variables = {"id": str(parents["tested"]), "input": {"novelty": "new angle"}}
        body = await gql(client, UPDATE, variables)
        assert body["data"]["updateHypothesis"] == {
            "id": str(parents["tested"]),
            "title": "Tested",
            "thesis": "ETH trend",
            "mechanism": "",
            "novelty": "new angle",
        }
        async with sessions(app)() as session:
            row = await session.get(Hypothesis, parents["tested"])
            assert row is not None and row.novelty == "new angle"

    @pytest.mark.parametrize(
        ("patch", "code"), [({}, "NOTHING_TO_UPDATE"), ({"title": " "}, "VALIDATION_ERROR")]
    )
    async def test_refusals_write_nothing(
        self,
        app: Any,
        client: httpx.AsyncClient,
        parents: dict[str, int],
        patch: dict[str, str],
        code: str,
    ) -> None:
        before = await _count(app, Event)
        body = await gql(client, UPDATE, {"id": str(parents["tested"]), "input": patch})
        assert error_codes(body) == [code]
        assert body["errors"][0]["extensions"]["http"]["status"] == 422
        assert await _count(app, Event) == before


class TestFromUrl:
    async def test_preview_then_create(
        self, app: Any, client: httpx.AsyncClient, pages: PageServer
    ) -> None:
        url = pages.url("/article")
        shown = (await gql(client, PREVIEW, {"url": url}))["data"]["previewHypothesisUrl"]
        assert shown["title"] == "Momentum after breakouts" and shown["source"] == "url"
        assert await _count(app, Hypothesis) == 0
        body = await gql(client, FROM_URL, {"url": url, "lane": "web"})
        created = body["data"]["createHypothesisFromUrl"]
        assert (created["title"], created["thesis"]) == (shown["title"], shown["thesis"])
        assert (created["lane"], created["source"], created["sourceUrl"]) == ("web", "url", url)
        assert await _count(app, Hypothesis) == 1

    @pytest.mark.parametrize(
        ("path", "code", "status"),
        [("/image.png", "URL_NOT_HTML", 422), ("/broken", "URL_FETCH_FAILED", 502)],
    )
    async def test_errors_carry_code_and_status(
        self, app: Any, client: httpx.AsyncClient, pages: PageServer, path: str, code: str,
        status: int,
    ) -> None:  # fmt: skip
        body = await gql(client, FROM_URL, {"url": pages.url(path), "lane": "web"})
        assert error_codes(body) == [code]
        assert body["errors"][0]["extensions"]["http"]["status"] == status
        assert await _count(app, Hypothesis) == 0

    async def test_operator_only(self, app: Any, pages: PageServer) -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", headers={"x-api-key": TEST_API_KEY}
        ) as api_only:
            body = await gql(api_only, PREVIEW, {"url": pages.url("/article")})
        assert error_codes(body) == ["INVALID_OPERATOR_KEY"]


class TestGenerateStrategies:
    async def test_spawns_and_commits(
        self, app: Any, client: httpx.AsyncClient, parents: dict[str, int]
    ) -> None:
        body = await gql(client, GENERATE, {"id": str(parents["tested"]), "count": 2})
        assert "errors" not in body, body
        result = body["data"]["generateStrategies"]
        assert result["hypothesisId"] == parents["tested"]
        assert [(s["family"], s["symbol"], s["source"]) for s in result["strategies"]] == [
            ("ma_cross", "ETH-USD", "generated"),
            ("macd_momentum", "ETH-USD", "generated"),
        ]
        assert {s["hypothesis"]["id"] for s in result["strategies"]} == {str(parents["tested"])}
        assert await _count(app, Strategy) == 3

    async def test_spawn_limit_writes_nothing(
        self, app: Any, client: httpx.AsyncClient, parents: dict[str, int]
    ) -> None:
        use_lab(app, build_lab(config=LabConfig(spawn_per_run=1)))
        body = await gql(client, GENERATE, {"id": str(parents["untested"]), "count": 2})
        assert error_codes(body) == ["SPAWN_LIMIT_REACHED"]
        assert await _count(app, Strategy) == 1
