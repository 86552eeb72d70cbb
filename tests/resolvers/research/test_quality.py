"""Every defect refuses the whole series, names its rows (from 1), and stores nothing."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import InvalidInput
from resolvers.research.codec import Bars, as_bars
from resolvers.research.datasets import store_dataset
from resolvers.research.quality import ROWS_NAMED, validate_bars
from storage.research.datasets import Dataset, DatasetBlob

H = 3600
T0 = 1_767_225_600  # 2026-01-01T00:00:00Z


def bars(n: int = 10, step: int = H, **changes: Any) -> Bars:
    """n clean bars, then `changes` as {column: {row index: value}}."""
    columns: dict[str, Any] = {
        "ts": T0 + step * np.arange(n, dtype=np.int64),
        "open": np.full(n, 100.0),
        "high": np.full(n, 102.0),
        "low": np.full(n, 99.0),
        "close": np.full(n, 101.0),
        "volume": np.full(n, 5.0),
    }
    for name, edits in changes.items():
        for row, value in edits.items():
            columns[name][row] = value
    return as_bars(**columns)


def problems(candidate: Bars, timeframe: str = "1h") -> dict[str, Any]:
    with pytest.raises(InvalidInput) as caught:
        validate_bars(candidate, timeframe, source="csv")
    assert caught.value.code == "DATASET_INVALID"
    found: dict[str, Any] = caught.value.details["problems"]
    return found


@pytest.mark.parametrize(
    ("candidate", "kind", "rows"),
    [
        (bars(ts={4: T0 + 2 * H}), "unsorted", [5]),
        (bars(ts={3: T0 + 2 * H}), "duplicate", [4]),
        (bars(open={2: np.nan}), "not_finite", [3]),
        (bars(volume={6: np.inf}), "not_finite", [7]),
        (bars(low={1: 0.0}), "non_positive_price", [2]),
        (bars(close={8: -1.0}), "non_positive_price", [9]),
        (bars(high={5: 98.0}), "high_below_low", [6]),
        (bars(high={2: 100.5}), "high_below_open_close", [3]),
        (bars(low={9: 100.5}), "low_above_open_close", [10]),
        (bars(volume={0: -0.1}), "negative_volume", [1]),
        (bars(ts={9: T0 + 12 * H}), "missing", [9]),
        (bars(ts={9: T0 + 8 * H + 1800}), "misaligned", [10]),
    ],
)  # fmt: skip
def test_each_defect_names_its_rows(candidate: Bars, kind: str, rows: list[int]) -> None:
    found = problems(candidate)
    assert found[kind]["rows"] == rows
    assert found[kind]["count"] == len(rows)


def test_missing_counts_the_absent_bars() -> None:
    found = problems(bars(ts={9: T0 + 12 * H}))
    assert found["missing"]["bars"] == 3 and set(found) == {"missing"}


def test_many_problems_at_once_and_the_rows_listed_are_capped() -> None:
    n = 100
    candidate = bars(n, volume=dict.fromkeys(range(n), -1.0), high={0: 1.0})
    found = problems(candidate)
    assert found["negative_volume"]["count"] == n
    assert found["negative_volume"]["rows"] == list(range(1, ROWS_NAMED + 1))
    assert {"high_below_low", "high_below_open_close", "negative_volume"} <= set(found)


def test_empty_is_refused() -> None:
    assert "empty" in problems(bars(0))


def test_calendar_months() -> None:
    months = np.array(["2025-11-01", "2025-12-01", "2026-01-01", "2026-02-01"], "datetime64[s]")
    ts = months.astype(np.int64)
    clean = as_bars(ts, *([np.ones(4)] * 5))
    assert validate_bars(clean, "1M", source="csv")["rows"] == 4
    gap = as_bars(np.delete(ts, 2), *([np.ones(3)] * 5))
    assert problems(gap, "1M")["missing"] == {"count": 1, "rows": [2], "bars": 1}
    # 30-day steps are not months
    assert "misaligned" in problems(
        as_bars(ts[0] + 30 * 86_400 * np.arange(4), *([np.ones(4)] * 5)), "1M"
    )


def test_a_consistent_offset_is_fine_and_notable_facts_are_counted() -> None:
    shifted = bars(24, step=86_400, volume={3: 0.0})
    moved = as_bars(shifted.ts + 8 * H, shifted.open, shifted.high, shifted.low, shifted.close,
                    shifted.volume)  # fmt: skip
    report = validate_bars(moved, "1d", source="csv")
    assert report["zero_volume_bars"] == 1 and report["flat_bars"] == 0
    assert report["first_bar"] == "2026-01-01T08:00:00+00:00" and report["truncated"] is False


async def test_a_refused_series_stores_nothing(session: AsyncSession) -> None:
    with pytest.raises(InvalidInput):
        await store_dataset(session, symbol="BTC-USD", timeframe="1h", source="csv",
                            bars=bars(high={5: 1.0}))  # fmt: skip
    assert await session.scalar(select(func.count()).select_from(Dataset)) == 0
    assert await session.scalar(select(func.count()).select_from(DatasetBlob)) == 0
