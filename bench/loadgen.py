"""A small keep-alive HTTP/1.1 load generator (asyncio streams), run in its own process so
the server under test keeps one core to itself. Counts completed 200 responses."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Result:
    requests: int
    seconds: float
    failures: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def build_request(method: str, path: str, body: bytes | None, host: str) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "Connection: keep-alive"]
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    chunked = False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        key = name.strip().lower()
        if key == b"content-length":
            length = int(value)
        elif key == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    else:
        await reader.readexactly(length)
    return status


async def _worker(host: str, port: int, request: bytes, stop_at: float, counts: list[int]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < stop_at:
            writer.write(request)
            status = await _read_response(reader)
            counts[0 if status == 200 else 1] += 1
    finally:
        writer.close()


async def run_load(
    host: str,
    port: int,
    method: str,
    path: str,
    body: bytes | None,
    *,
    connections: int,
    seconds: float,
) -> Result:
    request = build_request(method, path, body, f"{host}:{port}")
    counts = [0, 0]
    start = time.perf_counter()
    stop_at = start + seconds
    await asyncio.gather(
        *(_worker(host, port, request, stop_at, counts) for _ in range(connections))
    )
    return Result(counts[0], time.perf_counter() - start, counts[1])


def run_in_process(args: tuple[str, int, str, str, bytes | None, int, float]) -> Result:
    host, port, method, path, body, connections, seconds = args
    return asyncio.run(
        run_load(host, port, method, path, body, connections=connections, seconds=seconds)
    )
