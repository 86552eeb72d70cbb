"""LeafObjects (schema/leaf_objects.py) answers exactly what graphql-core's own execution
answers, data and errors alike, and takes its one step where it may."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any

import pytest
import strawberry
from graphql import execute, parse
from graphql.execution.incremental.incremental_executor import IncrementalExecutor
from strawberry.scalars import JSON

from schema.leaf_objects import LeafObjects


@strawberry.enum
class Color(Enum):
    RED = "red"
    BLUE = "blue"


class Broken(Exception):
    pass


@dataclass
class Row:
    id: int
    name: str
    color: str
    at: datetime
    data: Any
    note: str | None
    must: str | None = "here"  # a non-null field the test sets to None

    @property
    def explodes(self) -> str:
        raise Broken("no value")


@strawberry.type
class Thing:
    id: strawberry.ID
    name: str
    color: Color
    at: datetime
    data: JSON
    note: str | None
    must: str
    explodes: str

    @strawberry.field
    def shout(self, times: int = 1) -> str:
        return self.name.upper() * times


ROWS = [
    Row(1, "alpha", "red", datetime(2026, 1, 1, tzinfo=UTC), {"k": [1, 2]}, None),
    Row(2, "beta", "blue", datetime(2026, 1, 2, tzinfo=UTC), [None, "x"], "n"),
]


@strawberry.type
class Query:
    @strawberry.field
    def things(self) -> list[Thing]:
        return ROWS  # type: ignore[return-value]  # rows stand in for the type, as views do

    @strawberry.field
    def broken(self) -> list[Thing]:
        return [Row(3, "gamma", "red", ROWS[0].at, None, None, must=None)]  # type: ignore[list-item]


SCHEMA = strawberry.Schema(query=Query)._schema


def both(query: str) -> tuple[Any, Any]:
    document = parse(query)
    plain = execute(SCHEMA, document, executor_class=IncrementalExecutor)
    fast = execute(SCHEMA, document, executor_class=LeafObjects)
    return plain, fast


def formatted(result: Any) -> Any:
    return result.data, [e.formatted for e in result.errors or ()]


@pytest.mark.parametrize(
    "query",
    [
        "{ things { id name color at data note } }",
        "{ things { a: id b: name id __typename } }",
        "{ things { ...F } } fragment F on Thing { id color }",
        "query($x: Boolean!) { things { id name @include(if: $x) } }",
        "{ things { id shout } }",  # a resolver field: the ordinary path
        "{ things { id shout(times: 2) name } }",
        "{ broken { id must } }",  # null in a non-null field: the ordinary error
        "{ things { id explodes } }",  # an attribute that raises: the ordinary error
        "{ broken { id } things { name color } }",
    ],
)
def test_answers_as_graphql_core_does(query: str) -> None:
    if "$x" in query:
        document = parse(query)
        for value in (True, False):
            plain = execute(
                SCHEMA, document, executor_class=IncrementalExecutor, variable_values={"x": value}
            )
            fast = execute(
                SCHEMA, document, executor_class=LeafObjects, variable_values={"x": value}
            )
            assert formatted(fast) == formatted(plain)
        return
    plain, fast = both(query)
    assert formatted(fast) == formatted(plain)


def test_the_one_step_is_taken_for_plain_leaf_objects(monkeypatch: pytest.MonkeyPatch) -> None:
    ordinary: list[str] = []
    original = IncrementalExecutor.collect_and_execute_subfields

    def counting(self: Any, return_type: Any, *args: Any) -> Any:
        ordinary.append(return_type.name)
        return original(self, return_type, *args)

    monkeypatch.setattr(IncrementalExecutor, "collect_and_execute_subfields", counting)
    fast = execute(SCHEMA, parse("{ things { id name color } }"), executor_class=LeafObjects)
    assert fast.data == {
        "things": [
            {"id": "1", "name": "alpha", "color": "RED"},
            {"id": "2", "name": "beta", "color": "BLUE"},
        ]
    }
    assert ordinary == []  # no Thing went through graphql-core's per-field execution
    execute(SCHEMA, parse("{ things { id shout } }"), executor_class=LeafObjects)
    assert ordinary == ["Thing", "Thing"]  # a resolver field: each one did
