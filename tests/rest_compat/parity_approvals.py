"""Parity cases of the approval settings, revise and classify routes (collected by
test_parity.py): revise is compared with the GraphQL read of the approval it filed, classify
with the classification it stored."""

from __future__ import annotations

import httpx

from resolvers.approvals import create_approval
from tests.rest_compat.parity_kit import Case, Ids, one, rest_get, rest_send

CASES: list[Case] = [
    Case("get_approval_modes", rest_get("/api/approvals/modes"),
         one("ApprovalModes", "approvalModes", "")),
    Case("revise_approval",
         rest_send("POST", "/api/approvals/{revisable}/revise",
                   lambda ids: {"summary": "Revised by parity", "payload": {"window": 30}}),
         one("Approval", "approval", '(id: "{rest[id]}")')),
    Case("classify_approval", rest_send("POST", "/api/approvals/{revisable}/classify"),
         one("ApprovalClassification", "approvalClassification", '(id: "{revisable}")')),
]  # fmt: skip


async def prepare(client: httpx.AsyncClient, ids: Ids) -> Ids:
    """A pending routine approval to revise and classify."""
    async with ids["sessions"]() as session:
        made = await create_approval(
            session, type="routine", target_type="routine", target_id="parity", owner="brain",
            summary="Run the parity routine", payload={"tools": "list_trades, propose_approval"},
        )  # fmt: skip
        await session.commit()
    return {"revisable": made.id}
