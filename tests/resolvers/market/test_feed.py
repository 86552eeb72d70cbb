"""The agent's market feed: closed bars, deterministic quotes, faults, CSV data, the default."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from resolvers.errors import InvalidInput
from resolvers.halyrd.quotes import divergence_bps
from resolvers.market import feed as market
from resolvers.market.feed import (
    BASIS_BPS,
    BLOCK_SECONDS,
    MarketFeed,
    NoMarketData,
    configure_feed,
    default_feed,
)
from resolvers.market.ohlcv import BadMarketData
from tests.resolvers.halyrd.h2_helpers import ORIGIN, T0, hours, make_feed

HOUR = 3600


def arrays_equal(a: market.Candles, b: market.Candles) -> bool:
    names = ("ts", "open", "high", "low", "close", "volume")
    return all(np.array_equal(getattr(a, n), getattr(b, n)) for n in names)


class TestCandles:
    def test_only_closed_bars_aligned_to_the_origin(self) -> None:
        now = T0 + timedelta(minutes=30)
        bars = make_feed().candles("btc-usd", HOUR, now, 50)
        assert len(bars) == 50
        assert bars.symbol == "BTC-USD"
        assert int(bars.ts[-1]) + HOUR <= now.timestamp()
        # The bar opened at T0 is still forming at T0 + 30 min; the last closed one opened before.
        assert bars.time_at(-1) == T0 - hours(1)
        assert set(((bars.ts - int(ORIGIN.timestamp())) % HOUR).tolist()) == {0}
        assert np.all(np.diff(bars.ts) == HOUR)

    def test_a_bar_closes_exactly_at_its_end(self) -> None:
        feed = make_feed()
        assert feed.candles("ETH-USD", HOUR, T0, 1).time_at(-1) == T0 - hours(1)
        before = T0 - timedelta(seconds=1)
        assert feed.candles("ETH-USD", HOUR, before, 1).time_at(-1) == T0 - hours(2)

    def test_same_seed_same_bars_other_seed_other_bars(self) -> None:
        a = make_feed(seed=3).candles("SOL-USD", HOUR, T0, 100)
        b = make_feed(seed=3).candles("SOL-USD", HOUR, T0, 100)
        c = make_feed(seed=4).candles("SOL-USD", HOUR, T0, 100)
        assert arrays_equal(a, b)
        assert not np.array_equal(a.close, c.close)

    def test_history_does_not_change_as_the_clock_moves(self) -> None:
        stepping = make_feed()
        early = stepping.candles("BTC-USD", HOUR, T0, 24)
        for day in range(1, 40):  # past the cached headroom: the series is regenerated longer
            stepping.candles("BTC-USD", HOUR, T0 + timedelta(days=day), 24)
        late = stepping.candles("BTC-USD", HOUR, T0 + timedelta(days=40), 40 * 24 + 24)
        assert arrays_equal(late.window(0, 24), early)
        fresh = make_feed().candles("BTC-USD", HOUR, T0 + timedelta(days=40), 40 * 24 + 24)
        assert arrays_equal(late, fresh)

    def test_fewer_bars_near_the_origin_and_none_before_it(self) -> None:
        feed = make_feed()
        assert len(feed.candles("BTC-USD", HOUR, ORIGIN + hours(5), 200)) == 5
        assert len(feed.candles("BTC-USD", HOUR, ORIGIN - hours(5), 200)) == 0
        with pytest.raises(NoMarketData):
            feed.quote("BTC-USD", ORIGIN - hours(5))

    @pytest.mark.parametrize("bars", [0, -1])
    def test_rejects_bad_sizes(self, bars: int) -> None:
        with pytest.raises(InvalidInput):
            make_feed().candles("BTC-USD", HOUR, T0, bars)
        with pytest.raises(InvalidInput):
            make_feed().candles("BTC-USD", 0, T0, 10)


class TestQuote:
    def test_at_a_bar_boundary_the_reference_is_the_last_close(self) -> None:
        feed = make_feed()
        quote = feed.quote("BTC-USD", T0)
        last = feed.candles("BTC-USD", HOUR, T0, 1)
        assert quote.reference_mid == pytest.approx(float(last.close[-1]))

    def test_inside_a_bar_the_reference_moves_toward_its_close(self) -> None:
        feed = make_feed()
        start = feed.quote("BTC-USD", T0).reference_mid
        middle = feed.quote("BTC-USD", T0 + timedelta(minutes=30)).reference_mid
        end = feed.candles("BTC-USD", HOUR, T0 + hours(1), 1).close[-1]
        assert middle == pytest.approx((start + end) / 2)

    def test_venue_book_around_the_reference(self) -> None:
        now = T0 + timedelta(minutes=7, seconds=5)
        quote = make_feed().quote("ETH-USD", now)
        assert divergence_bps(quote) <= BASIS_BPS
        assert quote.bid < quote.venue_mid < quote.ask
        assert quote.depth > 0
        assert quote.ts == now
        assert timedelta(0) <= now - quote.block_ts < timedelta(seconds=BLOCK_SECONDS)

    def test_quotes_are_deterministic(self) -> None:
        now = T0 + timedelta(minutes=13)
        assert make_feed().quote("SOL-USD", now) == make_feed().quote("SOL-USD", now)
        assert make_feed(seed=5).quote("SOL-USD", now) != make_feed().quote("SOL-USD", now)

    def test_quotes_and_candles_are_one_market_per_interval(self) -> None:
        feed = make_feed()
        quote = feed.quote("BTC-USD", T0, interval_seconds=900)
        assert quote.reference_mid == pytest.approx(feed.candles("BTC-USD", 900, T0, 1).close[-1])


class TestFaults:
    def test_pause_freezes_the_quote_while_time_moves_on(self) -> None:
        feed = make_feed()
        frozen = feed.quote("BTC-USD", T0)
        feed.pause("BTC-USD")  # at the latest moment the feed was asked about: T0
        later = feed.quote("BTC-USD", T0 + timedelta(minutes=10))
        assert later == frozen
        assert feed.quote("ETH-USD", T0 + timedelta(minutes=10)).ts == T0 + timedelta(minutes=10)
        feed.resume("BTC-USD")
        live = feed.quote("BTC-USD", T0 + timedelta(minutes=10))
        assert live.ts == T0 + timedelta(minutes=10)
        assert live.reference_mid != frozen.reference_mid

    def test_pause_everything_at_a_given_moment(self) -> None:
        feed = make_feed()
        feed.pause(at=T0)
        for symbol in ("BTC-USD", "DOGE-USD"):
            quote = feed.quote(symbol, T0 + hours(3))
            assert quote.ts == T0 and quote.block_ts <= T0
        feed.resume()
        assert feed.quote("DOGE-USD", T0 + hours(3)).ts == T0 + hours(3)

    def test_dislocation_moves_the_venue_away(self) -> None:
        feed = make_feed()
        feed.set_dislocation("BTC-USD", 80)
        moved = divergence_bps(feed.quote("BTC-USD", T0))
        assert 80 - BASIS_BPS <= moved <= 80 + BASIS_BPS
        feed.set_dislocation("BTC-USD", 0)
        assert divergence_bps(feed.quote("BTC-USD", T0)) <= BASIS_BPS

    def test_depth_factor_thins_the_book_and_widens_the_spread(self) -> None:
        feed = make_feed()
        normal = feed.quote("SOL-USD", T0)
        feed.set_depth_factor("SOL-USD", 0.01)
        thin = feed.quote("SOL-USD", T0)
        assert thin.depth == pytest.approx(normal.depth * 0.01)
        assert thin.ask - thin.bid > normal.ask - normal.bid
        with pytest.raises(InvalidInput):
            feed.set_depth_factor("SOL-USD", 0)


def write_csv(path: Path, rows: Sequence[tuple[object, ...]]) -> None:
    lines = ["ts,open,high,low,close,volume"]
    lines += [",".join(str(v) for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n")


def hourly_rows(start: datetime, n: int, iso: bool = True) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    for i in range(n):
        moment = start + hours(i)
        ts: object = moment.isoformat() if iso else int(moment.timestamp())
        price = 100.0 + i
        rows.append((ts, price, price + 2, price - 1, price + 1, 10.0 + i))
    return rows


class TestCsv:
    def test_a_csv_replaces_the_generator_for_its_symbol(self, tmp_path: Path) -> None:
        write_csv(tmp_path / "BTC-USD.csv", hourly_rows(T0 - hours(10), 20))
        feed = make_feed(ohlcv_dir=tmp_path)
        bars = feed.candles("btc-usd", HOUR, T0 + timedelta(minutes=30), 100)
        assert len(bars) == 10  # the rows of bars closed by T0 + 30 min
        assert bars.time_at(0) == T0 - hours(10)
        assert bars.close.tolist() == [101.0 + i for i in range(10)]
        generated = make_feed().candles("ETH-USD", HOUR, T0, 5)
        assert arrays_equal(feed.candles("ETH-USD", HOUR, T0, 5), generated)
        quote = feed.quote("BTC-USD", T0 + timedelta(minutes=30))
        assert quote.reference_mid == pytest.approx(110.5)  # bar of T0: 110 -> 111, halfway

    def test_epoch_seconds_and_resampling_to_a_multiple(self, tmp_path: Path) -> None:
        rows = []
        for i in range(8):  # 15-minute bars from T0
            ts = int((T0 + timedelta(minutes=15 * i)).timestamp())
            rows.append((ts, 10.0 + i, 12.0 + i, 9.0 + i, 11.0 + i, 1.0))
        write_csv(tmp_path / "SOL-USD.csv", rows)
        bars = make_feed(ohlcv_dir=tmp_path).candles("SOL-USD", HOUR, T0 + hours(2), 10)
        assert bars.ts.tolist() == [int(T0.timestamp()), int((T0 + hours(1)).timestamp())]
        assert bars.open.tolist() == [10.0, 14.0]
        assert bars.high.tolist() == [15.0, 19.0]
        assert bars.low.tolist() == [9.0, 13.0]
        assert bars.close.tolist() == [14.0, 18.0]
        assert bars.volume.tolist() == [4.0, 4.0]

    def test_a_quote_from_a_file_that_ended_rests_on_its_last_bar(self, tmp_path: Path) -> None:
        write_csv(tmp_path / "BTC-USD.csv", hourly_rows(T0 - hours(5), 5))
        quote = make_feed(ohlcv_dir=tmp_path).quote("BTC-USD", T0 + hours(3))
        assert quote.reference_mid == 105.0
        assert quote.block_ts == T0
        assert quote.ts == T0 + hours(3)

    @pytest.mark.parametrize(
        ("content", "problem"),
        [
            ("ts,open,high,low,close\n2026-03-01T00:00:00Z,1,2,0.5,1.5\n", "missing columns"),
            ("ts,open,high,low,close,volume\n2026-03-01T00:00:00Z,1,2,x,1.5,3\n", "not a time"),
            ("ts,open,high,low,close,volume\nyesterday,1,2,0.5,1.5,3\n", "not a time"),
            (
                "ts,open,high,low,close,volume\n1772326800,1,2,0.5,1.5,3\n1772323200,1,2,0.5,1.5,3\n",
                "strictly increasing",
            ),
            ("ts,open,high,low,close,volume\n1772326800,1,0.9,0.5,1.5,3\n", "high must be"),
            ("ts,open,high,low,close,volume\n1772326800,-1,2,0.5,1.5,3\n", "positive"),
            ("ts,open,high,low,close,volume\n", "no rows"),
        ],
    )
    def test_a_malformed_file_is_a_clear_error_naming_it(
        self, tmp_path: Path, content: str, problem: str
    ) -> None:
        path = tmp_path / "BTC-USD.csv"
        path.write_text(content)
        with pytest.raises(BadMarketData) as caught:
            make_feed(ohlcv_dir=tmp_path).candles("BTC-USD", HOUR, T0, 10)
        assert str(path) in caught.value.message
        assert problem in caught.value.message
        assert caught.value.details == {"file": str(path)}

    def test_an_interval_that_is_not_a_multiple_is_refused(self, tmp_path: Path) -> None:
        write_csv(tmp_path / "BTC-USD.csv", hourly_rows(T0, 4, iso=False))
        with pytest.raises(BadMarketData, match="3600 s bars"):
            make_feed(ohlcv_dir=tmp_path).candles("BTC-USD", 900, T0 + hours(5), 10)

    def test_an_edited_file_is_read_again(self, tmp_path: Path) -> None:
        path = tmp_path / "BTC-USD.csv"
        write_csv(path, hourly_rows(T0, 2))
        feed = make_feed(ohlcv_dir=tmp_path)
        assert len(feed.candles("BTC-USD", HOUR, T0 + hours(9), 10)) == 2
        write_csv(path, hourly_rows(T0, 6))
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
        assert len(feed.candles("BTC-USD", HOUR, T0 + hours(9), 10)) == 6


class TestDefaultFeed:
    def test_built_from_seed_7_and_2026_when_none_is_configured(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(market, "_default", None)
        feed = default_feed()
        assert (feed.seed, feed.origin) == (7, datetime(2026, 1, 1, tzinfo=UTC))
        assert default_feed() is feed

    def test_the_configured_feed_is_the_default(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(market, "_default", None)
        mine = MarketFeed(42, ORIGIN)
        configure_feed(mine)
        assert default_feed() is mine
