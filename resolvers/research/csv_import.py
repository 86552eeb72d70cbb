"""OHLCV from a CSV file (`tradegraph datasets import`), read column-wise with pyarrow.

The header names the columns, in any order and case: `ts` (or `time` or `timestamp`),
`open`, `high`, `low`, `close`, `volume`; other columns are ignored. `ts` is the bar's open
time, the same form on every row: whole epoch seconds or milliseconds (values of 10^11 and
more are milliseconds: as seconds they would lie beyond the year 5000), or ISO 8601
(`2024-01-31T12:00:00Z`, an offset, or none meaning UTC; a bare date is its midnight).
A cell that does not parse is reported with its row like every other defect (422
CSV_INVALID, rows numbered from 1 after the header); the bars then face the dataset
validation of resolvers/research/quality.py.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import InvalidInput
from resolvers.research.codec import PRICE_COLUMNS, Bars, as_bars
from resolvers.research.datasets import OhlcvDataset, store_dataset
from resolvers.research.quality import ROWS_NAMED

TS_NAMES = ("ts", "time", "timestamp")
MS_FROM = 10**11
BLOCK_BYTES = 4 << 20

ByteProgress = Callable[[int, int], None]  # (bytes read, file size)


class _Counting:
    """A binary file that counts what pyarrow has read from it (for a progress bar)."""

    def __init__(self, raw: IO[bytes], size: int, progress: ByteProgress | None) -> None:
        self.raw, self.size, self.progress, self.done = raw, size, progress, 0
        self.closed = False

    def read(self, n: int = -1) -> bytes:
        chunk = self.raw.read(n)
        self.done += len(chunk)
        if self.progress is not None:
            self.progress(self.done, self.size)
        return chunk

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def close(self) -> None:
        self.closed = True


def _header(path: Path) -> dict[str, str]:
    """Our column name -> the file's header name for it."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        first = next(csv.reader(handle), [])
    found = {name.strip().lower(): name for name in first}
    wanted: dict[str, str] = {}
    ts = next((found[n] for n in TS_NAMES if n in found), None)
    if ts is not None:
        wanted["ts"] = ts
    wanted.update({n: found[n] for n in PRICE_COLUMNS if n in found})
    missing = [n for n in ("ts", *PRICE_COLUMNS) if n not in wanted]
    if missing:
        raise InvalidInput(
            f"the CSV header lacks {', '.join(missing)} (ts may be named time or timestamp)",
            code="CSV_MISSING_COLUMNS",
            details={"missing": missing, "header": first[:50]},
        )
    return wanted


def _rows(mask: np.ndarray[Any, Any]) -> dict[str, Any]:
    bad = np.flatnonzero(mask)
    return {"count": int(len(bad)), "rows": [int(r) + 1 for r in bad[:ROWS_NAMED]]}


def _numbers(column: pa.ChunkedArray, problems: dict[str, Any], name: str) -> np.ndarray[Any, Any]:
    try:
        return np.asarray(pc.cast(pc.utf8_trim_whitespace(column), pa.float64()).to_numpy())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        # pyarrow says a cell failed but not which: pandas finds every one of them
        values = pd.to_numeric(pd.Series(column.to_numpy(zero_copy_only=False)), errors="coerce")
        problems[f"not_a_number:{name}"] = _rows(values.isna().to_numpy())
        return values.to_numpy(dtype=np.float64)


def _times(column: pa.ChunkedArray, problems: dict[str, Any]) -> np.ndarray[Any, Any]:
    # the first row decides the form (epoch numbers or ISO 8601); rows in another are bad
    text = pc.utf8_trim_whitespace(column)
    integral = pc.match_substring_regex(text, r"^-?\d{1,18}$").to_numpy(zero_copy_only=False)
    if len(text) and integral[0]:
        ts = np.asarray(pc.cast(pc.if_else(integral, text, "0"), pa.int64()).to_numpy())
        bad = ~integral
        if np.abs(ts).max() >= MS_FROM:
            ts = ts // 1000
    else:
        parsed = pd.to_datetime(
            pd.Series(text.to_numpy(zero_copy_only=False)),
            utc=True,
            format="ISO8601",
            errors="coerce",
        )
        bad = parsed.isna().to_numpy()
        moments = parsed.dt.tz_convert(None).fillna(pd.Timestamp(0))
        ts = moments.to_numpy(dtype="datetime64[s]").astype(np.int64)
    if bad.any():
        problems["bad_timestamp"] = _rows(bad)
    return ts


def read_ohlcv_csv(path: Path, *, progress: ByteProgress | None = None) -> Bars:
    """The bars of an OHLCV CSV file, or a 422 naming its unreadable cells by row."""
    try:
        size = path.stat().st_size
        names = _header(path)
        with path.open("rb") as raw:
            reader = pacsv.open_csv(
                _Counting(raw, size, progress),
                read_options=pacsv.ReadOptions(block_size=BLOCK_BYTES, encoding="utf8"),
                convert_options=pacsv.ConvertOptions(
                    include_columns=list(names.values()),
                    column_types=dict.fromkeys(names.values(), pa.string()),
                ),
            )
            table = reader.read_all()
    except (OSError, UnicodeDecodeError, pa.ArrowInvalid) as exc:
        raise InvalidInput(
            f"cannot read {path.name}: {exc}", code="CSV_UNREADABLE", details={"file": path.name}
        ) from None
    problems: dict[str, Any] = {}
    ts = _times(table.column(names["ts"]), problems)
    prices = [_numbers(table.column(names[n]), problems, n) for n in PRICE_COLUMNS]
    if problems:
        raise InvalidInput(
            f"{path.name} has cells that do not parse: {', '.join(problems)}",
            code="CSV_INVALID",
            details={"file": path.name, "rows": table.num_rows, "problems": problems},
        )
    return as_bars(ts, *prices)


async def import_csv_dataset(
    session: AsyncSession,
    *,
    path: Path,
    symbol: str,
    timeframe: str,
    progress: ByteProgress | None = None,
) -> OhlcvDataset:
    """Read, validate and store a CSV file as the (symbol, timeframe, csv) dataset."""
    bars = read_ohlcv_csv(path, progress=progress)
    return await store_dataset(
        session,
        symbol=symbol,
        timeframe=timeframe,
        source="csv",
        bars=bars,
        quality_extra={"file": path.name},
    )
