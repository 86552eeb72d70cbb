"""Reading a server-sent event stream line by line, as a browser's EventSource does, and the
deep-dive setup both the e2e tests and bench/deepdive_sse.py need (a strategy, a chat route)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx

PING = "ping"  # what `events` calls a comment line (the server's keep-alive)


def events(response: httpx.Response) -> Iterator[tuple[str, Any]]:
    """(event name, JSON data) per event, and (PING, text) per comment line, as they arrive."""
    kind: str | None = None
    data: list[str] = []
    for line in response.iter_lines():
        if line.startswith(":"):
            yield PING, line[1:].strip()
        elif line == "":
            if data:
                yield kind or "message", json.loads("\n".join(data))
            kind, data = None, []
        else:
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "event":
                kind = value
            elif name == "data":
                data.append(value)


def make_strategy(client: httpx.Client) -> int:
    """A hypothesis and one strategy under it, through the REST API; the strategy's id."""
    hypothesis = client.post("/api/hypotheses/manual", json={"title": "deep-dive thesis"})
    hypothesis.raise_for_status()
    strategy = client.post(
        "/api/backtesting/strategies",
        json={"hypothesis_id": hypothesis.json()["id"], "family": "ma_cross", "symbol": "BTC-USD"},
    )
    strategy.raise_for_status()
    return int(strategy.json()["id"])


def route_chat(client: httpx.Client, provider: str, model: str) -> None:
    """Serve the `chat` task kind with `provider`'s `model` (PUT /api/model-policy)."""
    answer = client.put(
        "/api/model-policy", json={"tasks": {"chat": {"provider": provider, "model": model}}}
    )
    answer.raise_for_status()
