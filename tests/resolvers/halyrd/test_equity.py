"""Equity curves: raw snapshots, epoch-aligned resampling with recomputed drawdowns, bounds."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import InvalidInput, NotFound
from resolvers.halyrd import equity as equity_module
from resolvers.halyrd.equity import EquitySnapshot, list_equity, record_snapshot
from storage.engine import create_engine, create_session_factory
from storage.halyrd import AgentEquity
from storage.trading_agents import TradingAgent

DAY = datetime(2026, 1, 5, tzinfo=UTC)  # midnight UTC: a multiple of every bucket up to 1d


def at(hhmm: str) -> datetime:
    hours, minutes = hhmm.split(":")
    return DAY + timedelta(hours=int(hours), minutes=int(minutes))


# 12 snapshots over a morning. 09:15 is a peak before `from` (10:00); 11:25 is a new high inside
# the 11:00 bucket that is not the bucket's last value; 12:45 lies after `to` (12:30).
HISTORY = [
    ("08:30", 100.0, "paper"),
    ("09:15", 130.0, "paper"),
    ("09:45", 110.0, "paper"),
    ("10:00", 105.0, "paper"),
    ("10:20", 125.0, "paper"),
    ("10:40", 104.0, "paper"),
    ("11:05", 128.0, "paper"),
    ("11:25", 140.0, "paper"),
    ("11:50", 126.0, "paper"),
    ("12:10", 133.0, "paper"),
    ("12:30", 105.0, "live"),
    ("12:45", 150.0, "live"),
]

# Worked by hand. 1h buckets from 10:00 to 12:30: each bucket's last snapshot, dd against the
# running peak of the whole history: 130 (09:15, before `from`) then 140 (11:25, mid-bucket).
HOURLY = [
    ("10:40", 104.0, "paper", 1 - 104 / 130),  # 0.2
    ("11:50", 126.0, "paper", 1 - 126 / 140),  # 0.1
    ("12:30", 105.0, "live", 1 - 105 / 140),  # 0.25
]
HALF_HOURLY = [
    ("10:20", 125.0, "paper", 1 - 125 / 130),
    ("10:40", 104.0, "paper", 1 - 104 / 130),
    ("11:25", 140.0, "paper", 0.0),
    ("11:50", 126.0, "paper", 1 - 126 / 140),
    ("12:10", 133.0, "paper", 1 - 133 / 140),
    ("12:30", 105.0, "live", 1 - 105 / 140),
]
# 4h buckets are 08:00-12:00 and 12:00-16:00: `from` cuts the first one, whose answer is still
# its last snapshot (11:50), stamped with that snapshot's own time.
FOUR_HOURLY = [
    ("11:50", 126.0, "paper", 1 - 126 / 140),
    ("12:30", 105.0, "live", 1 - 105 / 140),
]


def expected(points: list[tuple[str, float, str, float]]) -> list[Any]:
    """The points as snapshots, drawdowns compared to within float rounding."""
    return [
        EquitySnapshot(at(t), equity, phase, pytest.approx(dd)) for t, equity, phase, dd in points
    ]


async def add_seed_agent(session: AsyncSession) -> None:
    """The running agent as a bare row: these tests own every equity row it has."""
    session.add(TradingAgent(id="seed", name="Halyrd", is_running=True))
    await session.flush()


async def seed_history(session: AsyncSession) -> None:
    await add_seed_agent(session)
    for hhmm, value, phase in HISTORY:
        await record_snapshot(session, agent_id="seed", ts=at(hhmm), equity=value, phase=phase)
    await session.commit()


@pytest.fixture
async def history(session: AsyncSession) -> AsyncSession:
    await seed_history(session)
    return session


class TestResample:
    @pytest.mark.parametrize(
        ("interval", "points"), [("1h", HOURLY), ("30m", HALF_HOURLY), ("4h", FOUR_HOURLY)]
    )
    async def test_hand_computed_series(
        self, history: AsyncSession, interval: str, points: list[tuple[str, float, str, float]]
    ) -> None:
        series = await list_equity(
            history, agent_id="seed", start=at("10:00"), end=at("12:30"), interval=interval
        )
        assert series == expected(points)

    async def test_whole_history_in_one_day_bucket(self, history: AsyncSession) -> None:
        [point] = await list_equity(history, agent_id="seed", interval="1d")
        assert point == EquitySnapshot(at("12:45"), 150.0, "live", 0.0)

    async def test_equivalent_intervals_agree(self, history: AsyncSession) -> None:
        hourly = await list_equity(history, agent_id="seed", interval="1h")
        assert await list_equity(history, agent_id="seed", interval="60m") == hourly
        assert await list_equity(history, agent_id="seed", interval="3600s") == hourly

    async def test_weeks_start_on_thursday_like_the_epoch(self, session: AsyncSession) -> None:
        await add_seed_agent(session)
        wednesday, thursday = at("0:00") + timedelta(days=2, hours=23), at("0:00") + timedelta(3)
        for ts, value in ((wednesday, 1.0), (thursday, 2.0)):
            await record_snapshot(session, agent_id="seed", ts=ts, equity=value, phase="paper")
        weekly = await list_equity(session, agent_id="seed", interval="1w")
        assert [p.ts for p in weekly] == [wednesday, thursday]

    async def test_current_alias(self, history: AsyncSession) -> None:
        series = await list_equity(
            history, agent_id="current", start=at("10:00"), end=at("12:30"), interval="1h"
        )
        assert series == expected(HOURLY)


class TestRaw:
    async def test_every_snapshot_in_range_with_stored_peaks(self, history: AsyncSession) -> None:
        series = await list_equity(history, agent_id="seed", start=at("10:00"), end=at("10:40"))
        assert series == expected(
            [
                ("10:00", 105.0, "paper", 1 - 105 / 130),
                ("10:20", 125.0, "paper", 1 - 125 / 130),
                ("10:40", 104.0, "paper", 1 - 104 / 130),
            ]
        )

    async def test_everything_oldest_first(self, history: AsyncSession) -> None:
        series = await list_equity(history, agent_id="seed")
        assert [p.ts for p in series] == [at(t) for t, _, _ in HISTORY]

    async def test_a_naive_bound_is_utc(self, history: AsyncSession) -> None:
        naive = at("12:30").replace(tzinfo=None)
        series = await list_equity(history, agent_id="seed", start=naive)
        assert [p.ts for p in series] == [at("12:30"), at("12:45")]

    async def test_a_bound_inside_a_second(self, history: AsyncSession) -> None:
        half = timedelta(milliseconds=500)
        after = await list_equity(history, agent_id="seed", start=at("12:30") + half)
        before = await list_equity(history, agent_id="seed", end=at("08:30") - half)
        assert [p.ts for p in after] == [at("12:45")] and before == []


class TestBounds:
    async def test_from_and_to_are_inclusive(self, history: AsyncSession) -> None:
        for interval in (None, "1h"):
            series = await list_equity(
                history, agent_id="seed", start=at("10:40"), end=at("10:40"), interval=interval
            )
            assert [p.ts for p in series] == [at("10:40")]

    @pytest.mark.parametrize("interval", [None, "1m"])
    async def test_empty_range(self, history: AsyncSession, interval: str | None) -> None:
        empty = await list_equity(
            history, agent_id="seed", start=at("10:41"), end=at("11:04"), interval=interval
        )
        assert empty == []

    async def test_agent_without_snapshots(self, session: AsyncSession) -> None:
        await add_seed_agent(session)
        assert await list_equity(session, agent_id="seed", interval="1h") == []

    async def test_from_after_to(self, history: AsyncSession) -> None:
        with pytest.raises(InvalidInput) as raised:
            await list_equity(history, agent_id="seed", start=at("11:00"), end=at("10:00"))
        assert raised.value.code == "VALIDATION_ERROR" and raised.value.details["field"] == "from"

    @pytest.mark.parametrize(
        "interval", ["", "0m", "1M", "1.5h", "h", "-1h", "1 h", " 1h", "1y", "1hh", "3651d", "01x"]
    )
    async def test_bad_interval(self, history: AsyncSession, interval: str) -> None:
        with pytest.raises(InvalidInput) as raised:
            await list_equity(history, agent_id="seed", interval=interval)
        assert raised.value.code == "VALIDATION_ERROR"
        assert raised.value.details["field"] == "interval"

    async def test_unknown_agent(self, session: AsyncSession) -> None:
        with pytest.raises(NotFound):
            await list_equity(session, agent_id="nobody")

    async def test_raw_point_cap(
        self, history: AsyncSession, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(equity_module, "MAX_POINTS", 12)
        assert len(await list_equity(history, agent_id="seed")) == 12
        monkeypatch.setattr(equity_module, "MAX_POINTS", 11)
        with pytest.raises(InvalidInput) as raised:
            await list_equity(history, agent_id="seed")
        assert raised.value.code == "TOO_MANY_POINTS"
        assert len(await list_equity(history, agent_id="seed", interval="1h")) == 5

    async def test_resample_caps_the_buckets_spanned(
        self, history: AsyncSession, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # 08:30 to 12:45 spans 256 one-minute buckets, of which 12 hold a snapshot
        monkeypatch.setattr(equity_module, "MAX_POINTS", 256)
        assert len(await list_equity(history, agent_id="seed", interval="1m")) == 12
        monkeypatch.setattr(equity_module, "MAX_POINTS", 255)
        with pytest.raises(InvalidInput) as raised:
            await list_equity(history, agent_id="seed", interval="1m")
        assert raised.value.code == "TOO_MANY_POINTS"
        narrower = await list_equity(history, agent_id="seed", start=at("08:31"), interval="1m")
        assert len(narrower) == 11


class TestRecordSnapshot:
    async def test_a_late_snapshot_raises_later_peaks(self, session: AsyncSession) -> None:
        await add_seed_agent(session)
        for hhmm, value in (("10:00", 100.0), ("10:02", 90.0), ("10:01", 120.0)):
            await record_snapshot(
                session, agent_id="seed", ts=at(hhmm), equity=value, phase="paper"
            )
        peaks = (await session.execute(select(AgentEquity.peak).order_by(AgentEquity.ts_s))).all()
        assert [p for (p,) in peaks] == [100.0, 120.0, 120.0]
        series = await list_equity(session, agent_id="seed")
        assert [p.dd_from_peak for p in series] == pytest.approx([0.0, 0.0, 0.25])

    async def test_same_second_is_kept_once(self, session: AsyncSession) -> None:
        await add_seed_agent(session)
        first = await record_snapshot(
            session, agent_id="seed", ts=at("10:00"), equity=1.0, phase="paper"
        )
        again = await record_snapshot(
            session, agent_id="seed", ts=at("10:00"), equity=2.0, phase="paper"
        )
        assert again == first
        assert len(await list_equity(session, agent_id="seed")) == 1


@pytest.fixture
async def pg_session(postgres_url: str) -> AsyncIterator[AsyncSession]:
    engine = create_engine(postgres_url)
    try:
        async with create_session_factory(engine)() as session:
            yield session
    finally:
        await engine.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("interval", "points"), [("1h", HOURLY), ("30m", HALF_HOURLY), ("4h", FOUR_HOURLY)]
)
async def test_resample_on_postgres(
    pg_session: AsyncSession, interval: str, points: list[tuple[str, float, str, float]]
) -> None:
    await seed_history(pg_session)
    series = await list_equity(
        pg_session, agent_id="seed", start=at("10:00"), end=at("12:30"), interval=interval
    )
    assert series == expected(points)
