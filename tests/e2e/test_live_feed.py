"""End to end: the real server paper-trades a strategy on a fast market while a feed client,
connected with the third-party `websockets` library, receives ticks, fills and a regime change;
then a second client resumes from an id with `since` and gets the same events again."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import create_engine, insert
from websockets.asyncio.client import connect

from storage.hypotheses import Hypothesis
from storage.migrate import upgrade_sync
from storage.strategies import Strategy
from tests.e2e.server import running_server

pytestmark = pytest.mark.e2e

KEYS = {"x-api-key": "e2e-api-key", "x-operator-key": "e2e-operator-key"}
ENV = {
    "FORVEN_API_KEY": KEYS["x-api-key"],
    "FORVEN_OPERATOR_KEY": KEYS["x-operator-key"],
    "TRADEGRAPH_SCHEDULER": "true",
    # one hourly bar every half second: hourly strategies trade and regimes turn within seconds
    "TRADEGRAPH_MARKET_SPEED": "7200",
    "TRADEGRAPH_TICK_SYMBOLS": "BTC-USD,ETH-USD",
}
DEADLINE = 60.0  # seconds; a regime change comes every ~10 s on average over three symbols


def seed_paper_strategy(data_dir: Path) -> int:
    """A migrated database holding one active hourly strategy at stage paper."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "tradegraph.db"
    upgrade_sync(f"sqlite+aiosqlite:///{path}")
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        hypothesis = conn.execute(
            insert(Hypothesis).values(title="Trends persist", thesis="e2e").returning(Hypothesis.id)
        ).scalar_one()
        strategy = conn.execute(
            insert(Strategy)
            .values(
                hypothesis_id=hypothesis,
                name="MA cross SOL",
                family="ma_cross",
                symbol="SOL-USD",
                timeframe="1h",
                params={},
                stage="paper",
            )
            .returning(Strategy.id)
        ).scalar_one()
    engine.dispose()
    return int(strategy)


async def _collect(url: str, strategy_id: int) -> list[dict[str, Any]]:
    """Events until a tick, a fill of the strategy and a regime change have all arrived."""
    seen: list[dict[str, Any]] = []
    started = time.monotonic()
    async with connect(url, additional_headers=KEYS) as ws:  # offers permessage-deflate
        assert ws.response is not None
        # the server declines compression (server/cli.py): feed frames are small
        assert "Sec-WebSocket-Extensions" not in ws.response.headers
        ack = orjson.loads(await ws.recv())
        assert ack["type"] == "subscribed"
        while not _complete(seen, strategy_id):
            left = DEADLINE - (time.monotonic() - started)
            if left <= 0:
                kinds = sorted({(m["type"], m["symbol"]) for m in seen})
                pytest.fail(f"within {DEADLINE:.0f} s the feed brought only {kinds}")
            seen.append(orjson.loads(await asyncio.wait_for(ws.recv(), timeout=left)))
    return seen


def _complete(seen: list[dict[str, Any]], strategy_id: int) -> bool:
    ticks = any(m["type"] == "tick" for m in seen)
    fills = any(m["type"] == "fill" and m["strategy_id"] == strategy_id for m in seen)
    turns = any(m["type"] == "regime" and m["data"]["previous"] is not None for m in seen)
    return ticks and fills and turns


async def test_ticks_fills_and_a_regime_change_while_a_strategy_paper_trades(
    tmp_path: Path,
) -> None:
    strategy_id = seed_paper_strategy(tmp_path)
    with running_server(tmp_path, "--no-demo", env=ENV) as base:
        async with httpx.AsyncClient(base_url=base, headers=KEYS, timeout=10) as http:
            for job, body in [
                ("market_ticks", {"interval_seconds": 0.2}),
                ("paper_tick", {"interval_seconds": 0.2}),
                ("pipeline", {"enabled": False}),
                ("agent_tick", {"enabled": False}),
            ]:
                response = await http.patch(f"/api/scheduler/{job}", json=body)
                assert response.status_code == 200, response.text
            feed = base.replace("http", "ws") + "/ws/live"
            listener = asyncio.create_task(_collect(feed, strategy_id))
            await asyncio.sleep(0.5)  # subscribed before the session's first fill
            started = await http.post("/api/paper/service/start", json={})
            assert started.status_code == 200, started.text
            seen = await listener

        ids = [m["id"] for m in seen]
        assert ids == sorted(set(ids)), "ids are monotonic and never repeat"
        tick = next(m for m in seen if m["type"] == "tick")
        assert tick["symbol"] in {"BTC-USD", "ETH-USD", "SOL-USD"}
        assert tick["data"]["bid"] < tick["data"]["price"] < tick["data"]["ask"]
        fill = next(m for m in seen if m["type"] == "fill")
        assert fill["symbol"] == "SOL-USD" and fill["data"]["kind"] == "open"
        assert fill["data"]["size"] > 0 and fill["data"]["fee"] > 0
        turn = next(m for m in seen if m["type"] == "regime" and m["data"]["previous"])
        assert turn["data"]["current"] != turn["data"]["previous"]

        # a client that was away resumes from an id: the stored fill first, in order
        async with connect(
            f"{feed}?types=fill&since={fill['id'] - 1}", additional_headers=KEYS
        ) as ws:
            assert orjson.loads(await ws.recv())["type"] == "subscribed"
            again = orjson.loads(await asyncio.wait_for(ws.recv(), timeout=10))
        assert again == fill
