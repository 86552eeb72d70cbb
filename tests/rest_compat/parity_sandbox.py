"""Parity cases of the sandbox routes (collected by test_parity.py)."""

from __future__ import annotations

import json
from typing import Any

from tests.rest_compat.parity_kit import Case, Ids, normalize, rest_send, selection

RISKY = "import math\nimport os\n\ndef signals(close):\n    return eval('[0] * len(close)')\n"


def scanned(ids: Ids, rest: Any) -> tuple[str, Any]:
    """sandboxScan of the same code."""
    query = f"{{ x: sandboxScan(code: {json.dumps(RISKY)}) {{ {selection('SandboxScan')} }} }}"
    return query, lambda data: normalize("SandboxScan", data["x"])


CASES: list[Case] = [
    Case("scan_strategy_code", rest_send("POST", "/api/sandbox/scan", lambda ids: {"code": RISKY}),
         scanned),
]  # fmt: skip


async def prepare(client: Any, ids: Ids) -> Ids:
    """Nothing: the scan reads no state."""
    return {}
