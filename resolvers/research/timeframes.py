"""The exchange's bar intervals (HyperLiquid's strings) and the arithmetic on them."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from resolvers.errors import InvalidInput

MINUTE, HOUR, DAY = 60, 3600, 86_400
# 1M is a calendar month: its seconds here are a nominal 30 days, for estimates only.
TIMEFRAME_SECONDS: dict[str, int] = {
    "1m": MINUTE,
    "3m": 3 * MINUTE,
    "5m": 5 * MINUTE,
    "15m": 15 * MINUTE,
    "30m": 30 * MINUTE,
    "1h": HOUR,
    "2h": 2 * HOUR,
    "4h": 4 * HOUR,
    "8h": 8 * HOUR,
    "12h": 12 * HOUR,
    "1d": DAY,
    "3d": 3 * DAY,
    "1w": 7 * DAY,
    "1M": 30 * DAY,
}
TIMEFRAMES: tuple[str, ...] = tuple(TIMEFRAME_SECONDS)
MONTHLY = "1M"


def require_timeframe(value: str) -> str:
    """The timeframe itself, or a 422 INVALID_TIMEFRAME listing the valid ones."""
    if value not in TIMEFRAME_SECONDS:
        raise InvalidInput(
            f"timeframe must be one of {', '.join(TIMEFRAMES)}",
            code="INVALID_TIMEFRAME",
            details={"field": "timeframe", "value": value, "allowed": list(TIMEFRAMES)},
        )
    return value


def slots(
    ts: npt.NDArray[np.int64], timeframe: str
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Each bar's slot number (consecutive bars differ by one) and its offset into the slot.

    Fixed intervals count from the epoch; 1M counts calendar months, the offset being the time
    since the first of the month (so monthly bars opening on the 1st at 00:00 all have 0)."""
    if timeframe == MONTHLY:
        months = ts.astype("datetime64[s]").astype("datetime64[M]")
        starts = months.astype("datetime64[s]").astype(np.int64)
        return months.astype(np.int64), ts - starts
    step = TIMEFRAME_SECONDS[timeframe]
    return ts // step, ts % step


def add_bars(ts: int, timeframe: str, count: int) -> int:
    """The open time `count` bars after `ts` (calendar months for 1M)."""
    if timeframe == MONTHLY:
        moment = np.datetime64(ts, "s")
        month = moment.astype("datetime64[M]")
        offset = int((moment - month.astype("datetime64[s]")).astype(np.int64))
        shifted = (month + count).astype("datetime64[s]").astype(np.int64)
        return int(shifted) + offset
    return ts + count * TIMEFRAME_SECONDS[timeframe]
