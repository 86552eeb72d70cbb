"""Journal paging: newest first, keyset cursors that stay exact while entries are appended."""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from resolvers.errors import InvalidInput, NotFound
from resolvers.halyrd.journal import JournalPage, append_entry, encode_cursor, page_journal
from storage.halyrd import JournalEntry
from storage.trading_agents import TradingAgent

START = datetime(2026, 1, 5, tzinfo=UTC)
Sessions = async_sessionmaker[AsyncSession]


async def append(factory: Sessions, count: int, *, agent_id: str = "seed", tag: str = "") -> None:
    async with factory() as session:
        for n in range(count):
            await append_entry(
                session,
                agent_id=agent_id,
                kind="note",
                message=f"{tag}{n}",
                data={"n": n},
                ts=START + timedelta(seconds=n),
            )
        await session.commit()


async def read_page(factory: Sessions, **kwargs: object) -> JournalPage:
    """One page on a fresh session, as each request gets one (and so sees every commit)."""
    async with factory() as session:
        return await page_journal(session, agent_id="seed", **kwargs)  # type: ignore[arg-type]


async def all_ids(factory: Sessions) -> list[int]:
    async with factory() as session:
        stmt = select(JournalEntry.id).where(JournalEntry.trading_agent_id == "seed")
        return sorted((await session.execute(stmt)).scalars(), reverse=True)


@pytest.fixture
async def journal(session_factory: Sessions) -> Sessions:
    async with session_factory() as session:
        session.add(TradingAgent(id="seed", name="Halyrd", is_running=True))
        session.add(TradingAgent(id="other", name="Other"))
        await session.commit()
    await append(session_factory, 30)
    await append(session_factory, 5, agent_id="other", tag="other ")
    return session_factory


class TestPages:
    async def test_first_page_is_the_newest(self, journal: Sessions) -> None:
        page = await read_page(journal, limit=7)
        ids = await all_ids(journal)
        assert [e.id for e in page.entries] == ids[:7]
        assert [e.message for e in page.entries] == [str(n) for n in range(29, 22, -1)]
        assert page.entries[0].ts == START + timedelta(seconds=29)
        assert page.entries[0].kind == "note" and page.entries[0].data == {"n": 29}
        assert page.next_cursor == encode_cursor(ids[6])

    async def test_default_limit_is_50(self, journal: Sessions) -> None:
        await append(journal, 40, tag="more ")
        page = await read_page(journal)
        assert len(page.entries) == 50 and page.next_cursor is not None

    async def test_pages_to_the_end(self, journal: Sessions) -> None:
        seen: list[int] = []
        cursor = None
        pages = 0
        while True:
            page = await read_page(journal, cursor=cursor, limit=10)
            pages += 1
            seen += [e.id for e in page.entries]
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        # 30 entries, 10 a page: the third page is the last one, with no empty fourth
        assert pages == 3
        assert seen == await all_ids(journal)

    async def test_a_short_last_page(self, journal: Sessions) -> None:
        first = await read_page(journal, limit=20)
        last = await read_page(journal, cursor=first.next_cursor, limit=20)
        assert len(last.entries) == 10 and last.next_cursor is None

    async def test_current_alias_and_other_agents(self, journal: Sessions) -> None:
        async with journal() as session:
            current = await page_journal(session, agent_id="current", limit=500)
            other = await page_journal(session, agent_id="other", limit=500)
        assert len(current.entries) == 30
        assert [e.message for e in other.entries] == [f"other {n}" for n in range(4, -1, -1)]

    async def test_unknown_agent(self, journal: Sessions) -> None:
        async with journal() as session:
            with pytest.raises(NotFound):
                await page_journal(session, agent_id="nobody")

    async def test_empty_journal(self, session: AsyncSession) -> None:
        session.add(TradingAgent(id="seed", name="Halyrd", is_running=True))
        await session.flush()
        page = await page_journal(session, agent_id="seed")
        assert page == JournalPage(entries=[], next_cursor=None)


class TestConcurrentAppends:
    async def test_appends_between_pages(self, journal: Sessions) -> None:
        existing = await all_ids(journal)
        seen: list[int] = []
        page = await read_page(journal, limit=7)
        seen += [e.id for e in page.entries]
        while page.next_cursor is not None:
            await append(journal, 3, tag="late ")
            page = await read_page(journal, cursor=page.next_cursor, limit=7)
            seen += [e.id for e in page.entries]
        assert seen == existing  # no duplicate, no gap, still newest first
        fresh = await read_page(journal, limit=7)
        assert fresh.entries[0].message == "late 2"  # the appends were visible all along

    async def test_appends_from_a_concurrent_task(self, journal: Sessions) -> None:
        existing = await all_ids(journal)
        turns = asyncio.Queue[int]()

        async def writer() -> None:
            for n in range(8):
                await turns.get()
                await append(journal, 2, tag=f"w{n} ")

        async def reader() -> list[int]:
            seen: list[int] = []
            cursor = None
            while True:
                page = await read_page(journal, cursor=cursor, limit=4)
                seen += [e.id for e in page.entries]
                turns.put_nowait(1)
                await asyncio.sleep(0.01)  # let the writer commit before the next page
                if page.next_cursor is None:
                    return seen
                cursor = page.next_cursor

        seen, _ = await asyncio.gather(reader(), writer())
        assert seen == existing
        assert len(await all_ids(journal)) == len(existing) + 16


class TestBadInput:
    @pytest.mark.parametrize(
        "cursor",
        [
            "",
            "garbage!",
            "not-base64",
            base64.urlsafe_b64encode(b"v1:5").decode(),  # another list's cursor
            base64.urlsafe_b64encode(b"j:0").decode(),
            base64.urlsafe_b64encode(b"j:-3").decode(),
            base64.urlsafe_b64encode(b"j:abc").decode(),
            base64.urlsafe_b64encode(b"j:99999999999999999999").decode(),
            base64.urlsafe_b64encode(b"j:9223372036854775808").decode(),  # over int64
            base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        ],
    )
    async def test_bad_cursor(self, journal: Sessions, cursor: str) -> None:
        with pytest.raises(InvalidInput) as raised:
            await read_page(journal, cursor=cursor)
        assert raised.value.code == "INVALID_CURSOR"
        assert raised.value.details["field"] == "cursor"

    async def test_padded_cursor_is_accepted(self, journal: Sessions) -> None:
        ids = await all_ids(journal)
        padded = base64.urlsafe_b64encode(f"j:{ids[0]}".encode()).decode()
        page = await read_page(journal, cursor=padded, limit=2)
        assert [e.id for e in page.entries] == ids[1:3]

    @pytest.mark.parametrize("limit", [0, -1, 501])
    async def test_limit_out_of_bounds(self, journal: Sessions, limit: int) -> None:
        with pytest.raises(InvalidInput) as raised:
            await read_page(journal, limit=limit)
        assert raised.value.code == "VALIDATION_ERROR"
        assert raised.value.details["field"] == "limit"

    @pytest.mark.parametrize(("limit", "count"), [(1, 1), (500, 30)])
    async def test_limit_bounds_are_allowed(
        self, journal: Sessions, limit: int, count: int
    ) -> None:
        assert len((await read_page(journal, limit=limit)).entries) == count
