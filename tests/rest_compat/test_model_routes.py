"""The model routes through the generated layer: options, the policy, PUT's refusals that
write nothing, the GraphQL mutation, and the operator gate."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest

from storage.providers import ModelPolicy
from tests.labs import app_lab, use_lab
from tests.resolvers.models.openai_stub import OpenAIStub, Script
from tests.rest_compat.test_forven_routes import assert_error, count_rows, events
from tests.schema.helpers import error_codes, gql

OPTION_KEYS = {"provider", "configured", "models", "fetched_at", "cached", "error_code", "error"}
LAB_ROUTE = {"provider": "lab", "model": "lab-analyst", "fallback": []}


@pytest.fixture
def stub(app: Any) -> Iterator[OpenAIStub]:
    """An OpenAI-compatible stub the app's lab is configured for."""
    with OpenAIStub(Script(models=["stub-small"])) as running:
        lab = app_lab(app)
        use_lab(app, replace(lab, config=replace(lab.config, openai_base_url=running.url)))
        yield running


class TestModelOptions:
    async def test_lab_and_unconfigured_openai(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/agents/model-options")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["ttl_seconds"] == 300
        assert [set(p) for p in body["providers"]] == [OPTION_KEYS, OPTION_KEYS]
        lab, http = body["providers"]
        assert (lab["provider"], lab["models"]) == ("lab", ["lab-analyst"])
        assert (http["provider"], http["configured"]) == ("openai", False)

    async def test_refresh_refetches(self, client: httpx.AsyncClient, stub: OpenAIStub) -> None:
        first = (await client.get("/api/agents/model-options")).json()["providers"][1]
        stub.script.models = ["stub-small", "stub-large"]
        cached = (await client.get("/api/agents/model-options")).json()["providers"][1]
        fresh = await client.get("/api/agents/model-options", params={"refresh": "true"})
        assert first["models"] == cached["models"] == ["stub-small"] and cached["cached"]
        assert fresh.json()["providers"][1]["models"] == ["stub-large", "stub-small"]

    async def test_a_failing_provider_still_answers_200(
        self, client: httpx.AsyncClient, stub: OpenAIStub
    ) -> None:
        stub.script.status = 500
        response = await client.get("/api/agents/model-options")
        assert response.status_code == 200
        assert response.json()["providers"][1]["error_code"] == "PROVIDER_ERROR"

    async def test_bad_refresh_and_unknown_param(self, client: httpx.AsyncClient) -> None:
        bad = await client.get("/api/agents/model-options", params={"refresh": "maybe"})
        assert bad.status_code == 422
        other = await client.get("/api/agents/model-options", params={"nope": "1"})
        assert_error(other, 422, "UNKNOWN_PARAMETER")

    async def test_needs_the_operator_key(self, client: httpx.AsyncClient) -> None:
        response = await client.get(
            "/api/agents/model-options", headers={"x-operator-key": "wrong"}
        )
        assert response.status_code == 401


class TestModelPolicy:
    async def test_default_then_put(
        self, app: Any, client: httpx.AsyncClient, stub: OpenAIStub
    ) -> None:
        default = await client.get("/api/model-policy")
        assert default.status_code == 200
        assert default.json()["updated_at"] is None
        assert [t["task_kind"] for t in default.json()["tasks"]] == [
            "chat",
            "research",
            "classification",
            "routine",
        ]
        route = {"provider": "openai", "model": "stub-small", "fallback": [LAB_ROUTE]}
        put = await client.put("/api/model-policy", json={"tasks": {"chat": route}})
        assert put.status_code == 200, put.text
        chat = put.json()["tasks"][0]
        assert chat == {
            "task_kind": "chat",
            "provider": "openai",
            "model": "stub-small",
            "fallback": [{"provider": "lab", "model": "lab-analyst"}],
        }
        assert (await client.get("/api/model-policy")).json() == put.json()
        assert await events(app, "model_policy.updated") == 1

    @pytest.mark.parametrize(
        ("tasks", "code"),
        [
            ({"poetry": LAB_ROUTE}, "UNKNOWN_TASK_KIND"),
            ({"chat": {**LAB_ROUTE, "provider": "acme"}}, "UNKNOWN_PROVIDER"),
            ({"chat": {**LAB_ROUTE, "model": "gpt-9"}}, "UNKNOWN_MODEL"),
            ({"chat": {"provider": "lab"}}, "INVALID_POLICY"),
        ],
    )
    async def test_refusals_write_nothing(
        self, app: Any, client: httpx.AsyncClient, tasks: dict[str, Any], code: str
    ) -> None:
        response = await client.put("/api/model-policy", json={"tasks": tasks})
        assert_error(response, 422, code)
        assert await count_rows(app, ModelPolicy) == 0
        assert await events(app) == 0

    async def test_missing_body(self, client: httpx.AsyncClient) -> None:
        response = await client.put("/api/model-policy", json={})
        assert response.status_code == 422

    async def test_graphql_mutation(self, client: httpx.AsyncClient) -> None:
        mutation = """mutation($tasks: JSON!) { updateModelPolicy(tasks: $tasks) {
            tasks { taskKind provider model fallback { provider model } } } }"""
        body = await gql(client, mutation, {"tasks": {"routine": LAB_ROUTE}})
        assert body["data"]["updateModelPolicy"]["tasks"][3]["taskKind"] == "routine"
        refused = await gql(client, mutation, {"tasks": {"poetry": LAB_ROUTE}})
        assert error_codes(refused) == ["UNKNOWN_TASK_KIND"]
