"""The OpenAI-compatible HTTP provider: GET /v1/models, POST /v1/chat/completions (whole or
streamed as server-sent events), over httpx.

Each request has the configured timeout; a connect error or a 5xx is retried once (a 4xx is
the caller's fault and is not). Errors: PROVIDER_UNREACHABLE (refused, unresolvable),
PROVIDER_TIMEOUT (504), PROVIDER_ERROR (a non-2xx answer, its status in details),
PROVIDER_BAD_RESPONSE (JSON that is not the documented shape). A streamed answer raises them
from its first iteration (the request is sent when the caller starts reading).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson

from resolvers.models.providers import (
    OPENAI,
    ChatAnswer,
    ChatChunk,
    Message,
    ProviderBadResponse,
    ProviderError,
    ProviderTimeout,
    ProviderUnreachable,
    Usage,
    error_details,
)

ATTEMPTS = 2  # one retry on connect errors and 5xx


class OpenAIProvider:
    """An OpenAI-compatible server at `base_url` (…/v1 is appended unless already there)."""

    name = OPENAI

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        root = base_url.rstrip("/")
        self.base_url = root if root.endswith("/v1") else f"{root}/v1"
        self.headers = {"authorization": f"Bearer {api_key}"} if api_key else {}
        self.timeout = timeout
        self.transport = transport

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.base_url,
            headers=self.headers,
            timeout=self.timeout,
            transport=self.transport,
        )

    async def list_models(self) -> list[str]:
        """The ids `GET /v1/models` answers, sorted."""
        body = await self._json("GET", "/models")
        try:
            return sorted(str(item["id"]) for item in body["data"])
        except (KeyError, TypeError) as exc:
            raise _bad("models: no data[].id") from exc

    async def chat(
        self, messages: list[Message], *, model: str, stream: bool = False
    ) -> ChatAnswer | AsyncIterator[ChatChunk]:
        """A chat completion; with `stream` an async iterator of the streamed deltas."""
        payload: dict[str, Any] = {"model": model, "messages": messages}
        if stream:
            payload["stream"] = True
            payload["stream_options"] = {"include_usage": True}
            return self._stream(payload)
        body = await self._json("POST", "/chat/completions", json=payload)
        try:
            text = str(body["choices"][0]["message"]["content"] or "")
        except (KeyError, IndexError, TypeError) as exc:
            raise _bad("chat: no choices[0].message.content") from exc
        return ChatAnswer(text=text, model=str(body.get("model") or model), usage=_usage(body))

    async def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        async with self._client() as client:
            response = await _send(client, client.build_request(method, path, **kwargs))
            try:
                return orjson.loads(await response.aread())
            except orjson.JSONDecodeError as exc:
                raise _bad(f"{path}: not JSON") from exc
            finally:
                await response.aclose()

    async def _stream(self, payload: dict[str, Any]) -> AsyncIterator[ChatChunk]:
        async with self._client() as client:
            request = client.build_request("POST", "/chat/completions", json=payload)
            response = await _send(client, request)
            try:
                async for line in response.aiter_lines():
                    chunk = _sse_chunk(line)
                    if chunk is DONE:
                        return
                    if chunk is not None:
                        yield chunk
            except httpx.TimeoutException as exc:
                raise ProviderTimeout(
                    "the provider stopped mid-stream", details=error_details(OPENAI)
                ) from exc
            finally:
                await response.aclose()


DONE = ChatChunk(text="")


def _sse_chunk(line: str) -> ChatChunk | None:
    """One `data: {...}` line as a chunk (DONE for `data: [DONE]`, None for others)."""
    if not line.startswith("data:"):
        return None  # blank separators, comments, event names
    data = line[5:].strip()
    if data == "[DONE]":
        return DONE
    try:
        body = orjson.loads(data)
        choices = body.get("choices") or []
        text = str((choices[0].get("delta") or {}).get("content") or "") if choices else ""
    except (orjson.JSONDecodeError, AttributeError, TypeError) as exc:
        raise _bad("stream: a data line that is not a chunk") from exc
    return ChatChunk(text=text, usage=_usage(body) if body.get("usage") else None)


async def _send(client: httpx.AsyncClient, request: httpx.Request) -> httpx.Response:
    """Send with one retry on connect errors and 5xx; the response is open (stream=True)."""
    for attempt in range(ATTEMPTS):
        last = attempt == ATTEMPTS - 1
        try:
            response = await client.send(request, stream=True)
        except httpx.TimeoutException as exc:
            raise ProviderTimeout(
                f"the provider did not answer in {client.timeout.read}s",
                details=error_details(OPENAI),
            ) from exc
        except httpx.TransportError as exc:
            if last:
                raise ProviderUnreachable(
                    f"cannot reach the provider: {exc}", details=error_details(OPENAI)
                ) from exc
            continue
        if response.is_success:
            return response
        await response.aread()
        await response.aclose()
        if response.status_code >= 500 and not last:
            continue
        raise ProviderError(
            f"the provider answered {response.status_code}",
            details=error_details(OPENAI, status=response.status_code, body=response.text[:500]),
        )
    raise AssertionError("unreachable: the last attempt returns or raises")


def _usage(body: dict[str, Any]) -> Usage:
    usage = body.get("usage") or {}
    try:
        return Usage(int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0))
    except (TypeError, ValueError, AttributeError) as exc:
        raise _bad("usage is not numbers") from exc


def _bad(what: str) -> ProviderBadResponse:
    return ProviderBadResponse(
        f"unexpected provider answer ({what})", details=error_details(OPENAI)
    )
