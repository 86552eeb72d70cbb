"""The Halyrd WebSocket (/agents/{id}/ws): `{id, type, ts, data}` messages for one agent,
a type subset, resumption with `since`, and the Halyrd access rule at the door."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from resolvers.halyrd.equity import record_snapshot
from resolvers.halyrd.journal import append_entry
from resolvers.trading_agents import ensure_seed_agent
from server.app import create_app
from server.settings import load_settings
from storage.outbox import commit_and_publish
from tests.conftest import TEST_API_KEY

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def _client(tmp_path: Path, **extra: Any) -> TestClient:
    settings = load_settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'ws.db'}",
        data_dir=tmp_path,
        demo=False,
        rate_limit="",
        agent_tick_seconds=0,
        **extra,
    )
    return TestClient(create_app(settings))


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with _client(tmp_path) as client:
        client.portal.call(_seed, client)  # type: ignore[union-attr]
        yield client


async def _seed(client: TestClient) -> None:
    services = client.app.state.services  # type: ignore[attr-defined]
    async with services.session_factory() as session:
        await ensure_seed_agent(session)
        await commit_and_publish(session, services.bus.publish)


async def _write(client: TestClient, minute: int, message: str) -> None:
    services = client.app.state.services  # type: ignore[attr-defined]
    async with services.session_factory() as session:
        ts = T0.replace(minute=minute)
        await append_entry(session, agent_id="seed", kind="note", message=message, ts=ts)
        await record_snapshot(
            session, agent_id="seed", ts=ts, equity=10_000 + minute, phase="paper"
        )
        await commit_and_publish(session, services.bus.publish)


def _write_sync(client: TestClient, minute: int, message: str) -> None:
    client.portal.call(_write, client, minute, message)  # type: ignore[union-attr]


def test_streams_journal_and_equity_as_type_ts_data(client: TestClient) -> None:
    with client.websocket_connect("/agents/current/ws", headers={"host": "testserver"}) as ws:
        _write_sync(client, 1, "hello")
        first, second = ws.receive_json(), ws.receive_json()
    assert [first["type"], second["type"]] == ["journal", "equity"]
    assert set(first) == {"id", "type", "ts", "data"} and first["id"] < second["id"]
    assert first["data"]["message"] == "hello" and first["data"]["kind"] == "note"
    assert second["data"]["equity"] == 10_001 and second["data"]["dd_from_peak"] == 0
    assert datetime.fromisoformat(second["ts"]) == T0.replace(minute=1)


def test_type_subset_and_resume_with_since(client: TestClient) -> None:
    with client.websocket_connect(
        "/agents/seed/ws?types=equity", headers={"host": "testserver"}
    ) as ws:
        _write_sync(client, 1, "one")
        _write_sync(client, 2, "two")
        seen = [ws.receive_json(), ws.receive_json()]
    assert [m["type"] for m in seen] == ["equity", "equity"]
    since = seen[0]["id"]
    with client.websocket_connect(
        f"/agents/seed/ws?since={since}", headers={"host": "testserver"}
    ) as ws:
        replay = [ws.receive_json() for _ in range(2)]
    # after the first equity event: the second journal entry, then the second snapshot
    assert [m["type"] for m in replay] == ["journal", "equity"]
    assert replay[0]["data"]["message"] == "two" and replay[1]["id"] == seen[1]["id"]


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/agents/nobody/ws", 4404),
        ("/agents/seed/ws?types=gossip", 4422),
        ("/agents/seed/ws?since=-1", 4422),
    ],
)
def test_bad_requests_close_with_a_code(client: TestClient, path: str, code: int) -> None:
    with (
        client.websocket_connect(path, headers={"host": "testserver"}) as ws,
        pytest.raises(WebSocketDisconnect) as closed,
    ):
        ws.receive_text()
    assert closed.value.code == code


def test_keys_are_needed_when_the_halyrd_api_is_not_open(tmp_path: Path) -> None:
    with _client(
        tmp_path, api_key=TEST_API_KEY, auth_required=False, bind_host="0.0.0.0"
    ) as client:
        client.portal.call(_seed, client)  # type: ignore[union-attr]
        with client.websocket_connect("/agents/seed/ws", headers={"host": "testserver"}) as ws:
            ws.send_json({"type": "auth", "x-api-key": "wrong"})
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_text()
        assert closed.value.code == 4401
        keyed = {"host": "testserver", "x-api-key": TEST_API_KEY}
        with client.websocket_connect("/agents/seed/ws", headers=dict(keyed)) as ws:
            _write_sync(client, 3, "keyed")
            assert ws.receive_json()["data"]["message"] == "keyed"
