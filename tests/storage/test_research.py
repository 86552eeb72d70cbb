"""Datasets on both backends: the blob round trip (a binary cursor on PostgreSQL), the
one-series-per-name rule, the cascade."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from resolvers.errors import Conflict, NotFound
from resolvers.quant.market import generate_candles
from resolvers.research.datasets import candles_bars, load_dataset, store_dataset
from storage.base import utcnow
from storage.engine import create_engine, create_session_factory
from storage.research.datasets import Dataset, DatasetBlob
from tests.conftest import requires_postgres
from tests.resolvers.research.test_quality import bars


async def _round_trip(url: str) -> None:
    candles = generate_candles(symbol="ETH-USD", seed=5, start=datetime(2025, 6, 1, tzinfo=UTC),
                               periods=100_000, interval=timedelta(minutes=5))  # fmt: skip
    engine = create_engine(url)
    try:
        factory = create_session_factory(engine)
        async with factory() as session:
            view = await store_dataset(session, symbol="ETH-USD", timeframe="5m",
                                       source="synthetic", bars=candles_bars(candles))  # fmt: skip
            await session.commit()
        async with factory() as session:  # another session: what another instance would read
            loaded = await load_dataset(session, dataset_id=view.id)
            row = await session.get(Dataset, view.id)
            assert row is not None and row.first_bar.tzinfo is not None
            assert row.last_bar == datetime(2025, 6, 1, tzinfo=UTC) + timedelta(minutes=5 * 99_999)
            with pytest.raises(NotFound):
                await load_dataset(session, dataset_id=view.id + 1)
        for name in ("ts", "open", "high", "low", "close", "volume"):
            assert np.array_equal(getattr(loaded, name), getattr(candles, name)), name
        async with factory() as session:
            now = utcnow()
            session.add(Dataset(symbol="ETH-USD", timeframe="5m", source="synthetic",
                                first_bar=now, last_bar=now, rows=1, sha256="0" * 64,
                                quality={}))  # fmt: skip
            with pytest.raises(IntegrityError):  # one series per (symbol, timeframe, source)
                await session.flush()
        async with factory() as session:
            await session.delete(await session.get(Dataset, view.id))
            await session.commit()
            assert await session.scalar(select(func.count()).select_from(DatasetBlob)) == 0
    finally:
        await engine.dispose()


async def test_sqlite_round_trip(database_url: str) -> None:
    await _round_trip(database_url)


@requires_postgres
async def test_postgres_round_trip(postgres_url: str) -> None:
    await _round_trip(postgres_url)


@requires_postgres
async def test_two_first_stores_of_one_series_one_wins(postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    try:
        factory = create_session_factory(engine)
        async with factory() as first, factory() as second:
            await store_dataset(first, symbol="SOL-USD", timeframe="1h", source="csv",
                                bars=bars(5))  # fmt: skip
            # the second one reads no row yet, then waits on the unique index for the first
            racing = asyncio.create_task(store_dataset(second, symbol="SOL-USD", timeframe="1h",
                                                       source="csv", bars=bars(6)))  # fmt: skip
            await asyncio.sleep(0.3)
            await first.commit()
            with pytest.raises(Conflict) as caught:
                await racing
            assert caught.value.code == "DATASET_BUSY" and caught.value.status == 409
            await second.rollback()
        async with factory() as session:
            assert await session.scalar(select(Dataset.rows)) == 5
    finally:
        await engine.dispose()
