"""A route's path/query/body/fixed mapping is checked against its resolver's signature when
the routers are generated: a keyword the resolver lacks, or one it requires and the route does
not supply, fails generation naming the route and the keyword."""

from __future__ import annotations

from typing import Any

import pytest

from codegen.catalog import ROUTES
from codegen.emit_python import render_router
from codegen.model import Param, Response
from codegen.route import route
from codegen.signatures import CatalogError, check_resolver


async def get_thing(session: Any, *, thing_id: int, verbose: bool = False) -> Any:
    raise NotImplementedError


async def no_session(*, thing_id: int) -> Any:
    raise NotImplementedError


THING_ID = Param("id", "path", "int", required=True, arg="thing_id")


def _route(**overrides: Any) -> Any:
    spec: dict[str, Any] = {
        "method": "GET",
        "path": "/api/things/{id}",
        "api": "forven",
        "router": "things",
        "summary": "One thing.",
        "op": "get_thing",
        "state": "implemented",
        "resolver": get_thing,
        "params": (THING_ID,),
        "response": Response("one", "Thing"),
    }
    return route(**{**spec, **overrides})


def test_a_matching_mapping_passes() -> None:
    check_resolver(_route())
    check_resolver(_route(params=(THING_ID, Param("verbose", "query", "bool"))))
    check_resolver(_route(params=(), fixed=(("thing_id", 1),)))


def test_a_keyword_the_resolver_lacks_fails_naming_route_and_keyword() -> None:
    bad = _route(params=(THING_ID, Param("verbos", "query", "bool")))
    with pytest.raises(CatalogError, match=r"GET /api/things/\{id\}: resolver .*get_thing "
                       r"takes no keyword 'verbos'"):  # fmt: skip
        check_resolver(bad)


def test_a_wire_name_mapped_to_the_wrong_keyword_fails() -> None:
    bad = _route(params=(Param("id", "path", "int", required=True),))  # no arg="thing_id"
    with pytest.raises(CatalogError, match="takes no keyword 'id'"):
        check_resolver(bad)


def test_a_required_keyword_left_unmapped_fails() -> None:
    with pytest.raises(CatalogError, match="requires keyword 'thing_id'; the route maps none"):
        check_resolver(_route(params=()))


def test_a_keyword_mapped_twice_fails() -> None:
    with pytest.raises(CatalogError, match="'thing_id' is mapped more than once"):
        check_resolver(_route(fixed=(("thing_id", 1),)))


def test_the_resolver_takes_the_session_first() -> None:
    with pytest.raises(CatalogError, match="session as its first positional parameter"):
        check_resolver(_route(resolver=no_session))


def test_generation_fails_on_a_bad_mapping() -> None:
    with pytest.raises(CatalogError, match="takes no keyword 'verbos'"):
        render_router([_route(params=(THING_ID, Param("verbos", "query")))], {}, "x")


def test_only_implemented_routes_name_a_resolver() -> None:
    with pytest.raises(ValueError, match="implemented route names its resolver"):
        _route(state="planned")
    with pytest.raises(ValueError, match="implemented route names its resolver"):
        _route(resolver=None)


@pytest.mark.parametrize(
    "catalogued", [r for r in ROUTES if r.state == "implemented"], ids=lambda r: r.key
)
def test_every_catalogued_mapping_matches_its_resolver(catalogued: Any) -> None:
    check_resolver(catalogued)


async def get_result(session: Any, *, thing_id: int, result: str | None = None) -> Any:
    raise NotImplementedError


def test_a_param_shadowing_the_handlers_names_fails() -> None:
    shadowing = _route(resolver=get_result, params=(THING_ID, Param("result", "query")))
    with pytest.raises(CatalogError, match="param 'result' would shadow"):
        render_router([shadowing], {}, "x")
