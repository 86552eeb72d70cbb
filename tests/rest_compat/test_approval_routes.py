"""The approval settings, revise and classify routes through the generated layer, with their
statuses (200, 404, 409, 422), and the GraphQL mutation setting the approval modes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from resolvers.approval_decisions import decide_approval
from resolvers.approvals import create_approval
from resolvers.lab.services import Lab
from storage.approvals import Approval
from tests.rest_compat.helpers import sessions
from tests.rest_compat.test_forven_routes import assert_error, count_rows, events
from tests.schema.helpers import error_codes, gql

MODES_KEYS = {
    "mode", "deadline_seconds", "type_deadlines", "escalation_owner", "smart_threshold",
    "updated_at", "modes", "autonomy",
}  # fmt: skip
CLASSIFICATION_KEYS = {
    "approval_id", "risk_score", "reasons", "recommended", "classifier_version",
    "classified_at", "stored",
}  # fmt: skip
UPDATE = """mutation($mode: ApprovalMode, $deadline: Int, $owner: String, $threshold: Float) {
  updateApprovalModes(mode: $mode, deadlineSeconds: $deadline, escalationOwner: $owner,
                      smartThreshold: $threshold) {
    mode deadlineSeconds escalationOwner smartThreshold updatedAt
  }
}"""


@pytest.fixture
async def approvals(app: Any, lab: Lab) -> list[int]:
    """A pending routine approval and a denied one."""
    ids = []
    async with sessions(app)() as session:
        for _ in range(2):
            made = await create_approval(
                session, type="routine", target_type="routine", target_id="scan", owner="brain",
                summary="Scan", payload={"tools": "list_trades"},
            )  # fmt: skip
            ids.append(made.id)
        await decide_approval(session, approval_id=ids[1], decision="deny", lab=lab)
        await session.commit()
    return ids


class TestModes:
    async def test_defaults(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/approvals/modes")
        assert response.status_code == 200
        body = response.json()
        assert set(body) == MODES_KEYS
        assert (body["mode"], body["deadline_seconds"], body["escalation_owner"]) == (
            "manual", 86_400, "operator",
        )  # fmt: skip
        assert [m["mode"] for m in body["modes"]] == ["manual", "smart", "off"]

    async def test_unknown_query_parameter(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/approvals/modes", params={"mode": "smart"})
        assert_error(response, 422, "UNKNOWN_PARAMETER")

    async def test_graphql_mutation_sets_what_rest_reads(
        self, app: Any, client: httpx.AsyncClient
    ) -> None:
        variables = {"mode": "SMART", "deadline": 3600, "owner": "risk-desk", "threshold": 0.4}
        body = await gql(client, UPDATE, variables)
        assert "errors" not in body, body
        assert body["data"]["updateApprovalModes"]["mode"] == "SMART"
        rest = (await client.get("/api/approvals/modes")).json()
        assert (rest["mode"], rest["deadline_seconds"], rest["escalation_owner"]) == (
            "smart", 3600, "risk-desk",
        )  # fmt: skip
        assert rest["smart_threshold"] == 0.4 and rest["updated_at"] is not None
        assert await events(app, "approval_modes.updated") == 1

    @pytest.mark.parametrize(
        ("variables", "code"),
        [({}, "NO_CHANGES"), ({"deadline": 5}, "INVALID_DEADLINE"),
         ({"threshold": -0.1}, "INVALID_THRESHOLD"), ({"owner": ""}, "INVALID_OWNER")],
    )  # fmt: skip
    async def test_graphql_refusals_write_nothing(
        self, app: Any, client: httpx.AsyncClient, variables: dict[str, Any], code: str
    ) -> None:
        body = await gql(client, UPDATE, variables)
        assert error_codes(body) == [code]
        assert (await client.get("/api/approvals/modes")).json()["updated_at"] is None
        assert await events(app, "approval_modes.updated") == 0


class TestRevise:
    async def test_files_a_linked_revision(
        self, app: Any, client: httpx.AsyncClient, approvals: list[int]
    ) -> None:
        first = approvals[0]
        response = await client.post(
            f"/api/approvals/{first}/revise",
            json={"payload": {"tools": "get_strategy"}, "note": "read only"},
        )
        assert response.status_code == 200, response.text
        new = response.json()
        assert (new["status"], new["revision_of"], new["payload"]) == (
            "pending", first, {"tools": "get_strategy"},
        )  # fmt: skip
        assert new["classified_at"] is not None and new["classification"] == "approve"
        listed = (await client.get("/api/approvals", params={"revision_of": first})).json()
        assert [a["id"] for a in listed["items"]] == [new["id"]]
        statuses = (await client.get("/api/approvals", params={"status": "revised"})).json()
        assert [a["id"] for a in statuses["items"]] == [first]
        assert await events(app, "approval.revised") == 1
        chain = await gql(client, f'{{ approval(id: "{new["id"]}") {{ revisionChain {{ id }} }} }}')
        assert chain["data"]["approval"]["revisionChain"] == [
            {"id": str(first)}, {"id": str(new["id"])},
        ]  # fmt: skip

    @pytest.mark.parametrize(
        ("body", "code"),
        [({}, "NO_EDITS"), ({"note": "only a note"}, "NO_EDITS"),
         ({"payload": {"x": [1]}}, "INVALID_PAYLOAD")],
    )  # fmt: skip
    async def test_bad_edits_are_422_and_write_nothing(
        self, app: Any, client: httpx.AsyncClient, approvals: list[int], body: Any, code: str
    ) -> None:
        emitted = await events(app)
        response = await client.post(f"/api/approvals/{approvals[0]}/revise", json=body)
        assert_error(response, 422, code)
        assert await events(app) == emitted
        assert await count_rows(app, Approval) == 2

    async def test_unknown_body_field(
        self, client: httpx.AsyncClient, approvals: list[int]
    ) -> None:
        response = await client.post(
            f"/api/approvals/{approvals[0]}/revise", json={"summary": "x", "owner": "me"}
        )
        assert response.status_code == 422

    async def test_decided_is_409_and_unknown_404(
        self, app: Any, client: httpx.AsyncClient, approvals: list[int]
    ) -> None:
        emitted = await events(app)
        denied = await client.post(f"/api/approvals/{approvals[1]}/revise", json={"summary": "x"})
        assert_error(denied, 409, "APPROVAL_NOT_PENDING")
        missing = await client.post("/api/approvals/999/revise", json={"summary": "x"})
        assert_error(missing, 404, "NOT_FOUND")
        assert await events(app) == emitted


class TestClassify:
    async def test_pending_is_stored(
        self, app: Any, client: httpx.AsyncClient, approvals: list[int]
    ) -> None:
        response = await client.post(f"/api/approvals/{approvals[0]}/classify")
        assert response.status_code == 200
        body = response.json()
        assert set(body) == CLASSIFICATION_KEYS and body["stored"] is True
        assert body["recommended"] == "approve" and body["classifier_version"] == "rules-1"
        assert body["reasons"] == [
            {"rule": "routine_base", "points": 0.1, "detail": "a routine runs unattended"}
        ]
        listed = (await client.get("/api/approvals", params={"status": "pending"})).json()
        assert listed["items"][0]["risk_score"] == body["risk_score"]
        assert await events(app, "approval.classified") == 1

    async def test_decided_is_rescored_only(
        self, app: Any, client: httpx.AsyncClient, approvals: list[int]
    ) -> None:
        response = await client.post(f"/api/approvals/{approvals[1]}/classify")
        assert response.status_code == 200 and response.json()["stored"] is False
        assert await events(app, "approval.classified") == 0

    async def test_unknown_is_404(self, client: httpx.AsyncClient) -> None:
        assert_error(await client.post("/api/approvals/999/classify"), 404, "NOT_FOUND")
