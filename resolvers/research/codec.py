"""OHLCV columns <-> Parquet bytes, and the content hash that does not depend on the codec.

The sha256 is of a canonical encoding, not of the Parquet bytes (which change with the
pyarrow version and its compression settings): the ASCII tag `tradegraph.ohlcv.v1`, a newline,
then each column whole, in the order ts, open, high, low, close, volume, as little-endian
int64 (ts, epoch seconds) and float64. Two datasets with the same bars have the same hash.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

FloatArray = npt.NDArray[np.float64]
PRICE_COLUMNS = ("open", "high", "low", "close", "volume")
COLUMNS = ("ts", *PRICE_COLUMNS)
HASH_TAG = b"tradegraph.ohlcv.v1\n"
# ts climbs by one interval a bar: delta encoding stores it in a few bytes; splitting float
# bytes into streams lets zstd find the shared exponents (about 25% smaller than plain).
_ENCODINGS = {"ts": "DELTA_BINARY_PACKED", **dict.fromkeys(PRICE_COLUMNS, "BYTE_STREAM_SPLIT")}


@dataclass(frozen=True, eq=False)
class Bars:
    """OHLCV columns as numpy arrays (ts in int64 epoch seconds, the open time of each bar)."""

    ts: npt.NDArray[np.int64]
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray

    def __len__(self) -> int:
        return len(self.ts)

    def columns(self) -> dict[str, npt.NDArray[np.generic]]:
        return {name: getattr(self, name) for name in COLUMNS}


def as_bars(
    ts: object, open: object, high: object, low: object, close: object, volume: object
) -> Bars:
    """Arrays of the canonical dtypes (int64 ts, float64 prices) from array-likes."""
    prices = [np.ascontiguousarray(a, dtype=np.float64) for a in (open, high, low, close, volume)]
    bars = Bars(np.ascontiguousarray(ts, dtype=np.int64), *prices)
    if len({len(a) for a in bars.columns().values()}) > 1:
        raise ValueError("OHLCV columns must all have the same length")
    return bars


def content_sha256(bars: Bars) -> str:
    """The sha256 of the canonical encoding described in the module docstring."""
    digest = hashlib.sha256(HASH_TAG)
    digest.update(bars.ts.astype("<i8", copy=False).tobytes())
    for name in PRICE_COLUMNS:
        digest.update(getattr(bars, name).astype("<f8", copy=False).tobytes())
    return digest.hexdigest()


def encode_parquet(bars: Bars) -> bytes:
    """Parquet bytes of the bars (zstd), one row group."""
    table = pa.table({name: pa.array(array) for name, array in bars.columns().items()})
    sink = pa.BufferOutputStream()
    pq.write_table(
        table,
        sink,
        compression="zstd",
        use_dictionary=False,
        column_encoding=_ENCODINGS,
        row_group_size=max(len(bars), 1),
    )
    blob: bytes = sink.getvalue().to_pybytes()
    return blob


def decode_parquet(blob: bytes) -> Bars:
    """The bars of `encode_parquet`'s bytes, each column one numpy array (no per-row Python)."""
    table = pq.read_table(pa.BufferReader(blob), columns=list(COLUMNS), use_threads=True)
    arrays = [table.column(name).to_numpy() for name in COLUMNS]
    return as_bars(*arrays)
