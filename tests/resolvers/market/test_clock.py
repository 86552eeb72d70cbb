"""The market clock: wall time at speed 1, faster market time from an anchor otherwise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from resolvers.errors import InvalidInput
from resolvers.market.clock import MarketClock

WALL = datetime(2026, 12, 1, tzinfo=UTC)


class FakeWall:
    def __init__(self) -> None:
        self.now = WALL

    def __call__(self) -> datetime:
        return self.now


def test_speed_one_follows_the_wall_clock() -> None:
    wall = FakeWall()
    clock = MarketClock(wall=wall)
    wall.now += timedelta(seconds=7)
    assert clock.now() == WALL + timedelta(seconds=7)


def test_a_fast_clock_runs_from_its_start() -> None:
    wall = FakeWall()
    start = datetime(2026, 2, 1, tzinfo=UTC)
    clock = MarketClock(3600, start=start, wall=wall)
    assert clock.now() == start
    wall.now += timedelta(seconds=2)
    assert clock.now() == start + timedelta(hours=2)


@pytest.mark.parametrize("speed", [0, -1, float("nan"), float("inf")])
def test_speed_must_be_positive_and_finite(speed: float) -> None:
    with pytest.raises(InvalidInput):
        MarketClock(speed)
