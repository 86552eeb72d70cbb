"""`complete_stream`: the chain tried until a first chunk, every attempt a model_calls row."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from resolvers.errors import InvalidInput
from resolvers.lab.services import Lab
from resolvers.models.providers import Message
from resolvers.models.stream import complete_stream
from storage.providers import ModelCall
from tests.loopback import unreachable_base
from tests.resolvers.deepdive.kit import route_chat, units
from tests.resolvers.models.openai_stub import OpenAIStub, Script

HELLO: list[Message] = [{"role": "user", "content": "hello"}]
Factory = async_sessionmaker[AsyncSession]


def served(lab: Lab, url: str) -> Lab:
    return replace(lab, config=replace(lab.config, openai_base_url=url))


async def rows(factory: Factory) -> list[ModelCall]:
    async with factory() as session:
        return list(await session.scalars(select(ModelCall).order_by(ModelCall.id)))


async def test_an_unknown_task_kind_is_refused(session_factory: Factory, lab: Lab) -> None:
    with pytest.raises(InvalidInput) as refused:
        await complete_stream(units(session_factory), task_kind="gossip", messages=HELLO, lab=lab)
    assert refused.value.code == "UNKNOWN_TASK_KIND"


async def test_the_http_provider_streams_its_chunks_with_the_usage(
    session_factory: Factory, lab: Lab
) -> None:
    async with session_factory() as session:
        await route_chat_model(session, "openai", "stub-large")
    with OpenAIStub(Script(reply="one two three")) as stub:
        stream = await complete_stream(
            units(session_factory),
            task_kind="chat",
            messages=HELLO,
            lab=served(lab, stub.url),
        )
        texts = [text async for text in stream.texts()]
    assert "".join(texts) == "one two three " and stream.failure is None
    assert (stream.usage.prompt_tokens, stream.usage.completion_tokens) == (7, 3)
    async with session_factory() as session:
        stream.record(session, lab)
        await session.commit()
    [row] = await rows(session_factory)
    assert (row.provider, row.model, row.ok, row.completion_tokens) == (
        "openai",
        "stub-large",
        True,
        3,
    )


async def test_every_provider_failing_names_each_attempt(
    session_factory: Factory, lab: Lab
) -> None:
    async with session_factory() as session:
        await route_chat(session, "openai", "nowhere")
    stream = await complete_stream(
        units(session_factory),
        task_kind="chat",
        messages=HELLO,
        lab=served(lab, unreachable_base()),
    )
    # the last attempt's error, as `complete` raises it
    assert stream.failure is not None and stream.failure.code == "PROVIDER_NOT_CONFIGURED"
    assert stream.failure.details["attempts"] == [
        {"provider": "openai", "model": "m", "error_code": "PROVIDER_UNREACHABLE"},
        {"provider": "nowhere", "model": "m", "error_code": "PROVIDER_NOT_CONFIGURED"},
    ]
    assert [text async for text in stream.texts()] == []


async def route_chat_model(session: AsyncSession, provider: str, model: str) -> None:
    from storage.providers import POLICY_ROW_ID, ModelPolicy

    chat = {"provider": provider, "model": model, "fallback": []}
    session.add(ModelPolicy(id=POLICY_ROW_ID, tasks={"chat": chat}))
    await session.commit()
