"""The live feed's door (/api/ws/live, /ws/live): keys by header or first message, checked
before any data flows, for every combination of configured and presented keys."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from server.app import create_app
from server.settings import load_settings
from tests.access_rules import CONFIGS, PRESENTED, refusal

PATHS = ["/api/ws/live", "/ws/live", "/api/forven/ws/live"]


ADMITTED = "subscribed"


def expected_close(config: dict[str, str], presented: dict[str, str]) -> int | str:
    refused = refusal(config, presented, operator=True)
    if refused is not None:
        return {401: 4401, 503: 4503}[refused[0]]
    return ADMITTED  # through the door: the feed's first frame acknowledges the subscription


@pytest.fixture(params=list(CONFIGS), scope="module")
def configured(request: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    data: Path = tmp_path_factory.mktemp("live")
    settings = load_settings(
        database_url=f"sqlite+aiosqlite:///{data / 'l.db'}",
        data_dir=data,
        demo=False,
        rate_limit="",
        **CONFIGS[request.param],
    )
    with TestClient(create_app(settings)) as client:
        yield request.param, client


def _close_code(client: TestClient, path: str, headers: dict[str, str], first: Any) -> int | str:
    """The close code of a refused socket, or ADMITTED when the feed's first frame arrives."""
    # a copy: the test client adds its handshake headers to the mapping it is given
    with client.websocket_connect(path, headers=dict(headers)) as ws:
        if first is not None:
            ws.send_json(first)
        try:
            message = ws.receive_json()  # no data may arrive before a close
        except WebSocketDisconnect as closed:
            return closed.code
    assert message["type"] == ADMITTED, message
    return ADMITTED


@pytest.mark.parametrize("presented", list(PRESENTED))
@pytest.mark.parametrize("path", PATHS)
def test_keys_in_headers(configured: Any, presented: str, path: str) -> None:
    config, client = configured
    headers = PRESENTED[presented]
    first = None if headers else {"type": "auth"}  # keyless: the first message carries none
    code = _close_code(client, path, headers, first)
    assert code == expected_close(CONFIGS[config], headers)


@pytest.mark.parametrize("presented", list(PRESENTED))
def test_keys_in_the_first_message(configured: Any, presented: str) -> None:
    config, client = configured
    keys = PRESENTED[presented]
    code = _close_code(client, "/ws/live", {}, {"type": "auth", **keys})
    assert code == expected_close(CONFIGS[config], keys)


def test_a_first_message_that_is_not_json_is_refused(configured: Any) -> None:
    config, client = configured
    with client.websocket_connect("/api/ws/live") as ws:
        ws.send_text("hello")
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_text()
    assert closed.value.code == expected_close(CONFIGS[config], {})
