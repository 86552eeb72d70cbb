"""Datasets: store validated OHLCV as a Parquet blob, load it as Candles, list the catalog.

Decisions where the seed is silent:
- One dataset per (symbol, timeframe, source). Storing that series again (a second CSV
  import, a new fetch) replaces its bars, metadata and quality report in the caller's
  transaction: the id stays, `updated_at` and the sha256 change. Two first stores of one
  series at once (two instances): one wins, the other is a 409 DATASET_BUSY. Nothing is half-stored:
  validation runs before any write, and the boundary commits or rolls back the whole.
- `sha256` is of a canonical encoding of the bars (resolvers/research/codec.py), so it is the
  same whatever Parquet settings wrote the blob.
- The list is paged by id, oldest first, like every other list; filters are exact.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, TypedDict

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import Conflict, InvalidInput, NotFound
from resolvers.pagination import Page, paginate
from resolvers.quant.market import Candles, generate_candles
from resolvers.research.codec import Bars, as_bars, content_sha256, decode_parquet, encode_parquet
from resolvers.research.quality import validate_bars
from resolvers.research.timeframes import TIMEFRAME_SECONDS, TIMEFRAMES, require_timeframe
from resolvers.validation import require_choice, require_text
from resolvers.views import Choices, OneOf, View, from_row, to_payload
from storage.outbox import append_event, savepoint
from storage.research.datasets import DATASET_SOURCES, DatasetBlob, read_blob
from storage.research.datasets import Dataset as DatasetRow

DATASET_SOURCE = Choices(
    "DatasetSource", DATASET_SOURCES, "where the bars came from: generated, a CSV file, fetched"
)


TRUNCATED = (
    "a fetch got less history than requested (the exchange keeps only its most recent 5,000 "
    "bars per coin and timeframe)"
)


class _Checked(TypedDict):
    """The keys every quality report has."""

    checks: Annotated[list[str], "the defects checked for (none was found)"]
    rows: int
    interval_seconds: Annotated[int, "the timeframe's length (1M: a nominal 30 days)"]
    first_bar: Annotated[str, "ISO 8601"]
    last_bar: Annotated[str, "ISO 8601"]
    zero_volume_bars: int
    flat_bars: Annotated[int, "bars with open = high = low = close"]
    truncated: Annotated[bool, TRUNCATED]


class DatasetQuality(_Checked, total=False):
    """What validation found (every defect refuses a dataset, so these are the facts that
    remain), and for a fetch how the history the exchange had compares with the request."""

    requested_start: Annotated[str, "a fetch's start (ISO 8601)"]
    requested_end: Annotated[str, "a fetch's end (ISO 8601)"]
    first_available: Annotated[str, "a truncated fetch's first bar (ISO 8601)"]
    pages: Annotated[int, "requests a fetch made"]
    open_bar_dropped: Annotated[bool, "a fetch left out the bar still forming"]
    file: Annotated[str, "a CSV import's file name"]
    seed: Annotated[int, "a synthetic series' seed"]


@dataclass(frozen=True, slots=True)
class OhlcvDataset(View):
    """A stored OHLCV series (its bars are loaded by backtests, never listed)."""

    id: int
    symbol: str
    timeframe: Annotated[str, OneOf(TIMEFRAMES), "the exchange's bar interval"]
    source: Annotated[str, DATASET_SOURCE]
    first_bar: Annotated[datetime, "the first bar's open time"]
    last_bar: Annotated[datetime, "the last bar's open time"]
    rows: Annotated[int, "bars"]
    sha256: Annotated[str, "of the bars' canonical encoding (not of the stored file)"]
    quality: DatasetQuality
    created_at: datetime
    updated_at: Annotated[datetime, "when the bars were last stored (a re-import replaces)"]


def dataset_view(row: DatasetRow) -> OhlcvDataset:
    """The API's view of a dataset row."""
    return from_row(OhlcvDataset, row)


def _moment(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, tz=UTC)


