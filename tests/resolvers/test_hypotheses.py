"""Hypotheses (create, list views and search, edits, from a URL) and strategy creation rules."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import DomainError, InvalidInput, NotFound
from resolvers.hypotheses import (
    THESIS_CHARS,
    add_hypothesis,
    create_hypothesis,
    create_hypothesis_from_url,
    list_hypotheses,
    preview_hypothesis_url,
    update_hypothesis,
)
from resolvers.lab.services import Lab, LabConfig, build_lab
from resolvers.strategies import create_strategy
from storage.events import Event
from storage.hypotheses import Hypothesis
from tests.rest_compat.parity_hypotheses import PageServer, unreachable_url


@pytest.fixture
def pages() -> Iterator[PageServer]:
    with PageServer() as server:
        yield server


async def test_search_matches_title_and_thesis(session: AsyncSession) -> None:
    a = await create_hypothesis(session, title="Funding skew", thesis="perp funding mean-reverts")
    await create_hypothesis(session, title="Breakouts", thesis="volatility clusters", lane="trend")
    page = await list_hypotheses(session, search="FUNDING")
    assert [h.id for h in page.items] == [a.id]
    assert (await list_hypotheses(session, lane="trend")).total_count == 1


async def test_title_is_required(session: AsyncSession) -> None:
    with pytest.raises(InvalidInput):
        await create_hypothesis(session, title="   ")


class TestCreateStrategy:
    async def test_requires_a_hypothesis(self, session: AsyncSession, lab: Lab) -> None:
        with pytest.raises(InvalidInput) as caught:
            await create_strategy(
                session, hypothesis_id=None, name="x", family="ma_cross", symbol="BTC", lab=lab
            )
        assert caught.value.code == "HYPOTHESIS_REQUIRED"
        with pytest.raises(NotFound):
            await create_strategy(
                session, hypothesis_id=77, name="x", family="ma_cross", symbol="BTC", lab=lab
            )

    async def test_rejects_unknown_family_and_bad_params(
        self, session: AsyncSession, lab: Lab
    ) -> None:
        parent = await create_hypothesis(session, title="t")
        with pytest.raises(InvalidInput):
            await create_strategy(
                session,
                hypothesis_id=parent.id,
                name="x",
                family="astrology",
                symbol="BTC",
                lab=lab,
            )
        with pytest.raises(InvalidInput) as caught:
            await create_strategy(
                session,
                hypothesis_id=parent.id,
                name="x",
                family="ma_cross",
                symbol="BTC",
                params={"no_such_param": 3},
                lab=lab,
            )
        assert caught.value.code == "INVALID_PARAMS"

    async def test_starts_at_quick_screen_with_defaults(
        self, session: AsyncSession, lab: Lab
    ) -> None:
        parent = await create_hypothesis(session, title="t")
        row = await create_strategy(
            session, hypothesis_id=parent.id, name="x", family="ma_cross", symbol="eth", lab=lab
        )
        assert row.stage == "quick_screen" and row.symbol == "ETH"
        assert row.params  # the family's defaults, filled in


class TestListViews:
    async def test_views_split_by_status_and_by_children(
        self, session: AsyncSession, lab: Lab
    ) -> None:
        tested = await create_hypothesis(session, title="tested")
        untested = await create_hypothesis(session, title="untested")
        archived = await add_hypothesis(session, title="archived")
        archived.status = "archived"
        await create_strategy(
            session, hypothesis_id=tested.id, name="x", family="ma_cross", symbol="BTC-USD", lab=lab
        )

        async def ids(**filters: Any) -> list[int]:
            return [h.id for h in (await list_hypotheses(session, **filters)).items]

        everything = [tested.id, untested.id, archived.id]
        assert await ids() == everything and await ids(view="all") == everything
        assert await ids(view="active") == [tested.id, untested.id]
        assert await ids(view="archived") == [archived.id]
        assert await ids(view="tested") == [tested.id]
        assert await ids(view="untested") == [untested.id, archived.id]
        assert await ids(view="untested", status="active") == [untested.id]
        assert await ids(view="active", status="archived") == []

    @pytest.mark.parametrize("filters", [{"view": "best"}, {"status": "draft"}])
    async def test_unknown_view_or_status(
        self, session: AsyncSession, filters: dict[str, Any]
    ) -> None:
        with pytest.raises(InvalidInput) as caught:
            await list_hypotheses(session, **filters)
        assert caught.value.details["field"] in filters

    async def test_search_covers_every_text_field_and_takes_wildcards_literally(
        self, session: AsyncSession
    ) -> None:
        by_mechanism = await create_hypothesis(session, title="a", mechanism="Dealer HEDGING flows")
        by_novelty = await create_hypothesis(session, title="b", novelty="first 50% retrace")
        await create_hypothesis(session, title="c", thesis="5000 retrace")

        async def ids(search: str) -> list[int]:
            return [h.id for h in (await list_hypotheses(session, search=search)).items]

        assert await ids("hedging") == [by_mechanism.id]
        assert await ids("50%") == [by_novelty.id]
        assert await ids("_") == []
        assert len(await ids("  ")) == 3  # blank: no text filter


class TestUpdateHypothesis:
    async def test_changes_only_the_named_fields_and_announces_it(
        self, session: AsyncSession
    ) -> None:
        row = await create_hypothesis(session, title="Old", thesis="t", mechanism="m")
        updated = await update_hypothesis(
            session, hypothesis_id=row.id, title=" New ", novelty="fresh"
        )
        assert (updated.title, updated.thesis, updated.mechanism, updated.novelty) == (
            "New",
            "t",
            "m",
            "fresh",
        )
        event = (
            await session.execute(select(Event).where(Event.topic == "hypothesis.updated"))
        ).scalar_one()
        assert event.entity_id == str(row.id)
        assert event.payload["fields"] == ["novelty", "title"]

    async def test_needs_a_field(self, session: AsyncSession) -> None:
        row = await create_hypothesis(session, title="t")
        with pytest.raises(InvalidInput) as caught:
            await update_hypothesis(session, hypothesis_id=row.id)
        assert caught.value.code == "NOTHING_TO_UPDATE"

    async def test_unknown_id(self, session: AsyncSession) -> None:
        with pytest.raises(NotFound):
            await update_hypothesis(session, hypothesis_id=404, title="x")

    async def test_one_bad_field_changes_nothing(self, session: AsyncSession) -> None:
        row = await create_hypothesis(session, title="Keep", thesis="keep")
        with pytest.raises(InvalidInput) as caught:
            await update_hypothesis(session, hypothesis_id=row.id, thesis="new", title="  ")
        assert caught.value.details["field"] == "title"
        assert (row.title, row.thesis) == ("Keep", "keep")
        with pytest.raises(InvalidInput):
            await update_hypothesis(session, hypothesis_id=row.id, mechanism="m" * 20_001)


class TestFromUrl:
    async def test_preview_stores_nothing_and_from_url_stores_the_preview(
        self, session: AsyncSession, pages: PageServer, lab: Lab
    ) -> None:
        url = pages.url("/redirect")
        shown = await preview_hypothesis_url(session, url=url, lane="web", lab=lab)
        assert await session.scalar(select(func.count()).select_from(Hypothesis)) == 0
        assert (shown.url, shown.source_url) == (url, pages.url("/article"))
        assert (shown.source, shown.mechanism, shown.novelty) == ("url", "", "")
        row = await create_hypothesis_from_url(session, url=url, lane="web", lab=lab)
        assert (row.title, row.thesis, row.lane) == (shown.title, shown.thesis, "web")
        assert (row.source, row.source_url) == ("url", pages.url("/article"))
        assert row.thesis.startswith("Momentum & trend\nAfter a breakout")

    async def test_thesis_is_clipped_and_limits_come_from_the_lab(
        self, session: AsyncSession, pages: PageServer
    ) -> None:
        roomy = build_lab(config=LabConfig(fetch_max_bytes=200_000))
        shown = await preview_hypothesis_url(session, url=pages.url("/big"), lab=roomy)
        assert len(shown.thesis) <= THESIS_CHARS and shown.thesis.endswith("…")
        tight = build_lab(config=LabConfig(fetch_max_bytes=1_024))
        with pytest.raises(DomainError) as caught:
            await create_hypothesis_from_url(session, url=pages.url("/big"), lab=tight)
        assert caught.value.code == "URL_TOO_LARGE"
        assert await session.scalar(select(func.count()).select_from(Hypothesis)) == 0

    async def test_a_bad_lane_is_refused_before_fetching(
        self, session: AsyncSession, lab: Lab
    ) -> None:
        with pytest.raises(InvalidInput) as caught:
            await preview_hypothesis_url(session, url=unreachable_url(), lane=" ", lab=lab)
        assert caught.value.details["field"] == "lane"


def test_the_catalog_documents_the_values_the_resolvers_accept() -> None:
    from codegen.catalog import forven_research as catalog
    from resolvers import hypotheses, strategies

    assert catalog.HYPOTHESIS_VIEWS == hypotheses.VIEWS
    assert catalog.HYPOTHESIS_STATUSES == hypotheses.HYPOTHESIS_STATUSES
    assert catalog.TIMEFRAMES == strategies.TIMEFRAMES
