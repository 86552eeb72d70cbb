"""What the deep-dive resolver tests share: committed units of work on the test database, a
scripted provider that notices being closed, and a strategy with a routed chat policy."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from resolvers.models.providers import ChatAnswer, ChatChunk, Message, ProviderError, Usage
from resolvers.models.stream import Transaction
from storage.events import Event
from storage.outbox import commit_and_publish
from storage.providers import POLICY_ROW_ID, ModelPolicy


def units(factory: async_sessionmaker[AsyncSession]) -> Transaction:
    """Each call a session committed when its block ends (rolled back on an error)."""

    @asynccontextmanager
    async def unit() -> AsyncIterator[AsyncSession]:
        async with factory() as session:
            yield session
            await commit_and_publish(session, None)

    return unit


class Scripted:
    """A provider streaming `words`; `fail_at` raises PROVIDER_ERROR before that chunk (0:
    before the first); `closed` is set when the caller closes the stream early."""

    def __init__(self, name: str, words: list[str], *, fail_at: int | None = None) -> None:
        self.name = name
        self.words = words
        self.fail_at = fail_at
        self.closed = False
        self.asked: list[list[Message]] = []

    async def list_models(self) -> list[str]:
        return ["m"]

    async def chat(
        self, messages: list[Message], *, model: str, stream: bool = False
    ) -> ChatAnswer | AsyncIterator[ChatChunk]:
        self.asked.append(messages)
        return self._chunks()

    async def _chunks(self) -> AsyncIterator[ChatChunk]:
        try:
            for i, word in enumerate(self.words):
                if i == self.fail_at:
                    raise ProviderError(f"{self.name} broke", details={"provider": self.name})
                last = i == len(self.words) - 1
                yield ChatChunk(word, usage=Usage(5, len(self.words)) if last else None)
        except GeneratorExit:
            self.closed = True
            raise


async def route_chat(session: AsyncSession, *chain: str) -> None:
    """Route the chat task kind to the named providers, in order (model `m`)."""
    first, *fallback = chain
    session.add(
        ModelPolicy(
            id=POLICY_ROW_ID,
            tasks={
                "chat": {
                    "provider": first,
                    "model": "m",
                    "fallback": [{"provider": p, "model": "m"} for p in fallback],
                }
            },
        )
    )
    await session.commit()


async def topics(session: AsyncSession) -> list[tuple[str, Any]]:
    rows = await session.scalars(select(Event).where(Event.topic == "deepdive.message"))
    return [(e.topic, e.payload) for e in rows]
