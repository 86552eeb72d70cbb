"""The market clock: wall time, or market time running `speed` times faster from an anchor.

Speed 1 (the default) is the wall clock. A faster clock replays the synthetic market ahead of
real time (TRADEGRAPH_MARKET_SPEED), so that hourly strategies trade within seconds in tests,
benchmarks and demos; it restarts from its anchor when the process restarts.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from resolvers.errors import InvalidInput


def _wall() -> datetime:
    return datetime.now(UTC)


class MarketClock:
    def __init__(
        self,
        speed: float = 1.0,
        *,
        start: datetime | None = None,
        wall: Callable[[], datetime] = _wall,
    ) -> None:
        if not (math.isfinite(speed) and speed > 0):
            raise InvalidInput("market speed must be positive", details={"field": "speed"})
        self.speed = speed
        self._wall = wall
        self._wall_anchor = wall()
        self._market_anchor = start if start is not None else self._wall_anchor

    def now(self) -> datetime:
        """The market's current moment."""
        elapsed = (self._wall() - self._wall_anchor).total_seconds()
        return self._market_anchor + timedelta(seconds=elapsed * self.speed)
