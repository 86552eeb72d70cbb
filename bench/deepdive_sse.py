"""Deep-dive SSE first-token latency: the provider's first chunk to the client's first token.

Usage: .venv/bin/python bench/deepdive_sse.py [--runs 200] [--warmup 10] [--json FILE]
Starts a loopback OpenAI-compatible stub (tests/e2e/chat_stub.py) in this process and the real
server (`python -m server.cli serve`, demo data off, no rate limit, both keys) routing the
`chat` task kind to it, then sends `--runs` deep-dive messages one after the other, each read
with an httpx stream. The stub stamps (perf_counter) right after it has flushed its first
chunk; the client stamps when the first `token` event has been parsed; both clocks are this
process's. Between the two: the server reading the chunk from the provider's socket, the
answer task, the queue, sse-starlette's encoding and the send back over loopback. Prints the
p50/p99/max of that gap (goal: p99 within 100 ms) and, for reference, the whole send (POST to
the last event).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.wrk import BENCH_KEYS, KEYED  # noqa: E402
from tests.e2e.chat_stub import MODEL, ChatScript, ChatStub  # noqa: E402
from tests.e2e.server import running_server  # noqa: E402
from tests.e2e.sse import PING, events, make_strategy, route_chat  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def one_send(client: httpx.Client, stub: ChatStub, strategy: int) -> tuple[float, float]:
    """(first chunk -> first token, whole send) in ms for one message."""
    started = time.perf_counter()
    first_token = None
    before = len(stub.script.first_sent)
    with client.stream(
        "POST", f"/api/deepdive/threads/{strategy}/send", json={"message": "how is it going?"}
    ) as response:
        response.raise_for_status()
        for kind, _ in events(response):
            if kind == "token" and first_token is None:
                first_token = time.perf_counter()
            if kind not in ("token", PING):
                break
    ended = time.perf_counter()
    assert first_token is not None and len(stub.script.first_sent) == before + 1
    return (first_token - stub.script.first_sent[-1]) * 1000, (ended - started) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--words", type=int, default=20, help="chunks per answer")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args()
    script = ChatScript(words=[f"w{i}" for i in range(args.words)])
    with (
        ChatStub(script) as stub,
        tempfile.TemporaryDirectory(prefix="tradegraph-bench-deepdive-") as data,
    ):
        env = {**KEYED, "TRADEGRAPH_OPENAI_BASE_URL": stub.url}
        with (
            running_server(Path(data), "--no-demo", env=env) as base,
            httpx.Client(base_url=base, headers=BENCH_KEYS, timeout=30) as client,
        ):
            route_chat(client, "openai", MODEL)
            # a fresh thread every 50 sends keeps the prompt's history (up to 40) realistic
            strategy = make_strategy(client)
            for _ in range(args.warmup):
                one_send(client, stub, strategy)
            gaps, totals = [], []
            for i in range(args.runs):
                if i % 50 == 0:
                    strategy = make_strategy(client)
                gap, total = one_send(client, stub, strategy)
                gaps.append(gap)
                totals.append(total)
    figures = {
        "runs": args.runs,
        "words": args.words,
        "first_token_ms": {
            "p50": round(statistics.median(gaps), 3),
            "p99": round(percentile(gaps, 99), 3),
            "max": round(max(gaps), 3),
        },
        "whole_send_ms": {
            "p50": round(statistics.median(totals), 3),
            "p99": round(percentile(totals, 99), 3),
        },
    }
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
