"""`complete`: the policy's chain tried in order, every attempt recorded in model_calls."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import InvalidInput
from resolvers.lab.services import Lab
from resolvers.models.complete import complete
from resolvers.models.policy import update_model_policy
from resolvers.models.providers import ProviderError
from storage.providers import ModelCall
from tests.resolvers.models.openai_stub import OpenAIStub, Script

HELLO = [{"role": "user", "content": "hello"}]
LAB_ROUTE = {"provider": "lab", "model": "lab-analyst"}


def priced(lab: Lab, url: str) -> Lab:
    config = replace(lab.config, openai_base_url=url, openai_prices={"stub-large": (1.0, 2.0)})
    return replace(lab, config=config)


async def calls(session: AsyncSession) -> list[ModelCall]:
    return list(await session.scalars(select(ModelCall).order_by(ModelCall.id)))


class TestComplete:
    async def test_default_policy_answers_with_lab_at_no_cost(
        self, session: AsyncSession, lab: Lab
    ) -> None:
        done = await complete(session, task_kind="chat", messages=HELLO, lab=lab)  # type: ignore[arg-type]
        assert (done.provider, done.model) == ("lab", "lab-analyst")
        assert done.text.startswith("The lab: strategies by stage")
        [row] = await calls(session)
        assert (row.task_kind, row.ok, row.cost_usd, row.priced) == ("chat", True, 0.0, True)
        assert row.completion_tokens == len(done.text.split()) and row.latency_ms >= 0

    async def test_http_call_is_priced(self, session: AsyncSession, lab: Lab) -> None:
        with OpenAIStub(Script(models=["stub-large", "stub-small"], reply="a b c d")) as stub:
            served = priced(lab, stub.url)
            await update_model_policy(
                session,
                lab=served,
                tasks={
                    "research": {"provider": "openai", "model": "stub-large"},
                    "routine": {"provider": "openai", "model": "stub-small"},
                },
            )
            done = await complete(session, task_kind="research", messages=HELLO, lab=served)  # type: ignore[arg-type]
            await complete(session, task_kind="routine", messages=HELLO, lab=served)  # type: ignore[arg-type]
        assert (done.text, done.provider) == ("a b c d", "openai")
        large, small = await calls(session)
        # 7 prompt tokens at $1/M and 4 completion tokens at $2/M
        assert large.cost_usd == pytest.approx(15e-6) and large.priced
        assert (small.cost_usd, small.priced) == (0.0, False)

    async def test_falls_back_and_records_both_attempts(
        self, session: AsyncSession, lab: Lab
    ) -> None:
        with OpenAIStub(Script(models=["stub-large"])) as stub:
            served = priced(lab, stub.url)
            await update_model_policy(
                session,
                lab=served,
                tasks={
                    "chat": {"provider": "openai", "model": "stub-large", "fallback": [LAB_ROUTE]},
                },
            )
            stub.script.status = 500
            done = await complete(session, task_kind="chat", messages=HELLO, lab=served)  # type: ignore[arg-type]
        assert done.provider == "lab"
        failed, answered = await calls(session)
        assert (failed.provider, failed.ok, failed.error_code) == (
            "openai",
            False,
            "PROVIDER_ERROR",
        )
        assert (answered.provider, answered.ok, answered.error_code) == ("lab", True, None)
        assert [c.id for c in done.calls] == [failed.id, answered.id]

    async def test_unconfigured_provider_falls_back(self, session: AsyncSession, lab: Lab) -> None:
        with OpenAIStub(Script(models=["stub-large"])) as stub:
            await update_model_policy(
                session,
                lab=priced(lab, stub.url),
                tasks={
                    "chat": {"provider": "openai", "model": "stub-large", "fallback": [LAB_ROUTE]},
                },
            )
        done = await complete(session, task_kind="chat", messages=HELLO, lab=lab)  # type: ignore[arg-type]
        assert done.provider == "lab"
        assert [c.error_code for c in await calls(session)] == ["PROVIDER_NOT_CONFIGURED", None]

    async def test_every_provider_failing_raises_the_last_error(
        self, session: AsyncSession, lab: Lab
    ) -> None:
        with OpenAIStub(Script(models=["stub-large"])) as stub:
            served = priced(lab, stub.url)
            await update_model_policy(
                session,
                lab=served,
                tasks={
                    "chat": {"provider": "openai", "model": "stub-large"},
                },
            )
            stub.script.status = 502
            with pytest.raises(ProviderError) as caught:
                await complete(session, task_kind="chat", messages=HELLO, lab=served)  # type: ignore[arg-type]
        assert caught.value.details["attempts"] == [
            {"provider": "openai", "model": "stub-large", "error_code": "PROVIDER_ERROR"}
        ]
        assert [c.ok for c in await calls(session)] == [False]

    async def test_unknown_task_kind(self, session: AsyncSession, lab: Lab) -> None:
        with pytest.raises(InvalidInput) as caught:
            await complete(session, task_kind="poetry", messages=HELLO, lab=lab)  # type: ignore[arg-type]
        assert caught.value.code == "UNKNOWN_TASK_KIND"
