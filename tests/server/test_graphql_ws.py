"""WebSocket /graphql (graphql-transport-ws): the API key at connection_init, the operator
key per operation, and the per-connection subscription limit.

A browser cannot set WebSocket headers, so keys may arrive in the handshake headers or in the
`connection_init` payload; without the API key the socket closes with 4403 before any data.

Subscriptions here start on an empty events table with `since: 0`, then a query on the same
socket proves the subscription is registered before the mutation it should see: no sleeps, and
the subscription never reads the table, so closing the socket cannot cancel a query midway
(a cancelled aiosqlite query can leave a close task that stalls the test client's shutdown).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from server.app import create_app
from tests.schema.keyed import API, BOTH, OPERATOR, keyed_settings

PROTOCOL = ["graphql-transport-ws"]
EVENTS = 'subscription { events(topics: ["hypothesis.*"], since: 0) { topic payload } }'
CREATE = 'mutation { createHypothesis(input: {title: "over ws"}) { id } }'


@contextmanager
def served(tmp_path: Path, **overrides: Any) -> Iterator[TestClient]:
    """The app (both keys configured unless overridden) behind Starlette's TestClient."""
    keys = {"api_key": API, "operator_key": OPERATOR, **overrides}
    with TestClient(create_app(keyed_settings(tmp_path, **keys))) as client:
        yield client


