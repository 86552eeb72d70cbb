"""No surface bypasses another: a GraphQL field returning a REST route's data is gated at that
route's level, and every root field and object type of the schema has a level."""

from __future__ import annotations

import pytest
from graphql import GraphQLInterfaceType, GraphQLObjectType

from codegen.catalog import ROUTES
from schema.access import ROOT_LEVELS, TYPE_LEVELS, type_level
from schema.root import build_schema

TWINS = [r for r in ROUTES if r.graphql]
SCHEMA = build_schema()._schema


@pytest.mark.parametrize("route", TWINS, ids=lambda r: r.key)
def test_graphql_twin_has_the_route_level(route: object) -> None:
    field = route.graphql  # type: ignore[attr-defined]
    level = ROOT_LEVELS["Query"].get(field) or ROOT_LEVELS["Mutation"].get(field)
    assert level == route.level  # type: ignore[attr-defined]


@pytest.mark.parametrize("root", ["Query", "Mutation", "Subscription"])
def test_every_root_field_is_classified(root: str) -> None:
    fields = set(SCHEMA.type_map[root].fields)  # type: ignore[attr-defined]
    assert fields <= set(ROOT_LEVELS[root]), fields - set(ROOT_LEVELS[root])


def test_every_data_type_is_classified() -> None:
    """A new object type must be added to TYPE_LEVELS (or be a wrapper) deliberately."""
    roots = {"Query", "Mutation", "Subscription"}
    unclassified = [
        name
        for name, kind in SCHEMA.type_map.items()
        if isinstance(kind, GraphQLObjectType | GraphQLInterfaceType)
        and not name.startswith("__")
        and name not in roots
        and name not in TYPE_LEVELS
        and type_level(name) is not None
    ]
    assert unclassified == []
