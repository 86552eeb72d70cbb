"""The key policy inside the schema: the AccessGuard extension (Strawberry's path) and the
lean executor, without the HTTP guard in front, so the GraphQL layer is shown to hold alone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from strawberry.extensions.validation_cache import _get_validate_cache

import schema.access
from schema.context import GraphQLContext
from schema.executor import Executor
from schema.root import build_schema

STRATEGIES = "{ strategies { totalCount } }"
HEALTH = "{ health { status } }"
CREATE = 'mutation { createHypothesis(input: {title: "in-process"}) { id } }'
EVENTS = 'subscription { events(topics: ["hypothesis.*"], since: 0) { topic } }'


def keys_of(app: Any) -> dict[str, str]:
    settings = app.state.settings
    return {"x-api-key": settings.api_key, "x-operator-key": settings.operator_key}


def context(app: Any, params: dict[str, Any] | None = None) -> GraphQLContext:
    return GraphQLContext(services=app.state.services, connection_params=params or {})


def codes(errors: Any) -> list[str]:
    return [error.extensions["code"] for error in errors or ()]


class TestStrawberryPath:
    async def test_a_context_without_keys_reaches_nothing_gated(self, app: Any) -> None:
        schema = build_schema()
        result = await schema.execute(HEALTH, context_value=context(app))
        assert result.data is None
        assert codes(result.errors) == ["INVALID_API_KEY"]

    async def test_payload_keys_are_enough(self, app: Any) -> None:
        schema = build_schema()
        result = await schema.execute(STRATEGIES, context_value=context(app, keys_of(app)))
        assert result.errors is None
        assert result.data == {"strategies": {"totalCount": 0}}

    async def test_the_cached_validation_result_is_never_changed(self, app: Any) -> None:
        """The refusal replaces ValidationCache's list; appending to it would refuse the next
        caller of the same document, who has the keys."""
        schema = build_schema()
        validate = _get_validate_cache(512)
        refused = await schema.execute(STRATEGIES, context_value=context(app))
        hits = validate.cache_info().hits
        allowed = await schema.execute(STRATEGIES, context_value=context(app, keys_of(app)))
        assert codes(refused.errors) == ["INVALID_API_KEY"]
        assert validate.cache_info().hits == hits + 1
        assert allowed.errors is None

    async def test_a_refused_mutation_runs_nothing(self, app: Any) -> None:
        schema = build_schema()
        operator_missing = {"x-api-key": app.state.settings.api_key}
        refused = await schema.execute(CREATE, context_value=context(app, operator_missing))
        listed = await schema.execute(
            "{ hypotheses { totalCount } }", context_value=context(app, keys_of(app))
        )
        assert codes(refused.errors) == ["INVALID_OPERATOR_KEY"]
        assert refused.errors and refused.errors[0].extensions == {
            "code": "INVALID_OPERATOR_KEY",
            "http": {"status": 401},
        }
        assert listed.data == {"hypotheses": {"totalCount": 0}}

    async def test_subscriptions_meet_the_policy(self, app: Any) -> None:
        schema = build_schema()
        await schema.execute(CREATE, context_value=context(app, keys_of(app)))
        results = []
        for params in (None, keys_of(app)):
            stream = await schema.subscribe(EVENTS, context_value=context(app, params))
            assert isinstance(stream, AsyncIterator)
            try:
                results.append(await anext(stream))
            finally:
                await stream.aclose()
        refused, first = results
        assert refused.data is None
        assert codes(refused.errors) == ["INVALID_API_KEY"]
        assert first.data == {"events": {"topic": "hypothesis.created"}}

    async def test_a_foreign_context_fails_closed(self, app: Any) -> None:
        schema = build_schema()
        result = await schema.execute("{ __typename }", context_value={"keys": "anything"})
        assert result.data is None
        assert codes(result.errors) == ["INTERNAL_SERVER_ERROR"]


class TestLeanExecutor:
    async def test_refuses_with_the_policys_error(self, app: Any) -> None:
        executor = Executor(build_schema())
        result = await executor.execute(STRATEGIES, context=context(app))
        assert result.data is None
        assert codes(result.errors) == ["INVALID_API_KEY"]
        allowed = await executor.execute(STRATEGIES, context=context(app, keys_of(app)))
        assert allowed.errors is None

    async def test_request_headers_come_before_the_payload(self, app: Any) -> None:
        class Request:
            headers = {"x-api-key": "guess"}

        executor = Executor(build_schema())
        ctx = context(app, keys_of(app))
        ctx.request = Request()
        result = await executor.execute(STRATEGIES, context=ctx)
        assert codes(result.errors) == ["INVALID_API_KEY"]

    async def test_levels_are_computed_once_per_document(
        self, app: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The lean path builds nothing per request: the document comes from the prepare
        cache, and the policy caches its levels by document."""
        calls: list[str] = []
        real = schema.access.required_levels

        def counting(*args: Any, **kwargs: Any) -> Any:
            calls.append("levels")
            return real(*args, **kwargs)

        monkeypatch.setattr(schema.access, "required_levels", counting)
        executor = Executor(build_schema())
        for _ in range(5):
            result = await executor.execute(STRATEGIES, context=context(app, keys_of(app)))
            assert result.errors is None
        assert calls == ["levels"]
        assert executor.prepare.cache_info().misses == 1

    async def test_an_invalid_document_keeps_its_validation_errors(self, app: Any) -> None:
        executor = Executor(build_schema())
        result = await executor.execute("{ strategies { nope } }", context=context(app))
        assert codes(result.errors) == ["GRAPHQL_VALIDATION_FAILED"]