def init(ws: Any, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    ws.send_json({"type": "connection_init", **({"payload": payload} if payload else {})})
    message: dict[str, Any] = ws.receive_json()
    return message


def subscribe(ws: Any, id_: str, query: str = EVENTS) -> None:
    ws.send_json({"id": id_, "type": "subscribe", "payload": {"query": query}})


def create_hypothesis(client: TestClient) -> None:
    response = client.post("/graphql", json={"query": CREATE}, headers=BOTH)
    assert response.status_code == 200, response.text


def settle(ws: Any) -> None:
    """Run a query after the subscriptions sent so far; its answer means they are live (the
    handler starts operations in order, and a subscription with `since` registers with the
    bus before its first real wait)."""
    subscribe(ws, "settle", "{ health { status } }")
    assert ws.receive_json()["type"] == "next"
    assert ws.receive_json() == {"id": "settle", "type": "complete"}


class TestConnectionInit:
    def test_without_the_api_key_the_socket_closes_4403(self, tmp_path: Path) -> None:
        with served(tmp_path) as client, client.websocket_connect("/graphql", PROTOCOL) as ws:
            ws.send_json({"type": "connection_init", "payload": {"x-operator-key": OPERATOR}})
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_json()
        assert (closed.value.code, closed.value.reason) == (4403, "Forbidden")

    def test_a_wrong_api_key_closes_4403(self, tmp_path: Path) -> None:
        with served(tmp_path) as client, client.websocket_connect("/graphql", PROTOCOL) as ws:
            ws.send_json({"type": "connection_init", "payload": {"x-api-key": "guess"}})
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_json()
        assert closed.value.code == 4403

    @pytest.mark.parametrize(
        "payload",
        [
            {"x-api-key": API},
            {"api_key": API},
            {"Authorization": f"Bearer {API}"},
            {"headers": {"x-api-key": API}},
        ],
    )
    def test_the_payload_carries_the_key(self, tmp_path: Path, payload: dict[str, Any]) -> None:
        with served(tmp_path) as client, client.websocket_connect("/graphql", PROTOCOL) as ws:
            assert init(ws, payload) == {"type": "connection_ack"}

    def test_handshake_headers_carry_the_keys(self, tmp_path: Path) -> None:
        with (
            served(tmp_path) as client,
            client.websocket_connect("/graphql", PROTOCOL, headers=BOTH) as ws,
        ):
            assert init(ws) == {"type": "connection_ack"}
            subscribe(ws, "1")
            settle(ws)
            create_hypothesis(client)
            message = ws.receive_json()
        assert message["type"] == "next", message
        assert message["payload"]["data"]["events"]["topic"] == "hypothesis.created"

    def test_a_header_key_is_not_replaced_by_the_payload(self, tmp_path: Path) -> None:
        headers = {"x-api-key": "guess"}
        with (
            served(tmp_path) as client,
            client.websocket_connect("/graphql", PROTOCOL, headers=headers) as ws,
        ):
            ws.send_json({"type": "connection_init", "payload": {"x-api-key": API}})
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_json()
        assert closed.value.code == 4403

    def test_open_when_no_api_key_is_configured(self, tmp_path: Path) -> None:
        with (
            served(tmp_path, api_key=None) as client,
            client.websocket_connect("/graphql", PROTOCOL) as ws,
        ):
            assert init(ws) == {"type": "connection_ack"}

    def test_an_allowed_browser_origin_may_connect(self, tmp_path: Path) -> None:
        """Strawberry's own Origin list would refuse the configured CORS origins; the guard
        middleware is the one place that decides."""
        headers = {"origin": "http://localhost:5173"}
        with (
            served(tmp_path) as client,
            client.websocket_connect("/graphql", PROTOCOL, headers=headers) as ws,
        ):
            assert init(ws, {"x-api-key": API}) == {"type": "connection_ack"}


class TestOperations:
    def test_events_without_the_operator_key_is_an_error_not_data(self, tmp_path: Path) -> None:
        with served(tmp_path) as client:
            create_hypothesis(client)  # there is data it must not see
            with client.websocket_connect("/graphql", PROTOCOL) as ws:
                assert init(ws, {"x-api-key": API}) == {"type": "connection_ack"}
                subscribe(ws, "1")
                message = ws.receive_json()
        assert message["type"] == "error" and message["id"] == "1", message
        [error] = message["payload"]
        assert error["extensions"] == {"code": "INVALID_OPERATOR_KEY", "http": {"status": 401}}

    def test_events_with_no_operator_key_configured_is_503(self, tmp_path: Path) -> None:
        with (
            served(tmp_path, operator_key=None) as client,
            client.websocket_connect("/graphql", PROTOCOL) as ws,
        ):
            assert init(ws, {"x-api-key": API}) == {"type": "connection_ack"}
            subscribe(ws, "1")
            message = ws.receive_json()
        assert message["type"] == "error", message
        assert message["payload"][0]["extensions"]["code"] == "OPERATOR_KEY_NOT_CONFIGURED"

    def test_mutations_over_the_socket_meet_the_same_policy(self, tmp_path: Path) -> None:
        with (
            served(tmp_path) as client,
            client.websocket_connect("/graphql", PROTOCOL) as ws,
        ):
            assert init(ws, {"x-api-key": API}) == {"type": "connection_ack"}
            subscribe(ws, "1", CREATE)
            refused = ws.receive_json()
            listed = client.post(
                "/graphql", json={"query": "{ hypotheses { totalCount } }"}, headers=BOTH
            )
        assert refused["type"] == "error", refused
        assert listed.json()["data"]["hypotheses"]["totalCount"] == 0

    def test_payload_keys_reach_operator_data(self, tmp_path: Path) -> None:
        with (
            served(tmp_path) as client,
            client.websocket_connect("/graphql", PROTOCOL) as ws,
        ):
            assert init(ws, dict(BOTH)) == {"type": "connection_ack"}
            subscribe(ws, "1")
            settle(ws)
            create_hypothesis(client)
            message = ws.receive_json()
        assert message["type"] == "next", message
        assert message["payload"]["data"]["events"]["payload"]["title"] == "over ws"


class TestSubscriptionLimit:
    def test_the_limit_counts_live_operations_per_connection(self, tmp_path: Path) -> None:
        """TRADEGRAPH_MAX_SUBSCRIPTIONS=2 (the default is 20): a third operation is refused
        while two subscriptions run, and accepted once one completes."""
        query = "{ health { status } }"
        with (
            served(tmp_path, max_subscriptions_per_connection=2) as client,
            client.websocket_connect("/graphql", PROTOCOL, headers=BOTH) as ws,
        ):
            assert init(ws) == {"type": "connection_ack"}
            subscribe(ws, "1")
            subscribe(ws, "2")
            subscribe(ws, "3", query)
            over = ws.receive_json()
            ws.send_json({"id": "1", "type": "complete"})
            subscribe(ws, "4", query)
            again = ws.receive_json()
        assert over["type"] == "error" and over["id"] == "3", over
        assert over["payload"][0]["message"] == "Subscription limit reached"
        assert again == {
            "id": "4",
            "type": "next",
            "payload": {"data": {"health": {"status": "ok"}}},
        }
