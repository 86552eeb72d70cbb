"""The demo's market as datasets: the synthetic bars the demo strategies were run on, stored
so that GET /api/backtesting/datasets lists them and backtests can load them."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.quant.market import Candles
from resolvers.research.datasets import OhlcvDataset, candles_bars, store_dataset
from resolvers.research.timeframes import TIMEFRAME_SECONDS


async def seed_demo_datasets(
    session: AsyncSession, markets: Iterable[Candles], *, seed: int
) -> list[OhlcvDataset]:
    """One synthetic dataset per demo symbol, in the demo's transaction."""
    by_seconds = {seconds: name for name, seconds in TIMEFRAME_SECONDS.items() if name != "1M"}
    return [
        await store_dataset(
            session,
            symbol=candles.symbol,
            timeframe=by_seconds[candles.interval_seconds],
            source="synthetic",
            bars=candles_bars(candles),
            quality_extra={"seed": seed},
        )
        for candles in markets
    ]
