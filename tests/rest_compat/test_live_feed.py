"""The live feed (/api/ws/live, /ws/live): event frames with monotonic ids, subsets by type,
symbol and strategy, `since` replay, the `subscribe` message and error frames."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient
from starlette.testclient import WebSocketTestSession as Socket
from starlette.websockets import WebSocketDisconnect

from resolvers.lab.live import emit_fill, emit_indicator, emit_regime, emit_tick
from server.app import create_app
from server.settings import load_settings
from storage.exchange import ExchangeFill
from storage.outbox import commit_and_publish
from tests.conftest import TEST_API_KEY, TEST_KEY_HEADERS, TEST_OPERATOR_KEY
from tests.resolvers.factories import make_strategy

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


class Feed:
    """The app under test and a way to write live events into it, as the runtimes do."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.services = client.app.state.services  # type: ignore[attr-defined]

    def connect(self, path: str = "/ws/live", **headers: str) -> Any:
        return self.client.websocket_connect(path, headers={**TEST_KEY_HEADERS, **headers})

    def call(self, fn: Any, *args: Any) -> Any:
        return self.client.portal.call(fn, *args)  # type: ignore[union-attr]

    async def _write(self, events: list[tuple[str, dict[str, Any]]]) -> None:
        async with self.services.session_factory() as session:
            for kind, fields in events:
                await WRITERS[kind](session, **fields)
            await commit_and_publish(session, self.services.bus.publish)

    def write(self, *events: tuple[str, dict[str, Any]]) -> None:
        self.call(self._write, list(events))

    async def _strategy(self, symbol: str) -> int:
        async with self.services.session_factory() as session:
            strategy = await make_strategy(session, name=f"live {symbol}")
            strategy.symbol = symbol
            await session.commit()
            return strategy.id

    def strategy(self, symbol: str) -> int:
        return int(self.call(self._strategy, symbol))


async def _fill(session: Any, *, symbol: str, strategy_id: int | None, price: float) -> None:
    fill = ExchangeFill(
        trade_id=1, kind="open", symbol=symbol, side="buy", size=0.5, price=price, fee=0.1, ts=T0
    )
    await emit_fill(session, fill=fill, strategy_id=strategy_id, session_id=1)


async def _indicator(session: Any, *, symbol: str, strategy_id: int) -> None:
    await emit_indicator(
        session,
        strategy_id=strategy_id,
        symbol=symbol,
        ts=T0,
        bar_ts=T0,
        position=1,
        values={"fast": 1.5, "slow": None},
    )


async def _tick(session: Any, *, symbol: str, price: float) -> None:
    await emit_tick(session, symbol=symbol, ts=T0, price=price, bid=price - 1, ask=price + 1)


async def _regime(session: Any, *, symbol: str, current: str) -> None:
    await emit_regime(session, symbol=symbol, ts=T0, bar_ts=T0, previous="range", current=current)


WRITERS: dict[str, Any] = {
    "tick": _tick,
    "fill": _fill,
    "indicator": _indicator,
    "regime": _regime,
}


def tick(symbol: str, price: float = 100.0) -> tuple[str, dict[str, Any]]:
    return ("tick", {"symbol": symbol, "price": price})


def fill(symbol: str, strategy_id: int | None, price: float = 100.0) -> tuple[str, dict[str, Any]]:
    return ("fill", {"symbol": symbol, "strategy_id": strategy_id, "price": price})


def indicator(symbol: str, strategy_id: int) -> tuple[str, dict[str, Any]]:
    return ("indicator", {"symbol": symbol, "strategy_id": strategy_id})


def regime(symbol: str, current: str = "trend_up") -> tuple[str, dict[str, Any]]:
    return ("regime", {"symbol": symbol, "current": current})


def subscribed(ws: Socket) -> dict[str, Any]:
    ack: dict[str, Any] = ws.receive_json()
    assert ack["type"] == "subscribed", ack
    return ack


def events(ws: Socket, count: int) -> list[dict[str, Any]]:
    return [ws.receive_json() for _ in range(count)]


@pytest.fixture
def feed(tmp_path: Path) -> Iterator[Feed]:
    settings = load_settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'live.db'}",
        data_dir=tmp_path,
        demo=False,
        rate_limit="",
        agent_tick_seconds=0,
        scheduler=False,  # only the events a test writes
        api_key=TEST_API_KEY,
        operator_key=TEST_OPERATOR_KEY,
    )
    with TestClient(create_app(settings)) as client:
        yield Feed(client)


