"""The OpenAI-compatible provider against a loopback stub server on a real socket."""

from __future__ import annotations

import socket

import pytest

from resolvers.models.openai import OpenAIProvider
from resolvers.models.providers import (
    ChatAnswer,
    ProviderBadResponse,
    ProviderError,
    ProviderTimeout,
    ProviderUnreachable,
    chat_stream,
)
from tests.resolvers.models.openai_stub import OpenAIStub, Script

HELLO = [{"role": "user", "content": "hello"}]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class TestListModels:
    async def test_lists_the_servers_models_with_the_key(self) -> None:
        with OpenAIStub(Script(models=["b-model", "a-model"])) as stub:
            provider = OpenAIProvider(stub.url, api_key="sk-test")
            assert await provider.list_models() == ["a-model", "b-model"]
        assert stub.script.requests[0]["path"] == "/v1/models"
        assert stub.script.requests[0]["auth"] == "Bearer sk-test"

    async def test_bad_body(self) -> None:
        with (
            OpenAIStub(Script(raw=b'{"nope": 1}')) as stub,
            pytest.raises(ProviderBadResponse) as caught,
        ):
            await OpenAIProvider(stub.url).list_models()
        assert caught.value.status == 502


class TestChat:
    async def test_whole_answer_with_usage(self) -> None:
        with OpenAIStub(Script(reply="buy low sell high")) as stub:
            answer = await OpenAIProvider(stub.url + "/v1").chat(HELLO, model="stub-small")
        assert isinstance(answer, ChatAnswer)
        assert answer.text == "buy low sell high"
        assert (answer.usage.prompt_tokens, answer.usage.completion_tokens) == (7, 4)
        assert stub.script.requests[0]["body"]["model"] == "stub-small"

    async def test_streamed_chunks_then_usage(self) -> None:
        with OpenAIStub(Script(reply="one two three")) as stub:
            chunks = [
                c
                async for c in await chat_stream(
                    OpenAIProvider(stub.url), HELLO, model="stub-small"
                )
            ]
        assert "".join(c.text for c in chunks) == "one two three "
        assert [c.text for c in chunks[:3]] == ["one ", "two ", "three "]
        assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 3
        assert stub.script.requests[0]["body"]["stream"] is True

    async def test_a_500_is_retried_once(self) -> None:
        with OpenAIStub(Script(status=500, fail_times=1, reply="recovered")) as stub:
            answer = await OpenAIProvider(stub.url).chat(HELLO, model="m")
        assert isinstance(answer, ChatAnswer) and answer.text == "recovered"
        assert len(stub.script.requests) == 2

    async def test_a_lasting_500_is_provider_error_with_status(self) -> None:
        with OpenAIStub(Script(status=500)) as stub, pytest.raises(ProviderError) as caught:
            await OpenAIProvider(stub.url).chat(HELLO, model="m")
        assert caught.value.code == "PROVIDER_ERROR"
        assert caught.value.details["status"] == 500
        assert len(stub.script.requests) == 2

    async def test_a_4xx_is_not_retried(self) -> None:
        with OpenAIStub(Script(status=401)) as stub, pytest.raises(ProviderError) as caught:
            await OpenAIProvider(stub.url).chat(HELLO, model="m")
        assert caught.value.details["status"] == 401
        assert len(stub.script.requests) == 1

    async def test_timeout(self) -> None:
        with OpenAIStub(Script(delay=2.0)) as stub, pytest.raises(ProviderTimeout) as caught:
            await OpenAIProvider(stub.url, timeout=0.2).chat(HELLO, model="m")
        assert (caught.value.code, caught.value.status) == ("PROVIDER_TIMEOUT", 504)

    async def test_unreachable(self) -> None:
        provider = OpenAIProvider(f"http://127.0.0.1:{free_port()}")
        with pytest.raises(ProviderUnreachable) as caught:
            await provider.list_models()
        assert (caught.value.code, caught.value.status) == ("PROVIDER_UNREACHABLE", 502)
