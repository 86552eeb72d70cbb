"""The model policy: its default, PUT's replacement of named kinds, and every refusal."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import InvalidInput
from resolvers.lab.services import Lab, build_lab
from resolvers.models.options import list_model_options
from resolvers.models.policy import get_model_policy, update_model_policy
from storage.events import Event
from tests.resolvers.models.openai_stub import OpenAIStub, Script
from tests.resolvers.models.test_openai import free_port

LAB_ROUTE = {"provider": "lab", "model": "lab-analyst"}


def with_openai(lab: Lab, url: str) -> Lab:
    return replace(lab, config=replace(lab.config, openai_base_url=url))


def routes(view: Any) -> dict[str, tuple[str, str, list[tuple[str, str]]]]:
    return {
        t.task_kind: (t.provider, t.model, [(f.provider, f.model) for f in t.fallback])
        for t in view.tasks
    }


async def refused(session: AsyncSession, lab: Lab, tasks: Any) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        await update_model_policy(session, lab=lab, tasks=tasks)
    return caught.value


class TestGetModelPolicy:
    async def test_default_is_lab_everywhere(self, session: AsyncSession) -> None:
        view = await get_model_policy(session)
        assert routes(view) == dict.fromkeys(
            ("chat", "research", "classification", "routine"), ("lab", "lab-analyst", [])
        )
        assert view.updated_at is None


class TestUpdateModelPolicy:
    async def test_replaces_named_kinds_keeps_others_and_writes_an_event(
        self, session: AsyncSession, lab: Lab
    ) -> None:
        with OpenAIStub(Script(models=["stub-small"])) as stub:
            served = with_openai(lab, stub.url)
            tasks = {
                "research": {"provider": "openai", "model": "stub-small", "fallback": [LAB_ROUTE]}
            }
            view = await update_model_policy(session, lab=served, tasks=tasks)
        assert routes(view)["research"] == ("openai", "stub-small", [("lab", "lab-analyst")])
        assert routes(view)["chat"] == ("lab", "lab-analyst", [])
        assert routes(await get_model_policy(session)) == routes(view)
        topics = list(await session.scalars(select(Event.topic)))
        assert topics == ["model_policy.updated"]

    async def test_unknown_task_kind(self, session: AsyncSession, lab: Lab) -> None:
        error = await refused(session, lab, {"poetry": LAB_ROUTE})
        assert (error.code, error.details["field"]) == ("UNKNOWN_TASK_KIND", "tasks.poetry")

    async def test_unknown_provider(self, session: AsyncSession, lab: Lab) -> None:
        error = await refused(session, lab, {"chat": {"provider": "openai", "model": "x"}})
        assert (error.code, error.details["field"]) == ("UNKNOWN_PROVIDER", "tasks.chat.provider")

    async def test_unknown_lab_model(self, session: AsyncSession, lab: Lab) -> None:
        error = await refused(session, lab, {"chat": {"provider": "lab", "model": "gpt-9"}})
        assert (error.code, error.details["field"]) == ("UNKNOWN_MODEL", "tasks.chat.model")

    async def test_unknown_http_model_in_the_fallback(
        self, session: AsyncSession, lab: Lab
    ) -> None:
        with OpenAIStub(Script(models=["stub-small"])) as stub:
            tasks = {"chat": {**LAB_ROUTE, "fallback": [{"provider": "openai", "model": "nope"}]}}
            error = await refused(session, with_openai(lab, stub.url), tasks)
        assert (error.code, error.details["field"]) == (
            "UNKNOWN_MODEL",
            "tasks.chat.fallback[0].model",
        )
        assert error.details["models"] == ["stub-small"]

    async def test_unreachable_provider_cannot_be_verified(
        self, session: AsyncSession, lab: Lab
    ) -> None:
        down = with_openai(lab, f"http://127.0.0.1:{free_port()}")
        error = await refused(session, down, {"chat": {"provider": "openai", "model": "m"}})
        assert error.code == "MODEL_UNVERIFIED"
        assert error.details["provider_error"] == "PROVIDER_UNREACHABLE"

    @pytest.mark.parametrize(
        ("tasks", "field"),
        [
            (None, "tasks"),
            ({}, "tasks"),
            ({"chat": "lab"}, "tasks.chat"),
            ({"chat": {"provider": "lab"}}, "tasks.chat"),
            ({"chat": {**LAB_ROUTE, "fallback": "lab"}}, "tasks.chat.fallback"),
            ({"chat": {**LAB_ROUTE, "fallback": [{"model": "x"}]}}, "tasks.chat.fallback[0]"),
        ],
    )
    async def test_malformed(self, session: AsyncSession, lab: Lab, tasks: Any, field: str) -> None:
        error = await refused(session, lab, tasks)
        assert (error.code, error.details["field"]) == ("INVALID_POLICY", field)


class TestModelOptions:
    async def test_lab_only_without_settings(self, session: AsyncSession, lab: Lab) -> None:
        options = await list_model_options(session, lab=lab)
        lab_models, http = options.providers
        assert (lab_models.provider, lab_models.models) == ("lab", ["lab-analyst"])
        assert (http.provider, http.configured, http.models) == ("openai", False, [])

    async def test_cached_until_refresh(self, session: AsyncSession, lab: Lab) -> None:
        with OpenAIStub(Script(models=["one"])) as stub:
            served = with_openai(lab, stub.url)
            first = (await list_model_options(session, lab=served)).providers[1]
            stub.script.models = ["one", "two"]
            cached = (await list_model_options(session, lab=served)).providers[1]
            fresh = (await list_model_options(session, lab=served, refresh=True)).providers[1]
        assert (first.models, first.cached) == (["one"], False)
        assert (cached.models, cached.cached) == (["one"], True)
        assert (fresh.models, fresh.cached) == (["one", "two"], False)
        assert len(stub.script.requests) == 2

    async def test_each_lab_keeps_its_own_cache(self, session: AsyncSession, lab: Lab) -> None:
        with OpenAIStub(Script(models=["one"])) as stub:
            served = with_openai(lab, stub.url)
            await list_model_options(session, lab=served)
            other = with_openai(build_lab(), stub.url)
            again = (await list_model_options(session, lab=other)).providers[1]
        assert (again.models, again.cached) == (["one"], False)
        assert len(stub.script.requests) == 2

    async def test_a_failing_provider_is_listed_with_its_error(
        self, session: AsyncSession, lab: Lab
    ) -> None:
        with OpenAIStub(Script(status=503)) as stub:
            http = (await list_model_options(session, lab=with_openai(lab, stub.url))).providers[1]
        assert (http.configured, http.models, http.error_code) == (True, [], "PROVIDER_ERROR")
