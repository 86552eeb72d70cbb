"""OHLCV validation: every defect refuses the whole series, named by row; notable facts go to
the quality report that is stored with a dataset.

Rows are numbered from 1, the first bar (in a CSV with a header, row N is line N + 1), in the
order given. Refused: `empty`, `unsorted` (a bar opening before the one above it),
`duplicate` (an open time seen before), `missing` (a hole of one interval or more after the
row: 1M counts calendar months), `misaligned` (a spacing that is no whole number of
intervals, or monthly bars opening at different times in the month), `not_finite` (NaN or
infinite, empty cells included), `non_positive_price`, `high_below_low`,
`high_below_open_close`, `low_above_open_close`, `negative_volume`. Tolerated and counted in
the report: bars with zero volume and flat bars (open = high = low = close).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from resolvers.errors import InvalidInput
from resolvers.research.codec import PRICE_COLUMNS, Bars
from resolvers.research.timeframes import TIMEFRAME_SECONDS, slots

ROWS_NAMED = 20  # row numbers listed per problem; the count covers all of them
MAX_BARS = 5_000_000
CHECKS = (
    "empty",
    "unsorted",
    "duplicate",
    "missing",
    "misaligned",
    "not_finite",
    "non_positive_price",
    "high_below_low",
    "high_below_open_close",
    "low_above_open_close",
    "negative_volume",
)


def _named(rows: npt.NDArray[np.intp]) -> dict[str, Any]:
    return {"count": int(len(rows)), "rows": [int(r) + 1 for r in rows[:ROWS_NAMED]]}


def _order_problems(ts: npt.NDArray[np.int64], timeframe: str) -> dict[str, dict[str, Any]]:
    problems: dict[str, dict[str, Any]] = {}
    unsorted = np.flatnonzero(np.diff(ts) < 0) + 1
    if len(unsorted):
        problems["unsorted"] = _named(unsorted)
    order = np.argsort(ts, kind="stable")
    ordered = ts[order]
    repeat = np.flatnonzero(np.diff(ordered) == 0) + 1
    if len(repeat):
        problems["duplicate"] = _named(np.sort(order[repeat]))
    unique_at = np.concatenate(([0], np.flatnonzero(np.diff(ordered) != 0) + 1))
    slot, offset = slots(ordered[unique_at], timeframe)
    rows = order[unique_at]
    step = np.diff(slot)
    if timeframe == "1M":
        off_grid = np.flatnonzero(offset != offset[0])
    else:
        # a spacing of whole intervals keeps the offset into the slot; anything else moves it
        off_grid = np.flatnonzero(np.diff(offset) != 0) + 1
    if len(off_grid):
        problems["misaligned"] = _named(np.sort(rows[off_grid]))
    holes = np.flatnonzero(step > 1)
    if len(holes):
        missing = _named(np.sort(rows[holes]))
        missing["bars"] = int((step[holes] - 1).sum())
        problems["missing"] = missing
    return problems


def _value_problems(bars: Bars) -> dict[str, dict[str, Any]]:
    stacked = np.vstack([getattr(bars, name) for name in PRICE_COLUMNS])
    finite = np.isfinite(stacked).all(axis=0)
    prices = stacked[:4]
    o, h, low, c = prices
    volume = stacked[4]
    with np.errstate(invalid="ignore"):
        masks = {
            "not_finite": ~finite,
            "non_positive_price": (prices <= 0).any(axis=0),
            "high_below_low": h < low,
            "high_below_open_close": h < np.maximum(o, c),
            "low_above_open_close": low > np.minimum(o, c),
            "negative_volume": volume < 0,
        }
    return {name: _named(np.flatnonzero(mask)) for name, mask in masks.items() if mask.any()}


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).isoformat()


def validate_bars(bars: Bars, timeframe: str, *, source: str) -> dict[str, Any]:
    """The quality report of valid bars, or a 422 DATASET_INVALID naming every problem."""
    if len(bars) == 0:
        problems: dict[str, dict[str, Any]] = {"empty": {"count": 0, "rows": []}}
    elif len(bars) > MAX_BARS:
        raise InvalidInput(
            f"a dataset holds at most {MAX_BARS:,} bars",
            code="DATASET_TOO_LARGE",
            details={"rows": len(bars), "max_rows": MAX_BARS},
        )
    else:
        problems = {**_order_problems(bars.ts, timeframe), **_value_problems(bars)}
    if problems:
        summary = ", ".join(f"{name} ({p['count']})" for name, p in problems.items())
        raise InvalidInput(
            f"the {source} bars are not a valid {timeframe} OHLCV series: {summary}",
            code="DATASET_INVALID",
            details={"rows": len(bars), "timeframe": timeframe, "problems": problems},
        )
    flat = (bars.open == bars.high) & (bars.high == bars.low) & (bars.low == bars.close)
    return {
        "checks": list(CHECKS),
        "rows": len(bars),
        "interval_seconds": TIMEFRAME_SECONDS[timeframe],
        "first_bar": _iso(int(bars.ts[0])),
        "last_bar": _iso(int(bars.ts[-1])),
        "zero_volume_bars": int((bars.volume == 0).sum()),
        "flat_bars": int(flat.sum()),
        "truncated": False,
    }