class TestStream:
    @pytest.mark.parametrize("path", ["/api/ws/live", "/ws/live", "/api/forven/ws/live"])
    def test_every_type_as_a_frame_with_a_monotonic_id(self, feed: Feed, path: str) -> None:
        sid = feed.strategy("ETH-USD")
        with feed.connect(path) as ws:
            ack = subscribed(ws)
            feed.write(tick("BTC-USD", 101.5), fill("ETH-USD", sid), indicator("ETH-USD", sid))
            feed.write(regime("BTC-USD", "volatile"))
            got = events(ws, 4)
        assert ack["types"] == ["tick", "fill", "indicator", "regime"] and ack["symbols"] is None
        assert [m["type"] for m in got] == ["tick", "fill", "indicator", "regime"]
        ids = [m["id"] for m in got]
        assert ids == sorted(ids) and len(set(ids)) == 4 and ids[0] > ack["since"]
        first = got[0]
        assert set(first) == {"id", "type", "ts", "symbol", "strategy_id", "data"}
        assert first["symbol"] == "BTC-USD" and first["strategy_id"] is None
        assert first["data"] == {"price": 101.5, "bid": 100.5, "ask": 102.5}
        assert datetime.fromisoformat(first["ts"]) == T0
        assert got[1]["strategy_id"] == sid and got[1]["data"]["kind"] == "open"
        assert got[2]["data"]["values"] == {"fast": 1.5, "slow": None}
        assert got[3]["data"] == {
            "bar_ts": T0.isoformat(),
            "previous": "range",
            "current": "volatile",
        }

    def test_query_subset_by_type_and_symbol(self, feed: Feed) -> None:
        with feed.connect("/ws/live?types=tick,regime&symbols=eth-usd,SOL-USD") as ws:
            ack = subscribed(ws)
            feed.write(tick("BTC-USD"), fill("ETH-USD", None), tick("ETH-USD", 1.0))
            feed.write(regime("BTC-USD"), regime("SOL-USD", "range"), tick("SOL-USD", 2.0))
            got = events(ws, 3)
        assert ack["types"] == ["tick", "regime"] and ack["symbols"] == ["ETH-USD", "SOL-USD"]
        assert [(m["type"], m["symbol"]) for m in got] == [
            ("tick", "ETH-USD"),
            ("regime", "SOL-USD"),
            ("tick", "SOL-USD"),
        ]

    def test_a_strategy_subset_keeps_its_fills_and_its_symbols_ticks(self, feed: Feed) -> None:
        mine, other = feed.strategy("ETH-USD"), feed.strategy("BTC-USD")
        with feed.connect(f"/ws/live?strategies={mine}") as ws:
            subscribed(ws)
            feed.write(fill("BTC-USD", other), fill("ETH-USD", None), tick("BTC-USD"))
            feed.write(indicator("ETH-USD", mine), tick("ETH-USD"), fill("ETH-USD", mine))
            feed.write(regime("ETH-USD"), indicator("BTC-USD", other))
            got = events(ws, 4)
        assert [(m["type"], m["strategy_id"]) for m in got] == [
            ("indicator", mine),
            ("tick", None),
            ("fill", mine),
            ("regime", None),
        ]
        assert {m["symbol"] for m in got} == {"ETH-USD"}


class TestResume:
    def test_since_replays_stored_events_then_streams_live(self, feed: Feed) -> None:
        with feed.connect("/ws/live?types=tick") as ws:
            subscribed(ws)
            feed.write(tick("BTC-USD", 1.0), tick("BTC-USD", 2.0), tick("BTC-USD", 3.0))
            first = events(ws, 3)
        with feed.connect(f"/ws/live?types=tick&since={first[0]['id']}") as ws:
            ack = subscribed(ws)
            replay = events(ws, 2)
            feed.write(tick("BTC-USD", 4.0))
            live = ws.receive_json()
        assert ack["since"] == first[0]["id"]
        assert replay == first[1:]
        assert live["data"]["price"] == 4.0 and live["id"] > replay[-1]["id"]

    def test_without_since_only_new_events_arrive(self, feed: Feed) -> None:
        feed.write(tick("BTC-USD", 1.0))
        with feed.connect("/ws/live") as ws:
            subscribed(ws)
            feed.write(tick("BTC-USD", 2.0))
            assert ws.receive_json()["data"]["price"] == 2.0


