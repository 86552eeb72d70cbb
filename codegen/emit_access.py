"""GraphQL root-field access levels from the catalog: a route's level passes to the GraphQL
fields it names, `graphql=` a Query field (unless it is also the route's `mutation=`, the
control routes whose only twin is their mutation) and `mutation=` a Mutation field."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from codegen.emit_python import HEADER
from codegen.model import Route

# strictest last: a Halyrd level is open on loopback, so it ranks below the key it needs
RANK = {"public": 0, "halyrd_read": 1, "api": 2, "halyrd_write": 3, "operator": 4}


def named_fields(routes: Sequence[Route]) -> dict[tuple[str, str], list[Route]]:
    """(root type, field) -> the routes naming it."""
    found: dict[tuple[str, str], list[Route]] = defaultdict(list)
    for route in routes:
        if route.mutation:
            found["Mutation", route.mutation].append(route)
        if route.graphql and route.graphql != route.mutation:
            found["Query", route.graphql].append(route)
    return found


def root_levels(routes: Sequence[Route]) -> tuple[dict[str, dict[str, str]], list[str]]:
    """Each named field's level (the strictest of its routes'), and a note per disagreement."""
    levels: dict[str, dict[str, str]] = {"Query": {}, "Mutation": {}}
    notes = []
    for (root, name), named in sorted(named_fields(routes).items()):
        level = max((r.level for r in named), key=RANK.__getitem__)
        levels[root][name] = level
        if len({r.level for r in named}) > 1:
            said = ", ".join(f"{r.key} ({r.level})" for r in named)
            notes.append(f"{root}.{name}: routes disagree, the strictest ({level}) wins: {said}")
    return levels, notes


def render_graphql_access(routes: Sequence[Route]) -> str:
    levels, notes = root_levels(routes)
    by_field = named_fields(routes)
    lines = [HEADER, '"""GraphQL root-field levels derived from the route catalog: each field a']
    lines += [
        'route names (`graphql=`, `mutation=`) takes that route\'s level (schema/access.py)."""'
    ]
    lines += [
        "",
        "from __future__ import annotations",
        "",
        "from resolvers.access import Level",
        "",
    ]
    lines += [f"# {note}" for note in notes]
    lines += ["ROOT_LEVELS: dict[str, dict[str, Level]] = {"]
    for root, fields in levels.items():
        lines.append(f"    {root!r}: {{")
        for name, level in fields.items():
            named = by_field[root, name]
            more = f" and {len(named) - 1} more" if len(named) > 1 else ""
            lines.append(f"        {name!r}: {level!r},  # {named[0].key}{more}")
        lines.append("    },")
    lines.append("}")
    return "\n".join(lines) + "\n"
