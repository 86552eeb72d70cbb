"""The deep-dive chat's event stream read by a real HTTP client from a real `tradegraph serve`
process, answered by a loopback OpenAI-compatible stub (and once by the offline `lab`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.chat_stub import MODEL, ChatStub
from tests.e2e.server import running_server
from tests.e2e.sse import PING, events, make_strategy, route_chat

pytestmark = pytest.mark.e2e

API_KEY, OPERATOR_KEY = "deepdive-api-key", "deepdive-operator-key"
KEYS = {"x-api-key": API_KEY, "x-operator-key": OPERATOR_KEY}
# pings every 0.2 s so that a stall shows them quickly
ENV = {**{f"FORVEN_{k}": v for k, v in (("API_KEY", API_KEY), ("OPERATOR_KEY", OPERATOR_KEY))},
       "TRADEGRAPH_RATE_LIMIT": "", "TRADEGRAPH_DEEPDIVE_PING": "0.2"}  # fmt: skip


@pytest.fixture(scope="module")
def stub() -> Iterator[ChatStub]:
    with ChatStub() as running:
        yield running


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory, stub: ChatStub) -> Iterator[str]:
    env = {**ENV, "TRADEGRAPH_OPENAI_BASE_URL": stub.url}
    with running_server(tmp_path_factory.mktemp("server"), "--no-demo", env=env) as url:
        yield url


@pytest.fixture
def client(base: str, stub: ChatStub) -> Iterator[httpx.Client]:
    stub.script.__init__()  # type: ignore[misc]  # a fresh script per test
    with httpx.Client(base_url=base, headers=KEYS, timeout=30) as http:
        route_chat(http, "openai", MODEL)
        yield http


def send(client: httpx.Client, strategy_id: int, message: str) -> Any:
    return client.stream(
        "POST", f"/api/deepdive/threads/{strategy_id}/send", json={"message": message}
    )


def thread(client: httpx.Client, strategy_id: int) -> list[dict[str, Any]]:
    """The thread's messages, read back through GraphQL (the API key alone)."""
    query = (
        "query($id: ID!) { deepdiveThread(strategyId: $id) { id messages { role content "
        "status provider model completionTokens } } }"
    )
    answer = client.post(
        "/graphql",
        json={"query": query, "variables": {"id": strategy_id}},
        headers={"x-api-key": API_KEY, "x-operator-key": ""},
    )
    body = answer.json()
    assert "errors" not in body, body
    messages: list[dict[str, Any]] = body["data"]["deepdiveThread"]["messages"]
    return messages


class TestStream:
    def test_tokens_in_order_then_the_persisted_answer(
        self, client: httpx.Client, stub: ChatStub
    ) -> None:
        stub.script.words, stub.script.pause = ["one", "two", "three", "four"], 0.05
        strategy = make_strategy(client)
        with send(client, strategy, "What is this strategy doing?") as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            seen = [(k, d) for k, d in events(response) if k != PING]
        *tokens, (kind, message) = seen
        assert [t for t, _ in tokens] == ["token"] * 4
        assert "".join(d["text"] for _, d in tokens) == "one two three four"
        assert kind == "message"
        assert (message["role"], message["status"]) == ("assistant", "complete")
        assert (message["content"], message["provider"]) == ("one two three four", "openai")
        assert message["thread_id"] == strategy and message["completion_tokens"] == 4
        stored = thread(client, strategy)
        assert [(m["role"], m["status"]) for m in stored] == [
            ("user", "complete"),
            ("assistant", "complete"),
        ]
        assert stored[0]["content"] == "What is this strategy doing?"
        # the model was told about the strategy, then asked the question
        [request] = stub.script.requests
        assert request["messages"][0]["role"] == "system"
        assert f"Strategy {strategy}" in request["messages"][0]["content"]
        assert request["messages"][-1] == {
            "role": "user",
            "content": "What is this strategy doing?",
        }

    def test_the_history_goes_along_with_the_next_question(
        self, client: httpx.Client, stub: ChatStub
    ) -> None:
        strategy = make_strategy(client)
        for question in ("first?", "second?"):
            with send(client, strategy, question) as response:
                list(events(response))
        sent = [m["content"] for m in stub.script.requests[-1]["messages"][1:]]
        assert sent == ["first?", "alpha beta gamma", "second?"]

    def test_pings_keep_a_stalled_stream_open(self, client: httpx.Client, stub: ChatStub) -> None:
        stub.script.stall_after = 1
        strategy = make_strategy(client)
        kinds: list[str] = []
        with send(client, strategy, "stall please") as response:
            for kind, _ in events(response):
                kinds.append(kind)
                stalled = kinds[kinds.index("token") :] if "token" in kinds else []
                if stalled.count(PING) == 2:  # two pings while the stub holds its second chunk
                    stub.script.release.set()
        assert kinds[kinds.index("token") :].count(PING) >= 2
        assert [k for k in kinds if k != PING] == ["token", "token", "token", "message"]

    def test_a_client_that_leaves_stops_the_answer(
        self, client: httpx.Client, stub: ChatStub
    ) -> None:
        stub.script.stall_after = 2
        strategy = make_strategy(client)
        tokens = 0
        with send(client, strategy, "tell me everything") as response:
            for kind, _ in events(response):
                tokens += kind == "token"
                if kind == PING and tokens == 2:  # the stub stalls after two: hang up
                    break
        # the server closed the provider's connection: the stalled stub sees it
        assert stub.script.closed_by_client.wait(10)
        stored = _wait_for(lambda: thread(client, strategy), lambda m: len(m) == 2)
        assert stored[1]["status"] == "interrupted"
        assert stored[1]["content"] == "alpha beta"

    def test_refusals_come_before_any_event(self, client: httpx.Client) -> None:
        strategy = make_strategy(client)
        missing = client.post("/api/deepdive/threads/999999/send", json={"message": "hi"})
        blank = client.post(f"/api/deepdive/threads/{strategy}/send", json={"message": "  "})
        keyless = client.post(
            f"/api/deepdive/threads/{strategy}/send",
            json={"message": "hi"},
            headers={"x-operator-key": "wrong"},
        )
        assert (missing.status_code, missing.json()["code"]) == (404, "NOT_FOUND")
        assert (blank.status_code, blank.json()["code"]) == (422, "INVALID_MESSAGE")
        assert keyless.status_code == 401
        path = f"/api/deepdive/threads/{strategy}/send"
        unnamed = client.post(path, json={})
        alias = client.post(path, json={"prompt": "hi"})  # no aliases: an unknown key
        assert (unnamed.status_code, unnamed.json()["code"]) == (422, "INVALID_MESSAGE")
        assert (alias.status_code, alias.json()["code"]) == (422, "VALIDATION_ERROR")
        assert thread(client, strategy) == []


def test_the_offline_lab_provider_streams_word_by_word(
    tmp_path: Path,
) -> None:
    with (
        running_server(tmp_path, "--no-demo", env=ENV) as url,
        httpx.Client(base_url=url, headers=KEYS, timeout=30) as client,
    ):
        strategy = make_strategy(client)
        question = f"How is strategy {strategy} doing?"
        with send(client, strategy, question) as response:
            seen = [(k, d) for k, d in events(response) if k != PING]
        *tokens, (kind, message) = seen
        assert kind == "message" and message["provider"] == "lab"
        assert len(tokens) > 3 and all(k == "token" for k, _ in tokens)
        assert "".join(d["text"] for _, d in tokens) == message["content"]
        assert message["content"].startswith(f"Strategy {strategy}")


def _wait_for(read: Any, done: Any, timeout: float = 10.0) -> Any:
    import time

    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if done(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.05)
