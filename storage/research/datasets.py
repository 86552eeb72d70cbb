"""Datasets: OHLCV series kept in the database as Parquet blobs, their metadata in rows.

The blob lives in its own table so that listing datasets never reads (or transfers) the bars.
One row per (symbol, timeframe, source): importing the same series again replaces its bars
in the same transaction (same id, new sha256), so a catalog never holds two versions of one
series under one name; the sha256 tells a backtest whether the bars it used have changed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    UniqueConstraint,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, utcnow

DATASET_SOURCES = ("synthetic", "csv", "hyperliquid")


class Dataset(Base):
    __tablename__ = "datasets"
    __table_args__ = (
        UniqueConstraint("symbol", "timeframe", "source", name="uq_datasets_series"),
        CheckConstraint("source IN ('synthetic', 'csv', 'hyperliquid')", name="source"),
        CheckConstraint("rows > 0", name="rows_positive"),
        Index("ix_datasets_timeframe_id", "timeframe", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    symbol: Mapped[str] = mapped_column(String(40))
    timeframe: Mapped[str] = mapped_column(String(4))
    source: Mapped[str] = mapped_column(String(12))
    first_bar: Mapped[datetime]
    last_bar: Mapped[datetime]
    rows: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    quality: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class DatasetBlob(Base):
    __tablename__ = "dataset_blobs"

    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True
    )
    parquet: Mapped[bytes] = mapped_column(LargeBinary)


_BLOB_SQL = (
    "SELECT d.symbol, d.timeframe, b.parquet FROM datasets d "
    "JOIN dataset_blobs b ON b.dataset_id = d.id WHERE d.id = %s"
)


async def read_blob(session: AsyncSession, dataset_id: int) -> tuple[str, str, bytes] | None:
    """(symbol, timeframe, Parquet bytes) of a dataset, in the session's transaction.

    PostgreSQL sends bytea as hex text unless asked for binary results: a binary cursor reads
    a 31 MB blob in 76 ms instead of 257 (BENCHMARKS.md, Datasets)."""
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        driver: Any = (await connection.get_raw_connection()).driver_connection
        async with driver.cursor(binary=True) as cursor:
            await cursor.execute(_BLOB_SQL, (dataset_id,))
            found = await cursor.fetchone()
        return None if found is None else (found[0], found[1], bytes(found[2]))
    stmt = (
        select(Dataset.symbol, Dataset.timeframe, DatasetBlob.parquet)
        .join(DatasetBlob, DatasetBlob.dataset_id == Dataset.id)
        .where(Dataset.id == dataset_id)
    )
    row = (await session.execute(stmt)).one_or_none()
    return None if row is None else (row[0], row[1], row[2])
