"""A strategy's deep-dive thread: reading it, and the operator's turn that starts an answer.

The thread id is the strategy's id (one persistent thread per strategy, created by its first
message); a strategy that does not exist is 404 NOT_FOUND, as on every strategy route. The
message is required: a string, stripped, 1-8000 characters (422 INVALID_MESSAGE otherwise).
Every persisted message appends a `deepdive.message` event (the message's JSON, entity id the
thread id).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.deepdive.prompt import prompt_for
from resolvers.errors import InvalidInput
from resolvers.models.providers import Message
from resolvers.strategies import strategy_row
from resolvers.views import OneOf, View, from_row, to_payload
from storage.base import utcnow
from storage.deepdive import ROLES, STATUSES, DeepdiveMessage, DeepdiveThread
from storage.outbox import append_event

MAX_MESSAGE = 8000  # characters of one operator message
TOPIC = "deepdive.message"


@dataclass(frozen=True, slots=True)
class DeepdiveMessageView(View):
    """One message of a deep-dive thread: the operator's question or the model's answer."""

    rest_name = "DeepdiveMessage"
    graphql_name = "DeepdiveMessage"

    id: int
    thread_id: Annotated[int, "the thread's id, which is its strategy's"]
    role: Annotated[str, OneOf(ROLES)]
    content: Annotated[str, "the text; an interrupted answer keeps what arrived before the stop"]
    status: Annotated[
        str,
        OneOf(STATUSES),
        "complete; interrupted (the client disconnected mid-answer); failed (no provider "
        "answered, or the serving one failed mid-answer: error_code says why)",
    ]
    provider: Annotated[str | None, "the provider that answered (null on the operator's)"]
    model: str | None
    prompt_tokens: Annotated[int, "as the provider reported them (0 when it did not)"]
    completion_tokens: int
    error_code: Annotated[str | None, "why a failed answer failed (a PROVIDER_* code)"]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class DeepdiveThreadView(View):
    """A strategy's deep-dive chat: its messages, oldest first (none before the first send)."""

    rest_name = "DeepdiveThread"
    graphql_name = "DeepdiveThread"

    id: Annotated[int, "the strategy's id: one thread per strategy"]
    strategy_id: int
    created_at: Annotated[datetime | None, "null until the first message"]
    updated_at: datetime | None
    messages: list[DeepdiveMessageView]


@dataclass(frozen=True, slots=True)
class DeepdiveTurn:
    """The operator's persisted message and what the model is asked (the system message,
    the thread's history, the new message)."""

    thread_id: int
    question: DeepdiveMessageView
    prompt: list[Message]


def message_view(row: DeepdiveMessage) -> DeepdiveMessageView:
    return from_row(DeepdiveMessageView, row)


async def thread_messages(session: AsyncSession, thread_id: int) -> list[DeepdiveMessage]:
    return list(
        await session.scalars(
            select(DeepdiveMessage)
            .where(DeepdiveMessage.thread_id == thread_id)
            .order_by(DeepdiveMessage.id)
        )
    )


async def get_deepdive_thread(session: AsyncSession, *, strategy_id: int) -> DeepdiveThreadView:
    """A strategy's thread with its messages, oldest first; NOT_FOUND for no such strategy."""
    await strategy_row(session, strategy_id=strategy_id)
    thread = await session.get(DeepdiveThread, strategy_id)
    rows = await thread_messages(session, strategy_id) if thread is not None else []
    return DeepdiveThreadView(
        id=strategy_id,
        strategy_id=strategy_id,
        created_at=thread.created_at if thread else None,
        updated_at=thread.updated_at if thread else None,
        messages=[message_view(r) for r in rows],
    )


def checked_message(message: Any) -> str:
    """The operator's message, stripped; INVALID_MESSAGE unless 1-MAX_MESSAGE characters."""
    if not isinstance(message, str):
        raise InvalidInput(
            "message is required: the question, as a string",
            code="INVALID_MESSAGE",
            details={"field": "message"},
        )
    text = message.strip()
    if not text or len(text) > MAX_MESSAGE:
        raise InvalidInput(
            f"message must be 1-{MAX_MESSAGE} characters (after stripping blanks)",
            code="INVALID_MESSAGE",
            details={"field": "message", "length": len(text), "max_length": MAX_MESSAGE},
        )
    return text


async def add_message(
    session: AsyncSession, *, thread_id: int, role: str, content: str, **fields: Any
) -> DeepdiveMessageView:
    """Persist one message and its `deepdive.message` event (the caller commits)."""
    now = utcnow()
    row = DeepdiveMessage(thread_id=thread_id, role=role, content=content, created_at=now, **fields)
    session.add(row)
    thread = await session.get(DeepdiveThread, thread_id)
    if thread is not None:
        thread.updated_at = now
    await session.flush()
    view = message_view(row)
    await append_event(session, topic=TOPIC, entity_id=str(thread_id), payload=to_payload(view))
    return view


async def start_deepdive_turn(
    session: AsyncSession, *, thread_id: int, message: Any
) -> DeepdiveTurn:
    """Check the message, persist it in the strategy's thread (created on the first one) and
    build the prompt; the answer is streamed afterwards (send.py), outside this transaction."""
    text = checked_message(message)
    strategy = await strategy_row(session, strategy_id=thread_id)
    if await session.get(DeepdiveThread, thread_id) is None:
        session.add(DeepdiveThread(id=thread_id))
        await session.flush()
    history = await thread_messages(session, thread_id)
    prompt = await prompt_for(session, strategy, history, text)
    question = await add_message(
        session, thread_id=thread_id, role="user", content=text, status="complete"
    )
    return DeepdiveTurn(thread_id=thread_id, question=question, prompt=prompt)
