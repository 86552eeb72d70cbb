"""The deep-dive chat's resolvers: the operator's turn, the streamed answer and what each
outcome (complete, failed, interrupted) persists."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from resolvers.deepdive.send import DeepdiveError, DeepdiveToken, send_deepdive_message
from resolvers.deepdive.threads import (
    MAX_MESSAGE,
    DeepdiveMessageView,
    get_deepdive_thread,
    start_deepdive_turn,
)
from resolvers.errors import DomainError
from resolvers.lab.services import Lab
from resolvers.models.providers import Provider
from storage.deepdive import DeepdiveMessage
from storage.providers import ModelCall
from tests.resolvers.deepdive.kit import Scripted, route_chat, topics, units
from tests.resolvers.factories import make_strategy

Factory = async_sessionmaker[AsyncSession]


@pytest.fixture
async def strategy_id(session_factory: Factory, lab: Lab) -> int:
    async with session_factory() as session:
        strategy = await make_strategy(session, lab=lab)
        await session.commit()
        return strategy.id


async def ask(
    factory: Factory,
    lab: Lab,
    strategy_id: int,
    message: str,
    providers: dict[str, Provider] | None = None,
) -> list[Any]:
    """One whole turn: the question committed, then every event of the answer."""
    async with units(factory)() as session:
        turn = await start_deepdive_turn(session, thread_id=strategy_id, message=message)
    answer = send_deepdive_message(units(factory), turn=turn, lab=lab, providers=providers)
    return [event async for event in answer]


async def stored(factory: Factory) -> list[DeepdiveMessage]:
    async with factory() as session:
        return list(await session.scalars(select(DeepdiveMessage).order_by(DeepdiveMessage.id)))


async def calls(factory: Factory) -> list[ModelCall]:
    async with factory() as session:
        return list(await session.scalars(select(ModelCall).order_by(ModelCall.id)))


class TestSend:
    async def test_the_lab_answers_token_by_token_and_both_messages_persist(
        self, session_factory: Factory, lab: Lab, strategy_id: int
    ) -> None:
        events = await ask(session_factory, lab, strategy_id, f"How is strategy {strategy_id}?")
        *tokens, answer = events
        assert len(tokens) > 3 and all(isinstance(t, DeepdiveToken) for t in tokens)
        assert isinstance(answer, DeepdiveMessageView)
        assert answer.content == "".join(t.text for t in tokens)
        assert (answer.status, answer.provider, answer.model) == ("complete", "lab", "lab-analyst")
        question, reply = await stored(session_factory)
        assert (question.role, reply.role, reply.id) == ("user", "assistant", answer.id)
        [call] = await calls(session_factory)
        assert (call.task_kind, call.ok, call.completion_tokens) == (
            "chat",
            True,
            answer.completion_tokens,
        )
        async with session_factory() as session:
            published = await topics(session)
            thread = await get_deepdive_thread(session, strategy_id=strategy_id)
        assert [p["role"] for _, p in published] == ["user", "assistant"]
        assert published[1][1]["content"] == answer.content
        assert [m.id for m in thread.messages] == [question.id, reply.id]

    async def test_the_prompt_describes_the_strategy_then_the_history(
        self, session_factory: Factory, lab: Lab, strategy_id: int
    ) -> None:
        model = Scripted("model", ["fine", " thanks"])
        await route_chat_in(session_factory, "model")
        await ask(session_factory, lab, strategy_id, "first?", {"model": model})
        await ask(session_factory, lab, strategy_id, "  second?  ", {"model": model})
        system, *rest = model.asked[-1]
        assert system["role"] == "system"
        assert f"Strategy {strategy_id}" in system["content"] and "ma_cross" in system["content"]
        assert "stage quick_screen" in system["content"]
        assert "Trades: none yet." in system["content"]
        assert rest == [
            {"role": "user", "content": "first?"},
            {"role": "assistant", "content": "fine thanks"},
            {"role": "user", "content": "second?"},
        ]

    async def test_falls_back_before_the_first_chunk_only(
        self, session_factory: Factory, lab: Lab, strategy_id: int
    ) -> None:
        broken = Scripted("broken", ["x"], fail_at=0)
        steady = Scripted("steady", ["a", " b"])
        await route_chat_in(session_factory, "broken", "steady")
        *_, answer = await ask(
            session_factory, lab, strategy_id, "hi", {"broken": broken, "steady": steady}
        )
        assert (answer.provider, answer.content, answer.status) == ("steady", "a b", "complete")
        assert [(c.provider, c.ok, c.error_code) for c in await calls(session_factory)] == [
            ("broken", False, "PROVIDER_ERROR"),
            ("steady", True, None),
        ]

    async def test_a_failure_mid_answer_has_no_fallback_and_persists_as_failed(
        self, session_factory: Factory, lab: Lab, strategy_id: int
    ) -> None:
        flaky = Scripted("flaky", ["half", " an", " answer"], fail_at=2)
        steady = Scripted("steady", ["never"])
        await route_chat_in(session_factory, "flaky", "steady")
        events = await ask(
            session_factory, lab, strategy_id, "hi", {"flaky": flaky, "steady": steady}
        )
        assert [type(e) for e in events] == [DeepdiveToken, DeepdiveToken, DeepdiveError]
        error = events[-1]
        assert error.code == "PROVIDER_ERROR" and not steady.asked
        _, failed = await stored(session_factory)
        assert (failed.id, failed.status, failed.content) == (error.message_id, "failed", "half an")
        assert failed.error_code == "PROVIDER_ERROR"

    async def test_no_provider_answering_is_an_error_event_with_every_attempt(
        self, session_factory: Factory, lab: Lab, strategy_id: int
    ) -> None:
        await route_chat_in(session_factory, "openai")  # not configured in this lab
        [error] = await ask(session_factory, lab, strategy_id, "hi")
        assert isinstance(error, DeepdiveError) and error.code == "PROVIDER_NOT_CONFIGURED"
        question, failed = await stored(session_factory)
        assert question.status == "complete"
        assert (failed.status, failed.content, failed.provider) == ("failed", "", None)
        [call] = await calls(session_factory)
        assert (call.provider, call.ok) == ("openai", False)


class TestInterrupted:
    async def test_closing_the_answer_closes_the_provider_and_keeps_the_text(
        self, session_factory: Factory, lab: Lab, strategy_id: int
    ) -> None:
        model = Scripted("model", ["one", " two", " three", " four"])
        await route_chat_in(session_factory, "model")
        async with units(session_factory)() as session:
            turn = await start_deepdive_turn(session, thread_id=strategy_id, message="go")
        answer = send_deepdive_message(
            units(session_factory), turn=turn, lab=lab, providers={"model": model}
        )
        seen = [await anext(answer), await anext(answer)]
        await answer.aclose()  # type: ignore[attr-defined]  # the client left
        assert [t.text for t in seen] == ["one", " two"] and model.closed
        _, partial = await stored(session_factory)
        assert (partial.status, partial.content) == ("interrupted", "one two")
        assert partial.provider == "model"
        [call] = await calls(session_factory)
        assert (call.ok, call.error_code) == (False, "INTERRUPTED")

    async def test_cancelling_the_task_persists_the_same(
        self, session_factory: Factory, lab: Lab, strategy_id: int
    ) -> None:
        import asyncio

        started = asyncio.Event()

        class Slow(Scripted):
            async def _chunks(self) -> AsyncIterator[Any]:
                async for chunk in super()._chunks():
                    yield chunk
                    started.set()
                    await asyncio.sleep(60)

        model = Slow("model", ["only", " this"])
        await route_chat_in(session_factory, "model")
        async with units(session_factory)() as session:
            turn = await start_deepdive_turn(session, thread_id=strategy_id, message="go")

        async def consume() -> None:
            async for _ in send_deepdive_message(
                units(session_factory), turn=turn, lab=lab, providers={"model": model}
            ):
                pass

        task = asyncio.create_task(consume())
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        _, partial = await stored(session_factory)
        assert (partial.status, partial.content) == ("interrupted", "only")


class TestRefusals:
    @pytest.mark.parametrize("message", [None, 42, "", "   ", "x" * (MAX_MESSAGE + 1)])
    async def test_a_bad_message_writes_nothing(
        self, session_factory: Factory, strategy_id: int, message: Any
    ) -> None:
        with pytest.raises(DomainError) as refused:
            async with units(session_factory)() as session:
                await start_deepdive_turn(session, thread_id=strategy_id, message=message)
        assert (refused.value.code, refused.value.status) == ("INVALID_MESSAGE", 422)
        assert refused.value.details["field"] == "message"
        assert await stored(session_factory) == []

    async def test_an_unknown_strategy_is_not_found(self, session_factory: Factory) -> None:
        async with session_factory() as session:
            with pytest.raises(DomainError) as refused:
                await start_deepdive_turn(session, thread_id=4040, message="hi")
            assert (refused.value.code, refused.value.status) == ("NOT_FOUND", 404)
            with pytest.raises(DomainError) as unread:
                await get_deepdive_thread(session, strategy_id=4040)
            assert unread.value.code == "NOT_FOUND"

    async def test_a_thread_before_its_first_message_is_empty(
        self, session_factory: Factory, strategy_id: int
    ) -> None:
        async with session_factory() as session:
            thread = await get_deepdive_thread(session, strategy_id=strategy_id)
        assert (thread.id, thread.messages, thread.created_at) == (strategy_id, [], None)


async def route_chat_in(factory: Factory, *chain: str) -> None:
    async with factory() as session:
        await route_chat(session, *chain)
