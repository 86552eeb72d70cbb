"""A loopback OpenAI-compatible server on a real socket: /v1/models and /v1/chat/completions
(whole or streamed as SSE), with knobs for a failing status, a slow answer and a bad body."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from types import TracebackType
from typing import Any

from tests.loopback import LoopbackServer


@dataclass
class Script:
    """What the stub answers; tests change it between requests."""

    models: list[str] = field(default_factory=lambda: ["stub-large", "stub-small"])
    reply: str = "hello from the stub"
    status: int = 200
    fail_times: int | None = None  # answer `status` this many times, then 200 (None: always)
    delay: float = 0.0
    raw: bytes | None = None
    requests: list[dict[str, Any]] = field(default_factory=list)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args: Any) -> None:
        pass  # keep test output clean

    def do_GET(self) -> None:
        self._answer(None)

    def do_POST(self) -> None:
        self._answer(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))

    def _answer(self, body: dict[str, Any] | None) -> None:
        script = self.server.script
        script.requests.append(
            {"path": self.path, "auth": self.headers.get("authorization"), "body": body}
        )
        if script.delay:
            self.server.stopping.wait(script.delay)
        if script.status != 200 and script.fail_times != 0:
            if script.fail_times is not None:
                script.fail_times -= 1
            return self._send(script.status, b'{"error": "stub failure"}')
        if script.raw is not None:
            return self._send(200, script.raw)
        if self.path == "/v1/models":
            data = [{"id": m, "object": "model"} for m in script.models]
            return self._send(200, json.dumps({"object": "list", "data": data}).encode())
        assert body is not None
        usage = {"prompt_tokens": 7, "completion_tokens": len(script.reply.split())}
        if not body.get("stream"):
            answer = {
                "model": body["model"],
                "usage": usage,
                "choices": [{"message": {"role": "assistant", "content": script.reply}}],
            }
            return self._send(200, json.dumps(answer).encode())
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.end_headers()
        for word in script.reply.split(" "):
            chunk = {"choices": [{"delta": {"content": word + " "}}]}
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()
        final = {"choices": [], "usage": usage}
        self.wfile.write(f"data: {json.dumps(final)}\n\ndata: [DONE]\n\n".encode())

    def _send(self, status: int, payload: bytes) -> None:
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class _Server(LoopbackServer):
    script: Script


class OpenAIStub:
    """`with OpenAIStub() as stub:` serves on 127.0.0.1 at `stub.url` until the block ends."""

    def __init__(self, script: Script | None = None) -> None:
        self.script = script or Script()
        self.server = _Server(_Handler)
        self.server.script = self.script
        self.url = self.server.base_url

    def __enter__(self) -> OpenAIStub:
        self.server.__enter__()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.server.__exit__(kind, exc, tb)
