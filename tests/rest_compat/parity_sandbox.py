"""Parity cases of the sandbox routes (collected by test_parity.py, whose `ids` fixture enables
the sandbox). A kill of a finished run answers it as it ended, so the GraphQL twin of a test and
of a kill is the killSandboxRun mutation of the same run."""

from __future__ import annotations

import json
from typing import Any

from tests.rest_compat.parity_kit import Case, Ids, normalize, rest_send, selection

RISKY = "import math\nimport os\n\ndef signals(close):\n    return eval('[0] * len(close)')\n"
CLEAN = "import math\ndef signals(close):\n    return [math.copysign(1, c - 100) for c in close]\n"


def scanned(ids: Ids, rest: Any) -> tuple[str, Any]:
    """scanStrategyCode of the same code."""
    code, fields = json.dumps(RISKY), selection("SandboxScan")
    query = f"mutation {{ x: scanStrategyCode(code: {code}) {{ {fields} }} }}"
    return query, lambda data: normalize("SandboxScan", data["x"])


def killed(ids: Ids, rest: Any) -> tuple[str, Any]:
    """killSandboxRun of the run the REST call answered (it has ended: answered unchanged)."""
    document = (
        f'mutation {{ x: killSandboxRun(id: "{rest["id"]}") {{ {selection("SandboxRun")} }} }}'
    )
    return document, lambda data: normalize("SandboxRun", data["x"])


CASES: list[Case] = [
    Case("scan_strategy_code", rest_send("POST", "/api/sandbox/scan", lambda ids: {"code": RISKY}),
         scanned),
    Case("test_strategy_code",
         rest_send("POST", "/api/sandbox/test",
                   lambda ids: {"code": CLEAN, "run_id": "parity-test"}),
         killed),
    Case("kill_sandbox_run", rest_send("POST", "/api/sandbox/runs/parity-done/kill"), killed),
]  # fmt: skip


async def prepare(client: Any, ids: Ids) -> Ids:
    """A finished run to kill."""
    ran = await client.post("/api/sandbox/test", json={"code": CLEAN, "run_id": "parity-done"})
    assert ran.status_code == 200, ran.text
    return {}
