"""A loopback stand-in for HyperLiquid's `POST /info` candleSnapshot, on a real socket.

It holds a coin's history (the candles it still keeps) and answers pages the way the
exchange does: oldest first, open time within [startTime, endTime], at most `page_size`,
prices as decimal strings. Knobs reproduce what a client must survive: an overlap (each page
starts one candle before startTime), an error status, a slow answer, a malformed body.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from types import TracebackType
from typing import Any

from tests.loopback import LoopbackServer, unreachable_base

HOUR_MS = 3_600_000
ORIGIN_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z


def candle(
    t: int, interval_ms: int = HOUR_MS, coin: str = "BTC", price: float = 100.0
) -> dict[str, Any]:
    """One candle in the recorded shape of HyperLiquid's answer."""
    o = price + (t // interval_ms) % 7
    c = o + 0.5
    return {"t": t, "T": t + interval_ms - 1, "s": coin, "i": "1h", "o": f"{o}", "c": f"{c}",
            "h": f"{c + 1}", "l": f"{o - 1}", "v": "12.5", "n": 42}  # fmt: skip


def history(count: int, *, start_ms: int = ORIGIN_MS, coin: str = "BTC") -> list[dict[str, Any]]:
    return [candle(start_ms + i * HOUR_MS, coin=coin) for i in range(count)]


@dataclass
class Script:
    """What the stub answers; tests change it between requests."""

    candles: list[dict[str, Any]] = field(default_factory=list)
    page_size: int = 500
    overlap: bool = False  # repeat the candle before startTime (a client must dedupe)
    status: int = 200
    delay: float = 0.0
    raw: bytes | None = None  # answer exactly these bytes
    requests: list[dict[str, Any]] = field(default_factory=list)
    answered: list[int] = field(default_factory=list)  # candles per answer


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        script = self.server.script
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        script.requests.append({"path": self.path, **body})
        if script.delay:
            self.server.stopping.wait(script.delay)
        if script.raw is not None or script.status != 200:
            self._send(script.status, script.raw if script.raw is not None else b'"error"')
            return
        req = body["req"]
        start, end = req["startTime"], req["endTime"]
        if script.overlap:
            start -= HOUR_MS
        page = [c for c in script.candles if start <= c["t"] <= end][: script.page_size]
        script.answered.append(len(page))
        self._send(200, json.dumps(page).encode())

    def _send(self, status: int, payload: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(LoopbackServer):
    script: Script


class HyperliquidStub:
    """The stub on 127.0.0.1:<free port>, served from a thread; a context manager."""

    def __init__(self, script: Script | None = None) -> None:
        self.server = _Server(_Handler)
        self.server.script = script or Script()

    @property
    def script(self) -> Script:
        return self.server.script

    @property
    def url(self) -> str:
        return self.server.base_url

    def __enter__(self) -> HyperliquidStub:
        self.server.__enter__()
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.server.__exit__(None, None, None)


__all__ = ["HyperliquidStub", "unreachable_base"]
