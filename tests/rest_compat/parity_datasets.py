"""Parity cases of the dataset routes (collected by test_parity.py): the demo's synthetic
datasets, and a fetch from the HyperLiquid stub compared with the GraphQL list of it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx

from tests.resolvers.research.hyperliquid_stub import HyperliquidStub, history
from tests.rest_compat.parity_kit import Case, Ids, normalize, paged, rest_get, rest_send, selection

_STUB: list[HyperliquidStub] = []


def shared_stub() -> HyperliquidStub:
    """One stub for the whole test process (the parity fixture has no teardown)."""
    if not _STUB:
        _STUB.append(HyperliquidStub().__enter__())
        _STUB[0].script.candles = history(48)
    return _STUB[0]


def fetched(ids: Ids, rest: Any) -> tuple[str, Any]:
    """The dataset a fetch stored, as the GraphQL list reads it."""
    query = (
        f'{{ x: datasets(symbol: "{rest["symbol"]}", timeframe: "1h") '
        f"{{ nodes {{ {selection('OhlcvDataset')} }} }} }}"
    )
    return query, lambda data: normalize("OhlcvDataset", data["x"]["nodes"][0])


CASES: list[Case] = [
    Case("list_datasets", rest_get("/api/backtesting/datasets", timeframe="1h", limit=2),
         paged("OhlcvDataset", "datasets", '(timeframe: "1h", first: 2)')),
    Case("fetch_ohlcv",
         rest_send("POST", "/api/fetch",
                   lambda ids: {"symbol": "PARITY", "start": "2026-01-01T00:00:00Z",
                                "end": "2026-01-02T23:00:00Z"}),
         fetched),
]  # fmt: skip


async def prepare(client: httpx.AsyncClient, ids: Ids) -> Ids:
    """The app's lab (ids["lab"] is the app's own) fetches from the stub; the demo stored the
    synthetic datasets the list reads."""
    lab = ids["lab"]
    lab.config = replace(lab.config, hyperliquid_url=shared_stub().url)
    return {}