async def store_dataset(
    session: AsyncSession,
    *,
    symbol: str,
    timeframe: str,
    source: str,
    bars: Bars,
    quality_extra: Mapping[str, object] | None = None,
) -> OhlcvDataset:
    """Validate `bars` and store them as the (symbol, timeframe, source) dataset, replacing
    an earlier one; a defect is a 422 DATASET_INVALID and nothing is written."""
    symbol = require_text("symbol", symbol, max_length=40)
    timeframe = require_timeframe(timeframe)
    source = require_choice("source", source, DATASET_SOURCES)
    quality = {**validate_bars(bars, timeframe, source=source), **(quality_extra or {})}
    blob = encode_parquet(bars)
    values = {
        "first_bar": _moment(int(bars.ts[0])),
        "last_bar": _moment(int(bars.ts[-1])),
        "rows": len(bars),
        "sha256": content_sha256(bars),
        "quality": quality,
    }
    stmt = select(DatasetRow).where(
        DatasetRow.symbol == symbol, DatasetRow.timeframe == timeframe, DatasetRow.source == source
    )
    row = (await session.execute(stmt)).scalar_one_or_none()
    topic = "dataset.updated" if row is not None else "dataset.created"
    if row is None:
        row = DatasetRow(symbol=symbol, timeframe=timeframe, source=source, **values)
        try:
            async with savepoint(session):
                session.add(row)
                await session.flush()
        except IntegrityError:
            # another instance stored the same series between our read and this insert
            raise Conflict(
                f"the {source} dataset {symbol} {timeframe} is being stored by another request",
                code="DATASET_BUSY",
                details={"symbol": symbol, "timeframe": timeframe, "source": source},
            ) from None
        session.add(DatasetBlob(dataset_id=row.id, parquet=blob))
    else:
        for name, value in values.items():
            setattr(row, name, value)
        row.updated_at = datetime.now(UTC)
        stored = await session.get(DatasetBlob, row.id)
        if stored is None:
            session.add(DatasetBlob(dataset_id=row.id, parquet=blob))
        else:
            stored.parquet = blob
    await session.flush()
    view = dataset_view(row)
    await append_event(session, topic=topic, entity_id=str(row.id), payload=to_payload(view))
    return view


async def get_dataset(session: AsyncSession, *, dataset_id: int) -> OhlcvDataset:
    """One dataset's metadata by id, or NOT_FOUND."""
    row = await session.get(DatasetRow, dataset_id)
    if row is None:
        raise NotFound(f"dataset {dataset_id} not found", details={"id": dataset_id})
    return dataset_view(row)


async def load_dataset(session: AsyncSession, *, dataset_id: int) -> Candles:
    """A dataset's bars as Candles (one Parquet decode, no per-row Python), or NOT_FOUND."""
    hit = await read_blob(session, dataset_id)
    if hit is None:
        raise NotFound(f"dataset {dataset_id} not found", details={"id": dataset_id})
    return candles_of(*hit)


def candles_of(symbol: str, timeframe: str, blob: bytes) -> Candles:
    """Stored Parquet bytes as Candles (synchronous: a job's process pool can call it)."""
    bars = decode_parquet(blob)
    return Candles(
        symbol=symbol,
        interval_seconds=TIMEFRAME_SECONDS[timeframe],
        ts=bars.ts,
        open=bars.open,
        high=bars.high,
        low=bars.low,
        close=bars.close,
        volume=bars.volume,
    )


async def list_datasets(
    session: AsyncSession,
    *,
    symbol: str | None = None,
    timeframe: str | None = None,
    first: int | None = None,
    after: str | None = None,
    with_total: bool = True,
) -> Page[OhlcvDataset]:
    """A page of datasets, oldest first, filtered by exact symbol and timeframe."""
    stmt = select(DatasetRow)
    if symbol is not None:
        stmt = stmt.where(DatasetRow.symbol == symbol.strip())
    if timeframe is not None:
        stmt = stmt.where(DatasetRow.timeframe == require_timeframe(timeframe))
    page = await paginate(
        session, stmt, DatasetRow.id, first=first, after=after, with_total=with_total
    )
    return page.map(dataset_view)


def candles_bars(candles: Candles) -> Bars:
    """The OHLCV columns of Candles (the regime labels of a synthetic series are not kept)."""
    return as_bars(
        candles.ts, candles.open, candles.high, candles.low, candles.close, candles.volume
    )


async def ensure_synthetic_dataset(
    session: AsyncSession,
    *,
    symbol: str,
    seed: int,
    start: datetime,
    periods: int,
    timeframe: str = "1h",
) -> OhlcvDataset:
    """Store the seeded synthetic series (resolvers/quant/market.py) as a dataset, unless the
    same bars are stored already (then that dataset, untouched)."""
    timeframe = require_timeframe(timeframe)
    if timeframe == "1M":
        raise InvalidInput(
            "the synthetic market has no calendar-month bars",
            code="INVALID_TIMEFRAME",
            details={"field": "timeframe", "value": timeframe},
        )
    candles = generate_candles(
        symbol=symbol,
        seed=seed,
        start=start,
        periods=periods,
        interval=timedelta(seconds=TIMEFRAME_SECONDS[timeframe]),
    )
    bars = candles_bars(candles)
    existing = (
        await session.execute(
            select(DatasetRow).where(
                DatasetRow.symbol == symbol.strip(),
                DatasetRow.timeframe == timeframe,
                DatasetRow.source == "synthetic",
            )
        )
    ).scalar_one_or_none()
    if existing is not None and existing.sha256 == content_sha256(bars):
        return dataset_view(existing)
    return await store_dataset(
        session,
        symbol=symbol,
        timeframe=timeframe,
        source="synthetic",
        bars=bars,
        quality_extra={"seed": seed},
    )
