"""Publish one event on an EventBus from a process of its own: test_bus_redis runs this.

Usage: python tests/storage/bus_publisher.py REDIS_URL DATABASE_URL CHANNEL TOPIC
"""

from __future__ import annotations

import asyncio
import os
import sys

from storage.bus import EventBus
from storage.engine import create_engine, create_session_factory
from storage.migrate import upgrade_sync
from storage.outbox import append_event, commit_and_publish


async def publish_one(redis_url: str, database_url: str, channel: str, topic: str) -> int:
    """Append, commit and publish one event; its id."""
    engine = create_engine(database_url)
    sessions = create_session_factory(engine)
    bus = EventBus(redis_url, sessions, channel=channel)
    await bus.start()
    try:
        async with sessions() as session:
            row = await append_event(
                session, topic=topic, entity_id="remote", payload={"pid": os.getpid()}
            )
            await commit_and_publish(session, bus.publish)
        return row.id
    finally:
        await bus.stop()
        await engine.dispose()


def main(argv: list[str]) -> None:
    redis_url, database_url, channel, topic = argv
    upgrade_sync(database_url)
    print(asyncio.run(publish_one(redis_url, database_url, channel, topic)))


if __name__ == "__main__":
    main(sys.argv[1:])
