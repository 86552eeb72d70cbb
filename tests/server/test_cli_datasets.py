"""`tradegraph datasets import`, run in-process against a migrated SQLite database."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select

from resolvers.research.datasets import list_datasets, load_dataset
from server.cli import main
from storage.engine import create_engine, create_session_factory
from storage.research.datasets import Dataset

T0 = 1_767_225_600


def _csv(path: Path, rows: int, *, broken: int | None = None) -> Path:
    lines = ["timestamp,open,high,low,close,volume"]
    for i in range(rows):
        high = 90 if i == broken else 102  # below low on the broken row
        lines.append(f"{T0 + 3600 * i},100,{high},99,101,{i}")
    path.write_text("\n".join(lines) + "\n")
    return path


async def _read(url: str):  # type: ignore[no-untyped-def]
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session:
            page = await list_datasets(session)
            count = await session.scalar(select(func.count()).select_from(Dataset))
            loaded = [len(await load_dataset(session, dataset_id=v.id)) for v in page.items]
            return page, count, loaded
    finally:
        await engine.dispose()


def _run(args: list[str]) -> int:
    return main(["datasets", "import", *args])


def test_import_stores_the_file(
    tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _csv(tmp_path / "btc.csv", 250)
    args = [str(path), "--symbol", "BTC-USD", "--timeframe", "1h", "--database-url", database_url]
    assert _run(args) == 0
    err = capsys.readouterr().err
    assert "250 bars" in err and "sha256" in err
    page, count, loaded = asyncio.run(_read(database_url))
    assert count == 1 and loaded == [250]
    view = page.items[0]
    assert (view.symbol, view.timeframe, view.source) == ("BTC-USD", "1h", "csv")
    assert view.quality["file"] == "btc.csv"
    # the same symbol and timeframe again: the bars are replaced, the id stays
    assert _run([str(_csv(tmp_path / "more.csv", 300)), *args[1:]]) == 0
    again, count, loaded = asyncio.run(_read(database_url))
    assert count == 1 and loaded == [300] and again.items[0].id == view.id


def test_a_bad_file_is_refused_with_its_report_and_nothing_stored(
    tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _csv(tmp_path / "bad.csv", 50, broken=17)
    code = _run([str(path), "--symbol", "BTC-USD", "--timeframe", "1h", "--database-url",
                 database_url])  # fmt: skip
    assert code == 1
    err = capsys.readouterr().err
    assert "DATASET_INVALID" in err and "high_below_low: 1 (rows 18)" in err
    _, count, _ = asyncio.run(_read(database_url))
    assert count == 0


def test_an_unknown_timeframe_is_refused_by_the_parser(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as caught:
        _run([str(tmp_path / "x.csv"), "--symbol", "X", "--timeframe", "2d"])
    assert caught.value.code == 2