class TestClientMessages:
    def test_subscribe_replaces_the_subset_without_losing_events(self, feed: Feed) -> None:
        with feed.connect("/ws/live?types=fill") as ws:
            subscribed(ws)
            feed.write(fill("BTC-USD", None, 1.0))
            seen = ws.receive_json()
            # written while the old subset holds: the new subset starts after the last sent
            feed.write(tick("ETH-USD", 7.0))
            ws.send_json({"type": "subscribe", "types": ["tick"], "symbols": ["ETH-USD"]})
            ack = subscribed(ws)
            caught_up = ws.receive_json()
            feed.write(fill("BTC-USD", None, 2.0), tick("BTC-USD"), tick("ETH-USD", 8.0))
            live = ws.receive_json()
        assert ack == {
            "type": "subscribed",
            "since": seen["id"],
            "types": ["tick"],
            "symbols": ["ETH-USD"],
            "strategies": None,
        }
        assert caught_up["data"]["price"] == 7.0
        assert (live["type"], live["symbol"], live["data"]["price"]) == ("tick", "ETH-USD", 8.0)

    @pytest.mark.parametrize(
        ("message", "code"),
        [
            ("not json", "BAD_MESSAGE"),
            ({"type": "dance"}, "UNKNOWN_MESSAGE"),
            ([1, 2], "UNKNOWN_MESSAGE"),
            ({"type": "subscribe", "types": ["gossip"]}, "VALIDATION_ERROR"),
            ({"type": "subscribe", "types": "tick"}, "VALIDATION_ERROR"),
            ({"type": "subscribe", "strategies": ["x"]}, "VALIDATION_ERROR"),
            ({"type": "subscribe", "strategies": [999]}, "NOT_FOUND"),
            ({"type": "subscribe", "symbols": []}, "VALIDATION_ERROR"),
            ({"type": "subscribe", "colour": "red"}, "VALIDATION_ERROR"),
        ],
    )
    def test_a_bad_message_gets_an_error_frame_and_changes_nothing(
        self, feed: Feed, message: Any, code: str
    ) -> None:
        with feed.connect("/ws/live?types=tick") as ws:
            subscribed(ws)
            if isinstance(message, str):
                ws.send_text(message)
            else:
                ws.send_json(message)
            error = ws.receive_json()
            feed.write(fill("BTC-USD", None), tick("BTC-USD", 5.0))
            after = ws.receive_json()
        assert error["type"] == "error" and error["code"] == code and error["detail"]
        assert after["type"] == "tick" and after["data"]["price"] == 5.0

    def test_ping_and_a_late_auth_message(self, feed: Feed) -> None:
        with feed.connect("/ws/live") as ws:
            subscribed(ws)
            ws.send_json({"type": "auth", "x-api-key": "ignored"})
            ws.send_json({"type": "ping"})
            assert ws.receive_json() == {"type": "pong"}
            ws.send_bytes(b"\x00")
            assert ws.receive_json()["code"] == "BAD_MESSAGE"


class TestRefusals:
    @pytest.mark.parametrize(
        ("query", "code", "reason"),
        [
            ("types=gossip", 4422, "VALIDATION_ERROR"),
            ("since=-1", 4422, "VALIDATION_ERROR"),
            ("since=abc", 4422, "VALIDATION_ERROR"),
            ("strategies=one", 4422, "VALIDATION_ERROR"),
            ("strategies=0", 4422, "VALIDATION_ERROR"),
            ("strategies=424242", 4404, "NOT_FOUND"),
            ("symbols=" + "X" * 41, 4422, "VALIDATION_ERROR"),
        ],
    )
    def test_bad_parameters_close_with_a_code(
        self, feed: Feed, query: str, code: int, reason: str
    ) -> None:
        with feed.connect(f"/api/ws/live?{query}") as ws, pytest.raises(WebSocketDisconnect) as c:
            ws.receive_text()
        assert c.value.code == code and c.value.reason.startswith(reason)

    def test_keys_come_first(self, feed: Feed) -> None:
        with feed.client.websocket_connect("/ws/live") as ws:
            ws.send_json({"type": "auth", "x-api-key": TEST_API_KEY, "x-operator-key": "wrong"})
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_text()
        assert closed.value.code == 4401
        with feed.client.websocket_connect("/ws/live") as ws:
            ws.send_json({"type": "auth", **TEST_KEY_HEADERS})
            subscribed(ws)
            feed.write(tick("BTC-USD", 9.0))
            assert ws.receive_json()["data"]["price"] == 9.0
