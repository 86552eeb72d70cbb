"""Integers beyond 64 bits are bad input (422), not a driver overflow (500)."""

from __future__ import annotations

import httpx
import pytest

HUGE = 2**63


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", f"/api/hypotheses/{HUGE}", None),
        ("POST", "/api/lifecycle/transition", {"strategy_id": HUGE, "target": "paper"}),
        (
            "POST",
            "/api/backtesting/strategies",
            {"hypothesis_id": HUGE, "name": "x", "family": "ma_cross", "symbol": "BTC"},
        ),
        ("GET", f"/api/trades?limit={HUGE}", None),
    ],
)
async def test_huge_integers_are_422(
    client: httpx.AsyncClient, method: str, path: str, body: object
) -> None:
    response = await client.request(method, path, json=body)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "VALIDATION_ERROR"
