"""Storing, loading and listing datasets."""

from __future__ import annotations

import hashlib
import struct
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import InvalidInput, NotFound
from resolvers.quant.market import generate_candles
from resolvers.research.codec import content_sha256, decode_parquet, encode_parquet
from resolvers.research.datasets import (
    candles_bars,
    ensure_synthetic_dataset,
    get_dataset,
    list_datasets,
    load_dataset,
    store_dataset,
)
from storage.events import Event
from storage.research.datasets import Dataset, DatasetBlob
from tests.resolvers.research.test_quality import T0, bars

START = datetime(2026, 1, 1, tzinfo=UTC)


def market(symbol: str = "BTC-USD", periods: int = 500, seed: int = 3):  # type: ignore[no-untyped-def]
    return generate_candles(symbol=symbol, seed=seed, start=START, periods=periods,
                            interval=timedelta(hours=1))  # fmt: skip


class TestHash:
    def test_the_hash_is_pinned_to_the_canonical_encoding(self) -> None:
        # written out by hand: the tag, ts as <i8, then each price column as <f8, whole
        raw = b"tradegraph.ohlcv.v1\n" + struct.pack("<3q", *(T0 + 3600 * i for i in range(3)))
        for value in (100.0, 102.0, 99.0, 101.0, 5.0):
            raw += struct.pack("<3d", value, value, value)
        assert content_sha256(bars(3)) == hashlib.sha256(raw).hexdigest()
        # a change here changes every stored dataset's sha256: only with a new tag (v2)
        assert content_sha256(bars(3)) == (
            "5298f3caa98894b6cb4d9e7ea69e0b31637e4ea51f0885acfae889d4bcb4ffc1"
        )

    def test_the_hash_does_not_depend_on_the_parquet_bytes(self) -> None:
        series = candles_bars(market())
        again = decode_parquet(encode_parquet(series))
        assert content_sha256(again) == content_sha256(series)
        changed = bars(3, close={1: 101.0000001})
        assert content_sha256(changed) != content_sha256(bars(3))


class TestStoreAndLoad:
    async def test_round_trip_gives_the_same_candles(self, session: AsyncSession) -> None:
        candles = market(periods=2_000)
        view = await store_dataset(session, symbol="BTC-USD", timeframe="1h",
                                   source="synthetic", bars=candles_bars(candles))  # fmt: skip
        assert view.rows == 2_000 and view.first_bar == START
        assert view.last_bar == START + timedelta(hours=1_999)
        await session.commit()
        loaded = await load_dataset(session, dataset_id=view.id)
        assert loaded.symbol == "BTC-USD" and loaded.interval_seconds == 3600
        for name in ("ts", "open", "high", "low", "close", "volume"):
            assert np.array_equal(getattr(loaded, name), getattr(candles, name)), name
        assert loaded.ts.dtype == np.int64 and loaded.close.dtype == np.float64
        assert view.sha256 == content_sha256(candles_bars(loaded))
        assert (await get_dataset(session, dataset_id=view.id)) == view

    async def test_storing_again_replaces_in_place_and_announces(
        self, session: AsyncSession
    ) -> None:
        first = await store_dataset(session, symbol="ETH-USD", timeframe="1h", source="csv",
                                    bars=bars(10))  # fmt: skip
        second = await store_dataset(session, symbol="ETH-USD", timeframe="1h", source="csv",
                                     bars=bars(20), quality_extra={"file": "b.csv"})  # fmt: skip
        assert second.id == first.id and second.rows == 20 and second.sha256 != first.sha256
        assert second.quality["file"] == "b.csv" and second.updated_at >= first.updated_at
        assert await session.scalar(select(func.count()).select_from(DatasetBlob)) == 1
        assert len(await load_dataset(session, dataset_id=first.id)) == 20
        topics = (await session.execute(select(Event.topic).order_by(Event.id))).scalars().all()
        assert topics == ["dataset.created", "dataset.updated"]

    async def test_deleting_a_dataset_deletes_its_blob(self, session: AsyncSession) -> None:
        view = await store_dataset(session, symbol="X", timeframe="1h", source="csv", bars=bars())
        await session.execute(Dataset.__table__.delete().where(Dataset.id == view.id))
        assert await session.scalar(select(func.count()).select_from(DatasetBlob)) == 0

    async def test_unknown_ids_and_bad_inputs(self, session: AsyncSession) -> None:
        with pytest.raises(NotFound):
            await load_dataset(session, dataset_id=404)
        with pytest.raises(InvalidInput) as caught:
            await store_dataset(session, symbol="X", timeframe="1y", source="csv", bars=bars())
        assert caught.value.code == "INVALID_TIMEFRAME"
        with pytest.raises(InvalidInput):
            await store_dataset(session, symbol="X", timeframe="1h", source="ftp", bars=bars())
        with pytest.raises(InvalidInput):
            await store_dataset(session, symbol=" ", timeframe="1h", source="csv", bars=bars())

    async def test_synthetic_datasets_are_stored_once(self, session: AsyncSession) -> None:
        first = await ensure_synthetic_dataset(session, symbol="SOL-USD", seed=3, start=START,
                                               periods=300)  # fmt: skip
        again = await ensure_synthetic_dataset(session, symbol="SOL-USD", seed=3, start=START,
                                               periods=300)  # fmt: skip
        assert again == first and first.quality["seed"] == 3
        assert first.sha256 == content_sha256(candles_bars(market("SOL-USD", 300)))
        longer = await ensure_synthetic_dataset(session, symbol="SOL-USD", seed=3, start=START,
                                                periods=400)  # fmt: skip
        assert longer.id == first.id and longer.rows == 400


class TestList:
    async def test_filters_and_paging(self, session: AsyncSession) -> None:
        made = []
        for symbol, timeframe in (("BTC-USD", "1h"), ("ETH-USD", "1h"), ("BTC-USD", "4h"),
                                  ("BTC-USD", "1d"), ("SOL-USD", "1h")):  # fmt: skip
            step = {"1h": 3600, "4h": 4 * 3600, "1d": 86_400}[timeframe]
            view = await store_dataset(session, symbol=symbol, timeframe=timeframe,
                                       source="csv", bars=bars(5, step=step))  # fmt: skip
            made.append(view)
        everything = await list_datasets(session)
        assert [v.id for v in everything.items] == [v.id for v in made]
        assert everything.total_count == 5 and not everything.has_next_page
        btc = await list_datasets(session, symbol="BTC-USD")
        assert [v.timeframe for v in btc.items] == ["1h", "4h", "1d"]
        hourly = await list_datasets(session, timeframe="1h")
        assert [v.symbol for v in hourly.items] == ["BTC-USD", "ETH-USD", "SOL-USD"]
        both = await list_datasets(session, symbol="BTC-USD", timeframe="4h")
        assert [v.id for v in both.items] == [made[2].id]
        page1 = await list_datasets(session, first=2)
        page2 = await list_datasets(session, first=2, after=page1.end_cursor)
        page3 = await list_datasets(session, first=2, after=page2.end_cursor)
        assert page1.has_next_page and page2.has_next_page and not page3.has_next_page
        assert [v.id for p in (page1, page2, page3) for v in p.items] == [v.id for v in made]
        with pytest.raises(InvalidInput):
            await list_datasets(session, timeframe="7m")
