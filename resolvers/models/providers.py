"""The provider interface every model backend implements, and its error codes.

A provider lists its models and answers a chat: `stream=False` gives one `ChatAnswer`,
`stream=True` an async iterator of `ChatChunk`s whose last one carries the usage.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol, TypedDict

from resolvers.errors import DomainError, Unavailable

TASK_KINDS = ("chat", "research", "classification", "routine")
LAB = "lab"  # the offline provider's name
OPENAI = "openai"  # the OpenAI-compatible HTTP provider's name
PROVIDERS = (LAB, OPENAI)


class Message(TypedDict):
    """One chat message (OpenAI's shape)."""

    role: str
    content: str


@dataclass(frozen=True, slots=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass(frozen=True, slots=True)
class ChatAnswer:
    text: str
    model: str
    usage: Usage = field(default_factory=Usage)


@dataclass(frozen=True, slots=True)
class ChatChunk:
    text: str
    usage: Usage | None = None  # on the last chunk when the provider reports it


class Provider(Protocol):
    """A model backend: its models and a chat completion."""

    name: str

    async def list_models(self) -> list[str]: ...

    async def chat(
        self, messages: list[Message], *, model: str, stream: bool = False
    ) -> ChatAnswer | AsyncIterator[ChatChunk]: ...


class ProviderError(DomainError):
    """A provider that failed to answer (the call may fall back to the next in the chain)."""

    code = "PROVIDER_ERROR"
    status = 502


class ProviderUnreachable(ProviderError):
    code = "PROVIDER_UNREACHABLE"


class ProviderTimeout(ProviderError):
    code = "PROVIDER_TIMEOUT"
    status = 504


class ProviderBadResponse(ProviderError):
    code = "PROVIDER_BAD_RESPONSE"


class ProviderNotConfigured(Unavailable):
    code = "PROVIDER_NOT_CONFIGURED"


async def chat_once(provider: Provider, messages: list[Message], *, model: str) -> ChatAnswer:
    """A whole answer from `provider` (`chat` with stream=False)."""
    answer = await provider.chat(messages, model=model, stream=False)
    assert isinstance(answer, ChatAnswer)  # the protocol's contract for stream=False
    return answer


async def chat_stream(
    provider: Provider, messages: list[Message], *, model: str
) -> AsyncIterator[ChatChunk]:
    """The answer's chunks from `provider` as they arrive (`chat` with stream=True)."""
    chunks = await provider.chat(messages, model=model, stream=True)
    assert not isinstance(chunks, ChatAnswer)  # the protocol's contract for stream=True
    return chunks


def error_details(provider: str, **extra: Any) -> dict[str, Any]:
    """The details every provider error carries."""
    return {"provider": provider, **extra}
