"""GraphQL root-field levels come from the route catalog, the few no route names from a short
hand list in schema/access.py; every root field of the built schema has exactly one source, so
none falls back to "operator" because someone forgot it."""

from __future__ import annotations

import pytest

from codegen.catalog import ROUTES
from codegen.emit_access import named_fields, root_levels
from codegen.model import Route
from codegen.route import route
from schema.access import HAND_LEVELS, ROOT_LEVELS
from schema.generated.access import ROOT_LEVELS as CATALOG_LEVELS
from schema.root import build_schema

SCHEMA = build_schema()._schema
ROOTS = ("Query", "Mutation", "Subscription")


def _fields(root: str) -> set[str]:
    fields = set(SCHEMA.type_map[root].fields)  # type: ignore[attr-defined]
    return fields | ({"__schema", "__type"} if root == "Query" else set())


@pytest.mark.parametrize("root", ROOTS)
def test_every_root_field_has_one_source(root: str) -> None:
    catalog = set(CATALOG_LEVELS.get(root, {}))
    hand = set(HAND_LEVELS.get(root, {}))
    assert not catalog & hand, f"kept by hand although a route names them: {catalog & hand}"
    assert _fields(root) == catalog | hand, (
        _fields(root) - catalog - hand,
        catalog | hand - _fields(root),
    )


@pytest.mark.parametrize("root", ROOTS)
def test_the_merged_table_is_both_sources(root: str) -> None:
    assert ROOT_LEVELS[root] == {**CATALOG_LEVELS.get(root, {}), **HAND_LEVELS[root]}


def test_the_generated_table_is_the_catalogs() -> None:
    levels, notes = root_levels(ROUTES)
    assert levels == {root: CATALOG_LEVELS[root] for root in ("Query", "Mutation")}
    assert notes == []


@pytest.mark.parametrize(
    "writing", [r for r in ROUTES if r.state == "implemented" and r.writes], ids=lambda r: r.key
)
def test_a_writing_route_names_the_mutation_doing_it(writing: Route) -> None:
    if writing.key == "DELETE /api/agents/{id}":
        pytest.skip("GraphQL has no mutation deleting a lab agent")
    assert writing.mutation in _fields("Mutation")


def _named(field: str, auth: str, method: str = "GET") -> Route:
    return route(method=method, path=f"/api/{auth}", api="forven", router="x", summary="x",
                 op=f"op_{auth}", auth=auth, graphql=field)  # type: ignore[arg-type]  # fmt: skip


def test_the_strictest_level_wins_and_is_reported() -> None:
    levels, notes = root_levels([_named("thing", "api"), _named("thing", "operator")])
    assert levels["Query"] == {"thing": "operator"}
    assert notes == [
        "Query.thing: routes disagree, the strictest (operator) wins: "
        "GET /api/api (api), GET /api/operator (operator)"
    ]


def test_a_mutation_twin_is_a_mutation_field() -> None:
    control = route(method="POST", path="/api/x", api="forven", router="x", summary="x",
                    op="do_x", graphql="doX", mutation="doX")  # fmt: skip
    assert set(named_fields([control])) == {("Mutation", "doX")}
