"""What FORVEN_AUTH_REQUIRED hides (`build_schema(introspection=False, hide_suggestions=True)`),
on both execution paths: introspection, with rule sets built once so the validation caches keep
hitting, and every "Did you mean" hint at a name."""

from __future__ import annotations

from typing import Any

import pytest
from strawberry.extensions.validation_cache import _get_validate_cache

from schema.context import GraphQLContext
from schema.executor import Executor
from schema.limits import RULES, RULES_WITHOUT_INTROSPECTION
from schema.root import build_schema

INTROSPECTION = {
    "__schema": "{ __schema { queryType { name } } }",
    "__type": '{ __type(name: "Strategy") { fields { name } } }',
}


def keyed(app: Any) -> GraphQLContext:
    settings = app.state.settings
    params = {"x-api-key": settings.api_key, "x-operator-key": settings.operator_key}
    return GraphQLContext(services=app.state.services, connection_params=params)


def codes(errors: Any) -> list[str]:
    return [error.extensions["code"] for error in errors or ()]


def test_the_rule_sets_are_module_constants() -> None:
    assert build_schema().extra_rules is RULES
    assert build_schema(introspection=False).extra_rules is RULES_WITHOUT_INTROSPECTION


@pytest.mark.parametrize("query", list(INTROSPECTION.values()), ids=list(INTROSPECTION))
async def test_off_on_strawberrys_path(app: Any, query: str) -> None:
    result = await build_schema(introspection=False).execute(query, context_value=keyed(app))
    assert result.data is None
    assert set(codes(result.errors)) == {"GRAPHQL_VALIDATION_FAILED"}
    assert result.errors and "introspection" in result.errors[0].message.lower()


@pytest.mark.parametrize("query", list(INTROSPECTION.values()), ids=list(INTROSPECTION))
async def test_off_on_the_lean_path(app: Any, query: str) -> None:
    executor = Executor(build_schema(introspection=False))
    result = await executor.execute(query, context=keyed(app))
    assert result.data is None
    assert set(codes(result.errors)) == {"GRAPHQL_VALIDATION_FAILED"}


@pytest.mark.parametrize("query", list(INTROSPECTION.values()), ids=list(INTROSPECTION))
async def test_on_by_default(app: Any, query: str) -> None:
    strawberry_result = await build_schema().execute(query, context_value=keyed(app))
    lean_result = await Executor(build_schema()).execute(query, context=keyed(app))
    assert strawberry_result.errors is None and strawberry_result.data
    assert lean_result.errors is None and lean_result.data == strawberry_result.data


async def test_typename_stays(app: Any) -> None:
    result = await build_schema(introspection=False).execute(
        "{ __typename }", context_value=keyed(app)
    )
    assert result.data == {"__typename": "Query"}


async def test_the_validation_cache_still_hits(app: Any) -> None:
    schema = build_schema(introspection=False)
    validate = _get_validate_cache(512)
    query = "{ health { status } }"
    await schema.execute(query, context_value=keyed(app))
    before = validate.cache_info()
    for _ in range(3):
        await schema.execute(query, context_value=keyed(app))
    after = validate.cache_info()
    assert (after.hits, after.misses) == (before.hits + 3, before.misses)


NEAR_MISSES = {
    "field": ("{ strategie { totalCount } }", None),
    "argument": ("{ strategies(stag: PAPER) { totalCount } }", None),
    "enum literal": ("{ strategies(stage: PAPR) { totalCount } }", None),
    "enum variable": (
        "query($s: Stage) { strategies(stage: $s) { totalCount } }",
        {"s": "PAPR"},
    ),
}


@pytest.mark.parametrize("near_miss", list(NEAR_MISSES))
@pytest.mark.parametrize("hidden", [True, False])
async def test_suggestions_follow_hide_suggestions(app: Any, near_miss: str, hidden: bool) -> None:
    query, variables = NEAR_MISSES[near_miss]
    schema = build_schema(hide_suggestions=hidden)
    results = [
        await schema.execute(query, variable_values=variables, context_value=keyed(app)),
        await Executor(schema).execute(query, context=keyed(app), variables=variables),
    ]
    for result in results:
        assert result.errors, result
        messages = " ".join(error.message for error in result.errors)
        assert ("Did you mean" in messages) is not hidden, messages
