"""The demo stores the market its strategies ran on as synthetic datasets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.quant.market import generate_candles
from resolvers.research.codec import content_sha256
from resolvers.research.datasets import candles_bars, list_datasets
from server.demo_datasets import seed_demo_datasets


async def test_one_dataset_per_demo_symbol(session: AsyncSession) -> None:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    markets = [
        generate_candles(symbol=s, seed=7, start=start, periods=72, interval=timedelta(hours=1))
        for s in ("BTC-USD", "ETH-USD")
    ]
    await seed_demo_datasets(session, markets, seed=7)
    page = await list_datasets(session)
    assert [(d.symbol, d.timeframe, d.source, d.rows) for d in page.items] == [
        ("BTC-USD", "1h", "synthetic", 72),
        ("ETH-USD", "1h", "synthetic", 72),
    ]
    assert page.items[0].sha256 == content_sha256(candles_bars(markets[0]))
    assert page.items[0].quality["seed"] == 7
