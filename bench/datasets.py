"""Loading a 1,000,000-bar dataset from the database into numpy (issue 14: goal <= 200 ms).

Usage: .venv/bin/python bench/datasets.py [--bars 1000000] [--runs 15]
       [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test]
Generates the bars (1-minute synthetic market), stores them once through `store_dataset`
(validation, Parquet encode, sha256) in a fresh migrated SQLite file (and, with --postgres,
in a throwaway schema there), then times `load_dataset` on a fresh session each run: the blob
read from the database plus the Parquet decode into the Candles arrays. Prints the store time,
the blob size, and the median, p95 and best load time per backend, and the decode alone.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from resolvers.quant.market import generate_candles  # noqa: E402
from resolvers.research.codec import decode_parquet, encode_parquet  # noqa: E402
from resolvers.research.datasets import candles_bars, load_dataset, store_dataset  # noqa: E402
from storage.engine import create_engine, create_session_factory  # noqa: E402
from storage.migrate import upgrade_sync  # noqa: E402
from storage.research.datasets import DatasetBlob  # noqa: E402


def _ms(seconds: list[float]) -> str:
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (
        f"median {statistics.median(ordered) * 1e3:6.1f} ms  p95 {p95 * 1e3:6.1f} ms  "
        f"best {ordered[0] * 1e3:6.1f} ms"
    )


async def _bench(url: str, label: str, bars: object, runs: int) -> None:
    engine = create_engine(url)
    factory = create_session_factory(engine)
    try:
        started = time.perf_counter()
        async with factory() as session:
            view = await store_dataset(session, symbol="BTC-USD", timeframe="1m",
                                       source="synthetic", bars=bars)  # type: ignore[arg-type]  # fmt: skip
            await session.commit()
        stored = time.perf_counter() - started
        async with factory() as session:
            blob = await session.get(DatasetBlob, view.id)
            size = len(blob.parquet) if blob else 0
        times = []
        for _ in range(runs):
            async with factory() as session:
                started = time.perf_counter()
                candles = await load_dataset(session, dataset_id=view.id)
                times.append(time.perf_counter() - started)
            assert len(candles) == view.rows
        print(
            f"{label:10} store {stored * 1e3:7.0f} ms  blob {size / 1e6:5.1f} MB  load {_ms(times)}"
        )
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bars", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--postgres", help="a PostgreSQL URL (a throwaway schema is used)")
    args = parser.parse_args()
    candles = generate_candles(symbol="BTC-USD", seed=7, start=datetime(2024, 1, 1, tzinfo=UTC),
                               periods=args.bars, interval=timedelta(minutes=1))  # fmt: skip
    bars = candles_bars(candles)
    blob = encode_parquet(bars)
    decodes = []
    for _ in range(args.runs):
        started = time.perf_counter()
        decode_parquet(blob)
        decodes.append(time.perf_counter() - started)
    print(f"{args.bars:,} bars; decode alone   {_ms(decodes)}")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        upgrade_sync(url)
        asyncio.run(_bench(url, "sqlite", bars, args.runs))
    if args.postgres:
        import psycopg

        from tests.conftest import postgres_schema_url

        schema = f"bench_{uuid.uuid4().hex[:10]}"
        plain = args.postgres.replace("postgresql+psycopg://", "postgresql://", 1)
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        try:
            url = postgres_schema_url(args.postgres, schema)
            upgrade_sync(url)
            asyncio.run(_bench(url, "postgresql", bars, args.runs))
        finally:
            with psycopg.connect(plain, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


if __name__ == "__main__":
    main()
