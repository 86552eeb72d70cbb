"""The HyperLiquid candle fetch against a loopback stub: paging, dedupe, stops, errors, and
truncation reported in the stored dataset's quality."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import DomainError, InvalidInput
from resolvers.lab.services import Lab
from resolvers.research.datasets import load_dataset
from resolvers.research.fetch import fetch_ohlcv, hyperliquid_coin
from resolvers.research.hyperliquid import HyperliquidClient, fetch_candles
from storage.research.datasets import Dataset
from tests.resolvers.research.hyperliquid_stub import (
    HOUR_MS,
    ORIGIN_MS,
    HyperliquidStub,
    history,
    unreachable_base,
)

LATER_MS = ORIGIN_MS + 10_000 * HOUR_MS  # "now": every stub candle has closed


@pytest.fixture
def stub() -> Iterator[HyperliquidStub]:
    with HyperliquidStub() as server:
        yield server


async def _fetch(stub: HyperliquidStub, start_ms: int, end_ms: int, **kw: object):  # type: ignore[no-untyped-def]
    async with HyperliquidClient(stub.url, timeout_seconds=2.0) as client:
        return await fetch_candles(
            client, coin="BTC", timeframe="1h", start_ms=start_ms, end_ms=end_ms,
            now_ms=int(kw.pop("now_ms", LATER_MS)), **kw,  # type: ignore[arg-type]
        )  # fmt: skip


class TestPaging:
    async def test_pages_of_500_with_an_overlapping_candle_are_deduped(
        self, stub: HyperliquidStub
    ) -> None:
        stub.script.candles = history(1_200)
        stub.script.overlap = True
        seen: list[tuple[int, int]] = []
        fetched = await _fetch(
            stub, ORIGIN_MS, ORIGIN_MS + 1_199 * HOUR_MS,
            progress=lambda done, expected: seen.append((done, expected)),
        )  # fmt: skip
        assert len(fetched.bars) == 1_200
        assert np.array_equal(fetched.bars.ts, (ORIGIN_MS + np.arange(1_200) * HOUR_MS) // 1000)
        assert fetched.bars.close[3] == float(stub.script.candles[3]["c"])
        starts = [r["req"]["startTime"] for r in stub.script.requests]
        # each page moves startTime past the last open time it brought
        assert starts[0] == ORIGIN_MS and starts[1] == ORIGIN_MS + 499 * HOUR_MS + 1
        assert stub.script.answered[:2] == [500, 500]  # the overlap fills each page
        assert all(
            r["path"] == "/info" and r["type"] == "candleSnapshot" for r in stub.script.requests
        )
        assert stub.script.requests[0]["req"]["coin"] == "BTC"
        assert [done for done, _ in seen] == sorted(done for done, _ in seen)
        assert seen[-1] == (1_200, 1_200)

    async def test_an_empty_page_ends_the_fetch(self, stub: HyperliquidStub) -> None:
        stub.script.candles = history(1_000)
        fetched = await _fetch(stub, ORIGIN_MS, ORIGIN_MS + 3_000 * HOUR_MS)
        assert len(fetched.bars) == 1_000
        assert stub.script.answered == [500, 500, 0]
        assert fetched.pages == 3

    async def test_it_stops_at_the_end_without_asking_again(self, stub: HyperliquidStub) -> None:
        stub.script.candles = history(2_000)
        stub.script.page_size = 5_000
        fetched = await _fetch(stub, ORIGIN_MS, ORIGIN_MS + 799 * HOUR_MS)
        assert len(fetched.bars) == 800 and stub.script.answered == [800]

    async def test_the_bar_still_forming_is_left_out(self, stub: HyperliquidStub) -> None:
        stub.script.candles = history(10)
        now = ORIGIN_MS + 9 * HOUR_MS + 60_000  # one minute into the tenth bar
        fetched = await _fetch(stub, ORIGIN_MS, now, now_ms=now)
        assert len(fetched.bars) == 9 and fetched.open_bar_dropped


class TestErrors:
    async def test_an_upstream_500_is_a_502_with_its_status(self, stub: HyperliquidStub) -> None:
        stub.script.status = 500
        with pytest.raises(DomainError) as caught:
            await _fetch(stub, ORIGIN_MS, ORIGIN_MS + HOUR_MS)
        assert (caught.value.code, caught.value.status) == ("UPSTREAM_ERROR", 502)
        assert caught.value.details["status"] == 500

    async def test_a_timeout_is_a_504(self, stub: HyperliquidStub) -> None:
        stub.script.delay = 2.0
        with pytest.raises(DomainError) as caught:
            async with HyperliquidClient(stub.url, timeout_seconds=0.2) as client:
                await fetch_candles(client, coin="BTC", timeframe="1h", start_ms=ORIGIN_MS,
                                    end_ms=ORIGIN_MS + HOUR_MS, now_ms=LATER_MS)  # fmt: skip
        assert (caught.value.code, caught.value.status) == ("UPSTREAM_TIMEOUT", 504)

    async def test_nothing_listening_is_unreachable(self) -> None:
        with pytest.raises(DomainError) as caught:
            async with HyperliquidClient(unreachable_base(), timeout_seconds=1.0) as client:
                await fetch_candles(client, coin="BTC", timeframe="1h", start_ms=ORIGIN_MS,
                                    end_ms=ORIGIN_MS + HOUR_MS, now_ms=LATER_MS)  # fmt: skip
        assert (caught.value.code, caught.value.status) == ("UPSTREAM_UNREACHABLE", 502)

    @pytest.mark.parametrize(
        "raw",
        [b"not json", b'{"candles": []}', b'[{"t": 1, "T": 2, "o": "1"}]',
         b'[{"t": 1, "T": 2, "o": "x", "h": "1", "l": "1", "c": "1", "v": "1"}]',
         b'[{"t": "1", "T": 2, "o": "1", "h": "1", "l": "1", "c": "1", "v": "1"}]'],
    )  # fmt: skip
    async def test_a_malformed_answer_is_a_bad_response(
        self, stub: HyperliquidStub, raw: bytes
    ) -> None:
        stub.script.raw = raw
        with pytest.raises(DomainError) as caught:
            await _fetch(stub, ORIGIN_MS, ORIGIN_MS + HOUR_MS)
        assert (caught.value.code, caught.value.status) == ("UPSTREAM_BAD_RESPONSE", 502)


def _lab(lab: Lab, url: str) -> Lab:
    return replace(lab, config=replace(lab.config, hyperliquid_url=url))


NOW = datetime.fromtimestamp(LATER_MS / 1000, tz=UTC)


class TestFetchOhlcv:
    async def test_truncated_history_is_stored_and_reported(
        self, stub: HyperliquidStub, session: AsyncSession, lab: Lab
    ) -> None:
        stub.script.candles = history(300, start_ms=ORIGIN_MS + 100 * HOUR_MS)
        start = datetime.fromtimestamp(ORIGIN_MS / 1000, tz=UTC)
        view = await fetch_ohlcv(
            session, symbol="BTC-USD", timeframe="1h", start=start,
            end=start + timedelta(hours=399), lab=_lab(lab, stub.url), now=NOW,
        )  # fmt: skip
        assert view.source == "hyperliquid" and view.symbol == "BTC-USD" and view.rows == 300
        quality = view.quality
        assert quality["truncated"] is True
        assert quality["requested_start"] == "2026-01-01T00:00:00+00:00"
        assert quality["first_available"] == "2026-01-05T04:00:00+00:00"
        assert view.first_bar == start + timedelta(hours=100)
        candles = await load_dataset(session, dataset_id=view.id)
        assert candles.interval_seconds == 3600 and len(candles) == 300

    async def test_full_history_is_not_truncated_and_a_refetch_replaces(
        self, stub: HyperliquidStub, session: AsyncSession, lab: Lab
    ) -> None:
        stub.script.candles = history(50)
        start = datetime.fromtimestamp(ORIGIN_MS / 1000, tz=UTC)
        first = await fetch_ohlcv(session, symbol="BTC", start=start, lab=_lab(lab, stub.url),
                                  end=start + timedelta(hours=49), now=NOW)  # fmt: skip
        assert first.quality["truncated"] is False and "first_available" not in first.quality
        stub.script.candles = history(60)
        again = await fetch_ohlcv(session, symbol="BTC", start=start, lab=_lab(lab, stub.url),
                                  end=start + timedelta(hours=59), now=NOW)  # fmt: skip
        assert again.id == first.id and again.rows == 60 and again.sha256 != first.sha256
        assert (await session.scalar(select(func.count()).select_from(Dataset))) == 1

    async def test_the_default_range_is_the_last_5000_bars(
        self, stub: HyperliquidStub, session: AsyncSession, lab: Lab
    ) -> None:
        end_ms = ORIGIN_MS + 6_000 * HOUR_MS
        stub.script.candles = history(6_001)  # the last one closes just before now
        stub.script.page_size = 5_000
        now = datetime.fromtimestamp((end_ms + HOUR_MS) / 1000, tz=UTC)
        view = await fetch_ohlcv(session, symbol="BTC", lab=_lab(lab, stub.url), now=now)
        assert stub.script.requests[0]["req"]["startTime"] == end_ms + HOUR_MS - 5_000 * HOUR_MS
        assert view.rows == 5_000 and view.quality["truncated"] is False

    async def test_gaps_in_the_exchange_history_are_refused_and_nothing_stored(
        self, stub: HyperliquidStub, session: AsyncSession, lab: Lab
    ) -> None:
        stub.script.candles = [c for i, c in enumerate(history(20)) if i != 7]
        start = datetime.fromtimestamp(ORIGIN_MS / 1000, tz=UTC)
        with pytest.raises(InvalidInput) as caught:
            await fetch_ohlcv(session, symbol="BTC", start=start, lab=_lab(lab, stub.url),
                              end=start + timedelta(hours=19), now=NOW)  # fmt: skip
        assert caught.value.code == "DATASET_INVALID"
        assert caught.value.details["problems"]["missing"]["rows"] == [7]
        assert (await session.scalar(select(func.count()).select_from(Dataset))) == 0

    async def test_input_errors(self, session: AsyncSession, lab: Lab) -> None:
        start = datetime(2026, 1, 2, tzinfo=UTC)
        for kwargs, code in (
            ({"timeframe": "2d"}, "INVALID_TIMEFRAME"),
            ({"exchange": "binance"}, "UNKNOWN_EXCHANGE"),
            ({"start": start, "end": start}, "INVALID_RANGE"),
        ):
            with pytest.raises(InvalidInput) as caught:
                await fetch_ohlcv(session, symbol="BTC", lab=lab, now=NOW, **kwargs)  # type: ignore[arg-type]
            assert caught.value.code == code

    async def test_no_candles_is_a_422(
        self, stub: HyperliquidStub, session: AsyncSession, lab: Lab
    ) -> None:
        with pytest.raises(InvalidInput) as caught:
            await fetch_ohlcv(session, symbol="NOPE", lab=_lab(lab, stub.url), now=NOW)
        assert caught.value.code == "NO_CANDLES"


def test_coins_from_symbols() -> None:
    assert hyperliquid_coin("BTC-USD") == "BTC"
    assert hyperliquid_coin("ETH-PERP") == "ETH"
    assert hyperliquid_coin("kPEPE") == "kPEPE"
    assert hyperliquid_coin("PURR/USDC") == "PURR/USDC"
