"""EventBus on memory://: exactly once and in order, slow consumers, gaps, filters, lifecycle."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import delete

from storage.bus import EventBus
from storage.engine import create_engine, create_session_factory
from storage.events import Event
from storage.outbox import EventMessage, append_event
from storage.subscriptions import PAGE_SIZE, Subscription
from tests.storage.bus_helpers import (
    ARRIVAL_TIMEOUT,
    Sessions,
    commit_events,
    stored_ids,
    take,
    wait_until,
)

BusFactory = Callable[..., Awaitable[EventBus]]


@pytest.fixture
async def make_bus(session_factory: Sessions) -> AsyncIterator[BusFactory]:
    """Started buses on the test database, stopped afterwards."""
    buses: list[EventBus] = []

    async def make(**options: Any) -> EventBus:
        # The tail check would hide whatever else is under test; the tests that need it say so.
        options.setdefault("tail_interval", 60.0)
        bus = EventBus("memory://", session_factory, **options)
        await bus.start()
        buses.append(bus)
        return bus

    yield make
    for bus in buses:
        await bus.stop()


def ids(messages: list[EventMessage]) -> list[int]:
    return [message.id for message in messages]


class TestResume:
    async def test_ten_thousand_events_arrive_once_in_order_across_a_resubscribe(
        self, make_bus: BusFactory, session_factory: Sessions
    ) -> None:
        total, batch, first_part = 10_000, 100, 3_000
        bus = await make_bus()
        received: list[int] = []
        subscribed = asyncio.Event()

        async def consume() -> None:
            async with bus.subscribe() as events:
                subscribed.set()
                async for message in events:
                    received.append(message.id)
                    if len(received) == first_part:
                        break
            # Stay away while a good part of the stream goes by, then resume where we left.
            await wait_until(lambda: bus.last_id >= received[-1] + 1_000)
            async with bus.subscribe(since=received[-1]) as events:
                async for message in events:
                    received.append(message.id)
                    if len(received) == total:
                        return

        consumer = asyncio.create_task(consume())
        await subscribed.wait()
        for _ in range(total // batch):
            await commit_events(session_factory, bus.publish, batch)
        async with asyncio.timeout(ARRIVAL_TIMEOUT):
            await consumer
        assert received == await stored_ids(session_factory)
        assert len(received) == total


class TestSlowConsumer:
    async def test_a_stalled_subscriber_is_bounded_delays_nobody_and_loses_nothing(
        self, make_bus: BusFactory, session_factory: Sessions
    ) -> None:
        queue_size, total, batch = 100, 5_000, 100
        bus = await make_bus(queue_size=queue_size)
        live: list[int] = []
        peak = 0
        async with bus.subscribe() as stalled, bus.subscribe() as events:
            assert isinstance(stalled, Subscription)

            async def read_live() -> None:
                async for message in events:
                    live.append(message.id)

            def read_up_to(last: int) -> Callable[[], bool]:
                return lambda: bool(live) and live[-1] == last

            reader = asyncio.create_task(read_live())
            for _ in range(total // batch):
                produced = await commit_events(session_factory, bus.publish, batch)
                # The live reader gets each batch before the next is written, stall or not.
                await wait_until(read_up_to(produced[-1]))
                peak = max(peak, stalled.queued)
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)
            expected = await stored_ids(session_factory)
            assert live == expected
            assert peak == queue_size
            assert stalled.lagging
            resumed = ids(await take(stalled, total))
            assert resumed == expected
            # Once nothing is left in the table it is back on live delivery.
            upcoming = asyncio.create_task(anext(stalled))
            await wait_until(lambda: not stalled.lagging)
            later = await commit_events(session_factory, bus.publish, 1)
            async with asyncio.timeout(ARRIVAL_TIMEOUT):
                assert (await upcoming).id == later[0]


class TestGaps:
    async def test_unpublished_commits_are_backfilled_before_later_events(
        self, make_bus: BusFactory, session_factory: Sessions
    ) -> None:
        bus = await make_bus()
        async with bus.subscribe() as events:
            first = await commit_events(session_factory, bus.publish, 5)
            unpublished = await commit_events(session_factory, None, 5)
            last = await commit_events(session_factory, bus.publish, 5)
            received = ids(await take(events, 15))
        assert received == first + unpublished + last

    async def test_the_tail_check_delivers_commits_that_were_never_published(
        self, make_bus: BusFactory, session_factory: Sessions
    ) -> None:
        bus = await make_bus(tail_interval=0.05)
        async with bus.subscribe() as events:
            unpublished = await commit_events(session_factory, None, 5)
            assert ids(await take(events, 5)) == unpublished
        assert bus.last_id == unpublished[-1]

    async def test_holes_in_the_ids_are_skipped_not_waited_for(
        self, make_bus: BusFactory, session_factory: Sessions
    ) -> None:
        bus = await make_bus()
        async with bus.subscribe() as events:
            first = await commit_events(session_factory, bus.publish, 2)
            unpublished = await commit_events(session_factory, None, 3)
            async with session_factory() as session:
                await session.execute(delete(Event).where(Event.id == unpublished[1]))
                await session.commit()
            last = await commit_events(session_factory, bus.publish, 2)
            received = ids(await take(events, 6))
        assert received == first + [unpublished[0], unpublished[2]] + last

    async def test_rolled_back_ids_on_postgresql_do_not_stall_delivery(
        self, postgres_url: str
    ) -> None:
        engine = create_engine(postgres_url)
        sessions = create_session_factory(engine)
        bus = EventBus("memory://", sessions, tail_interval=60.0)
        await bus.start()
        try:
            async with bus.subscribe() as events:
                before = await commit_events(sessions, bus.publish, 3)
                async with sessions() as session:
                    for _ in range(3):
                        await append_event(session, topic="test.undone", entity_id=None, payload={})
                    await session.rollback()
                after = await commit_events(sessions, bus.publish, 3)
                received = ids(await take(events, 6))
        finally:
            await bus.stop()
            await engine.dispose()
        assert after[0] > before[-1] + 1  # the rollback really left a hole in the sequence
        assert received == before + after

    async def test_a_filtered_subscriber_gets_backfilled_events_in_order(
        self, make_bus: BusFactory, session_factory: Sessions
    ) -> None:
        bus = await make_bus()
        async with bus.subscribe(topics=["wanted.*"]) as events:
            await commit_events(session_factory, bus.publish, 3, topic="other.x")
            unpublished = await commit_events(session_factory, None, 2, topic="wanted.x")
            await commit_events(session_factory, bus.publish, 3, topic="other.x")
            last = await commit_events(session_factory, bus.publish, 1, topic="wanted.y")
            received = ids(await take(events, 3))
        assert received == unpublished + last


EVENTS = [
    ("strategy.created", "s1"),
    ("strategy.updated", "s2"),
    ("strategyx.created", "s1"),
    ("strategy", "s1"),
    ("Strategy.created", "s1"),
    ("trade.opened", "t1"),
    ("risk_veto.raised", "s1"),
    ("riskXveto.raised", "s1"),
]

FILTERS = pytest.mark.parametrize(
    ("criteria", "expected", "terminator"),
    [
        ({"topics": ["strategy.*"]}, [0, 1], ("strategy.done", "z")),
        ({"topics": ["trade.opened", "strategy"]}, [3, 5], ("strategy", "z")),
        ({"topics": ["risk_veto.*"]}, [6], ("risk_veto.done", "z")),
        ({"entity_id": "s1"}, [0, 2, 3, 4, 6, 7], ("anything", "s1")),
        ({"topics": ["strategy.*"], "entity_id": "s1"}, [0], ("strategy.done", "s1")),
    ],
    ids=["prefix", "exact", "prefix-with-wildcard-chars", "entity", "prefix-and-entity"],
)


async def commit_all(sessions: Sessions, bus: EventBus, terminator: tuple[str, str]) -> list[int]:
    """EVENTS, then the terminator, each published; their ids in that order."""
    written: list[int] = []
    for topic, entity_id in [*EVENTS, terminator]:
        written += await commit_events(sessions, bus.publish, 1, topic=topic, entity_id=entity_id)
    return written


class TestFilters:
    @FILTERS
    async def test_live_delivery_matches_exact_and_prefix_topics_and_entity(
        self,
        make_bus: BusFactory,
        session_factory: Sessions,
        criteria: dict[str, Any],
        expected: list[int],
        terminator: tuple[str, str],
    ) -> None:
        bus = await make_bus()
        async with bus.subscribe(**criteria) as events:
            written = await commit_all(session_factory, bus, terminator)
            received = ids(await take(events, len(expected) + 1))
        assert received == [written[i] for i in expected] + [written[-1]]

    @FILTERS
    async def test_since_replay_from_the_table_applies_the_same_filter(
        self,
        make_bus: BusFactory,
        session_factory: Sessions,
        criteria: dict[str, Any],
        expected: list[int],
        terminator: tuple[str, str],
    ) -> None:
        bus = await make_bus()
        written = await commit_all(session_factory, bus, terminator)
        async with bus.subscribe(since=0, **criteria) as events:
            received = ids(await take(events, len(expected) + 1))
        assert received == [written[i] for i in expected] + [written[-1]]

    async def test_a_lagging_filtered_subscriber_catches_up_with_its_filter(
        self, make_bus: BusFactory, session_factory: Sessions
    ) -> None:
        bus = await make_bus(queue_size=2)
        wanted: list[int] = []
        async with bus.subscribe(topics=["wanted.*"]) as events:
            for _ in range(5):
                await commit_events(session_factory, bus.publish, 1, topic="other.x")
                wanted += await commit_events(session_factory, bus.publish, 1, topic="wanted.x")
            received = await take(events, 5)
        assert ids(received) == wanted
        assert {message.topic for message in received} == {"wanted.x"}


class TestSince:
    async def test_since_replays_the_table_in_pages_then_continues_live(
        self, make_bus: BusFactory, session_factory: Sessions
    ) -> None:
        bus = await make_bus()
        stored = await commit_events(session_factory, bus.publish, 2 * PAGE_SIZE + 100)
        async with bus.subscribe(since=stored[49]) as events:
            replayed = ids(await take(events, len(stored) - 50))
            later = await commit_events(session_factory, bus.publish, 3)
            assert ids(await take(events, 3)) == later
        assert replayed == stored[50:]

    async def test_without_since_only_new_events_arrive(
        self, make_bus: BusFactory, session_factory: Sessions
    ) -> None:
        bus = await make_bus(tail_interval=0.05)  # the tail check must not replay history either
        await commit_events(session_factory, None, 3)
        await commit_events(session_factory, bus.publish, 3)
        async with bus.subscribe() as events:
            later = await commit_events(session_factory, bus.publish, 2)
            assert ids(await take(events, 2)) == later
        assert bus.last_id == later[-1]


class TestLifecycle:
    async def test_leaving_the_context_unregisters_the_subscriber(
        self, make_bus: BusFactory, session_factory: Sessions
    ) -> None:
        bus = await make_bus()
        async with bus.subscribe() as events:
            gone = weakref.ref(events)
            await commit_events(session_factory, bus.publish, 1)
            await take(events, 1)
        del events
        gc.collect()
        assert gone() is None

    async def test_stop_ends_every_open_iterator(
        self, make_bus: BusFactory, session_factory: Sessions
    ) -> None:
        bus = await make_bus()
        received: list[int] = []
        entered: list[bool] = []

        async def drain() -> None:
            async with bus.subscribe() as events:
                entered.append(True)
                async for message in events:
                    received.append(message.id)

        consumers = [asyncio.create_task(drain()) for _ in range(3)]
        await wait_until(lambda: len(entered) == 3)
        written = await commit_events(session_factory, bus.publish, 1)
        await wait_until(lambda: len(received) == 3)
        await bus.stop()
        async with asyncio.timeout(5):
            await asyncio.gather(*consumers)
        assert received == written * 3

    async def test_subscribe_needs_a_started_bus(self, session_factory: Sessions) -> None:
        bus = EventBus("memory://", session_factory)
        with pytest.raises(RuntimeError):
            async with bus.subscribe():
                pass
