"""A loopback OpenAI-compatible server streaming its chat answer chunk by chunk with pauses,
for the deep-dive SSE tests and bench: it can stall after some chunks (until released, or the
client hangs up, which it notices and records), and it stamps when it sent its first chunk."""

from __future__ import annotations

import json
import select
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from types import TracebackType
from typing import Any

from tests.loopback import LoopbackServer

MODEL = "stub-chat"


@dataclass
class ChatScript:
    """What the stub streams; tests change it between requests."""

    words: list[str] = field(default_factory=lambda: ["alpha", "beta", "gamma"])
    pause: float = 0.0  # seconds between chunks
    stall_after: int | None = None  # chunks sent before the stall (None: no stall)
    release: threading.Event = field(default_factory=threading.Event)
    closed_by_client: threading.Event = field(default_factory=threading.Event)
    first_sent: list[float] = field(default_factory=list)  # perf_counter per answer
    requests: list[dict[str, Any]] = field(default_factory=list)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        body = json.dumps({"object": "list", "data": [{"id": MODEL, "object": "model"}]})
        self._send(body.encode())

    def do_POST(self) -> None:
        script = self.server.script
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        script.requests.append(request)
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("connection", "close")
        self.end_headers()
        self.close_connection = True
        for i, word in enumerate(script.words):
            if script.stall_after is not None and i == script.stall_after:
                if not self._stall(script):
                    return
            elif i and script.pause:
                time.sleep(script.pause)
            chunk = {"choices": [{"delta": {"content": word if i == 0 else f" {word}"}}]}
            line = f"data: {json.dumps(chunk)}\n\n".encode()
            if i == 0:  # stamped as it is sent: the measured gap includes the send itself
                script.first_sent.append(time.perf_counter())
            try:
                self.wfile.write(line)
                self.wfile.flush()
            except OSError:
                script.closed_by_client.set()
                return
        usage = {"prompt_tokens": 11, "completion_tokens": len(script.words)}
        final = {"choices": [], "usage": usage}
        self.wfile.write(f"data: {json.dumps(final)}\n\ndata: [DONE]\n\n".encode())
        self.wfile.flush()

    def _stall(self, script: ChatScript) -> bool:
        """Hold the answer until released (True) or the client hangs up (False)."""
        connection: socket.socket = self.connection
        while not script.release.is_set() and not self.server.stopping.is_set():
            readable, _, _ = select.select([connection], [], [], 0.02)
            if readable and connection.recv(1, socket.MSG_PEEK) == b"":
                script.closed_by_client.set()
                return False
        return True

    def _send(self, payload: bytes) -> None:
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class _Server(LoopbackServer):
    script: ChatScript


class ChatStub:
    """`with ChatStub() as stub:` serves on 127.0.0.1 at `stub.url` until the block ends."""

    def __init__(self, script: ChatScript | None = None) -> None:
        self.script = script or ChatScript()
        self.server = _Server(_Handler)
        self.server.script = self.script
        self.url = self.server.base_url

    def __enter__(self) -> ChatStub:
        self.server.__enter__()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.server.__exit__(kind, exc, tb)
