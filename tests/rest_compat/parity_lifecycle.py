"""Parity cases of the Forven lifecycle routes (collected by test_parity.py)."""

from __future__ import annotations

import httpx

from tests.rest_compat.parity_kit import Case, Ids

CASES: list[Case] = []


async def prepare(client: httpx.AsyncClient, ids: Ids) -> Ids:
    """Ids these cases need beyond the shared ones (demo data is seeded already)."""
    return {}
