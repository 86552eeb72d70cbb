"""Generation-time check of a route's argument mapping against its resolver's signature."""

from __future__ import annotations

import inspect
from collections.abc import Iterable

from codegen.model import Route

# what a generated handler passes besides the route's own mapping: the session, positionally
# (rest_compat/runtime.py `boundary`), and the server's lab to a resolver taking `lab`
INJECTED: frozenset[str] = frozenset({"lab"})
KEYWORD_KINDS = (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


class CatalogError(ValueError):
    """A catalog entry that cannot be generated as written."""


def check_resolvers(routes: Iterable[Route]) -> None:
    for route in routes:
        if route.state == "implemented":
            check_resolver(route)


def check_resolver(route: Route) -> None:
    """Every mapped keyword is one the resolver takes, and every keyword it requires is mapped."""
    assert route.resolver is not None, route.key
    where = f"{route.key}: resolver {route.resolver_module}.{route.resolver_name}"
    parameters = list(inspect.signature(route.resolver).parameters.values())
    if not parameters or parameters[0].kind not in (
        inspect.Parameter.POSITIONAL_ONLY,
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
    ):
        raise CatalogError(f"{where} must take the session as its first positional parameter")
    accepted = {p.name: p for p in parameters[1:] if p.kind in KEYWORD_KINDS}
    open_ended = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)
    mapped = [name for name, _ in route.fixed] + [p.keyword for p in route.params]
    for keyword in mapped:
        if mapped.count(keyword) > 1:
            raise CatalogError(f"{where}: keyword {keyword!r} is mapped more than once")
        if keyword not in accepted and not open_ended:
            raise CatalogError(f"{where} takes no keyword {keyword!r}")
    supplied = set(mapped) | INJECTED
    for parameter in parameters[1:]:
        required = parameter.default is inspect.Parameter.empty
        if parameter.kind is inspect.Parameter.POSITIONAL_ONLY:
            raise CatalogError(f"{where}: {parameter.name!r} is positional-only past the session")
        if required and parameter.kind in KEYWORD_KINDS and parameter.name not in supplied:
            raise CatalogError(f"{where} requires keyword {parameter.name!r}; the route maps none")


def injected(route: Route) -> list[str]:
    """The INJECTED keywords the route's resolver takes and the route does not map itself."""
    assert route.resolver is not None, route.key
    taken = inspect.signature(route.resolver).parameters
    mapped = {name for name, _ in route.fixed} | {p.keyword for p in route.params}
    return sorted(name for name in INJECTED if name in taken and name not in mapped)
