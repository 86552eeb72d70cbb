"""Which bars a verdict or a gauntlet judges a strategy on, written down so they can be read
again exactly (a gauntlet step runs later, maybe after a restart, on the same bars).

Choice, when the caller names no dataset: the newest stored dataset of the strategy's symbol
and timeframe (real data, imported or fetched, beats a simulation), else the lab's own market
(the synthetic feed the paper service trades, resolvers/market/feed.py): its last
DEFAULT_BARS closed bars up to the lab clock. A descriptor is one of
- {"kind": "dataset", "dataset_id", "sha256", "symbol", "timeframe", "rows"}: reading it
  again refuses (409 DATASET_CHANGED) when the stored bars were replaced meanwhile;
- {"kind": "lab_feed", "symbol", "timeframe", "bars", "end"}: the feed's bars up to `end`;
- {"kind": "synthetic", ...}: an agent backtest's seeded series (resolvers/backtests.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import Conflict, InvalidInput, NotFound
from resolvers.lab.services import Lab
from resolvers.quant.market import Candles, generate_candles
from resolvers.research.datasets import candles_of, get_dataset, load_dataset
from resolvers.research.timeframes import TIMEFRAME_SECONDS
from storage.research.datasets import Dataset as DatasetRow
from storage.research.datasets import read_blob

DEFAULT_BARS = 5_000
MAX_BARS = 200_000
MIN_BARS = 100


def _bars(bars: int | None) -> int:
    count = DEFAULT_BARS if bars is None else bars
    if not MIN_BARS <= count <= MAX_BARS:
        raise InvalidInput(
            f"bars must be between {MIN_BARS} and {MAX_BARS:,}",
            details={"field": "bars", "value": count},
        )
    return count


async def choose_source(
    session: AsyncSession,
    *,
    symbol: str,
    timeframe: str,
    dataset_id: int | None = None,
    bars: int | None = None,
    lab: Lab,
) -> dict[str, Any]:
    """The descriptor of the bars to judge `symbol` at `timeframe` on (see the module)."""
    if dataset_id is None:
        dataset_id = await session.scalar(
            select(DatasetRow.id)
            .where(DatasetRow.symbol == symbol, DatasetRow.timeframe == timeframe)
            .order_by(DatasetRow.updated_at.desc(), DatasetRow.id.desc())
            .limit(1)
        )
    if dataset_id is not None:
        found = await get_dataset(session, dataset_id=dataset_id)
        return {
            "kind": "dataset",
            "dataset_id": found.id,
            "sha256": found.sha256,
            "symbol": found.symbol,
            "timeframe": found.timeframe,
            "rows": found.rows,
        }
    # the last bar boundary, not the instant: the same closed bars, the same descriptor
    step = TIMEFRAME_SECONDS[timeframe]
    boundary = int(lab.clock.now().timestamp()) // step * step
    return {
        "kind": "lab_feed",
        "symbol": symbol,
        "timeframe": timeframe,
        "bars": _bars(bars),
        "end": datetime.fromtimestamp(boundary, tz=UTC).isoformat(),
    }


@dataclass(frozen=True, slots=True)
class StoredBars:
    """A dataset's bars still encoded (decoded where they are used: a job's process pool)."""

    symbol: str
    timeframe: str
    parquet: bytes

    def candles(self) -> Candles:
        return candles_of(self.symbol, self.timeframe, self.parquet)


async def _current(session: AsyncSession, source: dict[str, Any]) -> int:
    current = await get_dataset(session, dataset_id=int(source["dataset_id"]))
    if current.sha256 != source["sha256"]:
        raise Conflict(
            f"dataset {current.id} was replaced after this run was set up",
            code="DATASET_CHANGED",
            details={"dataset_id": current.id, "sha256": current.sha256},
        )
    return current.id


async def read_source(
    session: AsyncSession, *, source: dict[str, Any], lab: Lab
) -> Candles | StoredBars:
    """`load_source`, leaving a stored dataset's bars encoded: a step sends the compact
    Parquet bytes to its process pool and decodes there, off the API's event loop."""
    if source.get("kind") == "dataset":
        dataset_id = await _current(session, source)
        hit = await read_blob(session, dataset_id)
        if hit is None:
            raise NotFound(f"dataset {dataset_id} not found", details={"id": dataset_id})
        return StoredBars(*hit)
    return await load_source(session, source=source, lab=lab)


async def load_source(session: AsyncSession, *, source: dict[str, Any], lab: Lab) -> Candles:
    """The bars a descriptor names, exactly as when it was written."""
    kind = source.get("kind")
    if kind == "dataset":
        return await load_dataset(session, dataset_id=await _current(session, source))
    if kind == "lab_feed":
        interval = TIMEFRAME_SECONDS[str(source["timeframe"])]
        end = datetime.fromisoformat(str(source["end"]))
        return lab.feed.candles(str(source["symbol"]), interval, end, int(source["bars"]))
    if kind == "synthetic":
        return generate_candles(
            symbol=str(source["symbol"]),
            seed=int(source["seed"]),
            start=datetime.fromisoformat(str(source["start"])),
            periods=int(source["bars"]),
            interval=timedelta(seconds=int(source["interval_seconds"])),
        )
    raise InvalidInput(f"unknown data source kind {kind!r}", details={"source": source})
