"""Parity cases of the model routes (collected by test_parity.py): the options, the policy,
and PUT compared with the GraphQL read of the policy it wrote."""

from __future__ import annotations

import httpx

from tests.rest_compat.parity_kit import Case, Ids, one, rest_get, rest_send

POLICY = one("ModelPolicy", "modelPolicy", "")
ROUTE = {"provider": "lab", "model": "lab-analyst", "fallback": []}

CASES: list[Case] = [
    Case("list_model_options", rest_get("/api/agents/model-options"),
         one("ModelOptions", "modelOptions", "")),
    Case("get_model_policy", rest_get("/api/model-policy"), POLICY),
    Case("update_model_policy",
         rest_send("PUT", "/api/model-policy", lambda ids: {"tasks": {"research": ROUTE}}),
         POLICY),
]  # fmt: skip


async def prepare(client: httpx.AsyncClient, ids: Ids) -> Ids:
    """Nothing: the default policy and the lab provider need no rows."""
    return {}
