"""The `fetch` job handler is the server's, its setting reaches the lab, and it reports
progress while it pages."""

from __future__ import annotations

from typing import Any

import pytest

from resolvers.lab.services import LabConfig
from resolvers.research.fetch_jobs import JOB_KIND, run_fetch_job
from server.fetch_jobs import run_fetch
from server.lab import lab_config
from server.settings import SettingsError, load_settings
from server.workers import JOB_HANDLERS


def test_the_server_runs_fetch_jobs() -> None:
    assert JOB_HANDLERS[JOB_KIND] is run_fetch and JOB_KIND == "fetch"


def test_the_inline_budget_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRADEGRAPH_FETCH_INLINE_BARS", raising=False)
    assert lab_config(load_settings()).fetch_inline_bars == LabConfig().fetch_inline_bars == 1000
    monkeypatch.setenv("TRADEGRAPH_FETCH_INLINE_BARS", "0")
    assert lab_config(load_settings()).fetch_inline_bars == 0
    for bad in (-1, 5001):
        with pytest.raises(SettingsError):
            load_settings(fetch_inline_bars=bad)


class FakeContext:
    """What run_fetch uses of a JobRunContext: write (the fetch itself is played here; the
    REST tests run it for real) and progress."""

    def __init__(self) -> None:
        self.reported: list[tuple[float, str | None]] = []

    async def progress(self, fraction: float, message: str | None = None) -> None:
        self.reported.append((fraction, message))

    async def write(self, fn: Any, **kwargs: Any) -> Any:
        assert fn is run_fetch_job and kwargs["payload"] == {"symbol": "BTC-USD"}
        await kwargs["progress"](250, 1000)  # as fetch_candles reports pages
        await kwargs["progress"](1000, 1000)
        return _Dataset(rows=3)


class _Dataset:
    def __init__(self, rows: int) -> None:
        self.id, self.symbol, self.timeframe, self.rows = 5, "BTC-USD", "1h", rows
        self.quality = {"truncated": True}


async def test_progress_is_the_bars_so_far_and_the_result_names_the_dataset() -> None:
    ctx = FakeContext()
    result = await run_fetch(ctx, {"symbol": "BTC-USD"})  # type: ignore[arg-type]
    assert ctx.reported == [(0.25, "250 of 1,000 bars fetched"),
                            (1.0, "1,000 of 1,000 bars fetched")]  # fmt: skip
    assert result == {"dataset_id": 5, "symbol": "BTC-USD", "timeframe": "1h", "rows": 3,
                      "truncated": True}  # fmt: skip
