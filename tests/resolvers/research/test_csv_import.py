"""Reading OHLCV CSV files: header names, timestamp forms, and cells that do not parse."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from resolvers.errors import InvalidInput
from resolvers.research.csv_import import read_ohlcv_csv

T0 = 1_767_225_600  # 2026-01-01T00:00:00Z
ROWS = "100,102,99,101,5\n"


def write(tmp_path: Path, text: str, name: str = "bars.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("header", "stamps"),
    [
        ("ts", [str(T0), str(T0 + 3600)]),
        ("Timestamp", [str(T0 * 1000), str((T0 + 3600) * 1000)]),
        ("time", ["2026-01-01T00:00:00Z", "2026-01-01T03:00:00+02:00"]),
        ("TIME", ["2026-01-01 00:00:00", "2026-01-01 01:00"]),
    ],
)
def test_timestamp_forms(tmp_path: Path, header: str, stamps: list[str]) -> None:
    body = f"{header},open,high,low,close,volume,trades\n"
    body += "".join(f"{s},{ROWS.strip()},7\n" for s in stamps)
    bars = read_ohlcv_csv(write(tmp_path, body))
    assert bars.ts.tolist() == [T0, T0 + 3600]
    assert bars.close.tolist() == [101.0, 101.0] and bars.volume.dtype == np.float64


def test_columns_in_any_order_and_progress_reaches_the_size(tmp_path: Path) -> None:
    body = "volume,close,low,high,open,ts\n" + "".join(
        f"5,101,99,102,100,{T0 + 3600 * i}\n" for i in range(1_000)
    )
    path = write(tmp_path, body)
    seen: list[tuple[int, int]] = []
    bars = read_ohlcv_csv(path, progress=lambda done, total: seen.append((done, total)))
    assert len(bars) == 1_000 and bars.open[0] == 100.0 and bars.volume[0] == 5.0
    assert seen[-1] == (path.stat().st_size, path.stat().st_size)


def test_cells_that_do_not_parse_are_named_by_row(tmp_path: Path) -> None:
    body = (
        "ts,open,high,low,close,volume\n"
        f"{T0},100,102,99,101,5\n"
        f"{T0 + 3600},abc,102,99,,5\n"
        f"yesterday,100,102,99,101,5\n"
    )
    with pytest.raises(InvalidInput) as caught:
        read_ohlcv_csv(write(tmp_path, body))
    assert caught.value.code == "CSV_INVALID"
    problems = caught.value.details["problems"]
    assert problems["bad_timestamp"] == {"count": 1, "rows": [3]}
    assert problems["not_a_number:open"] == {"count": 1, "rows": [2]}
    assert problems["not_a_number:close"] == {"count": 1, "rows": [2]}


def test_missing_columns_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as caught:
        read_ohlcv_csv(write(tmp_path, "date,open,high,low,close\n1,1,1,1,1\n"))
    assert caught.value.code == "CSV_MISSING_COLUMNS"
    assert caught.value.details["missing"] == ["ts", "volume"]
    with pytest.raises(InvalidInput) as caught:
        read_ohlcv_csv(tmp_path / "absent.csv")
    assert caught.value.code == "CSV_UNREADABLE"
