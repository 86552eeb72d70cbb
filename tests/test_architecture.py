"""Import direction: no framework below schema/, packages import only downwards, no cycles."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.import_graph import cycles, import_graph

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = ("fastapi", "starlette", "strawberry", "uvicorn", "graphql")
LAYERS = ("resolvers", "storage")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def offending(path: Path, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(name for name in imported_modules(path) if name.split(".")[0] in forbidden)


@pytest.mark.parametrize("layer", LAYERS)
def test_domain_layers_stay_framework_free(layer: str) -> None:
    files = sorted((ROOT / layer).rglob("*.py"))
    assert files, f"no python files under {layer}/"
    problems = {str(f.relative_to(ROOT)): offending(f, FORBIDDEN) for f in files}
    assert {k: v for k, v in problems.items() if v} == {}


def test_schema_knows_no_web_framework() -> None:
    files = sorted((ROOT / "schema").rglob("*.py"))
    problems = {str(f.relative_to(ROOT)): offending(f, ("fastapi", "starlette")) for f in files}
    assert {k: v for k, v in problems.items() if v} == {}


def test_the_checker_catches_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import fastapi\nfrom strawberry.types import Info\n")
    assert offending(bad, FORBIDDEN) == ["fastapi", "strawberry.types"]


# --- package direction: server -> rest_compat, schema -> resolvers -> storage ---------------

PACKAGES = ("server", "rest_compat", "schema", "resolvers", "storage", "codegen")
MAY_IMPORT = {
    # `tradegraph codegen` and the coverage report in the CLI run the generator
    "server": {"server", "rest_compat", "schema", "resolvers", "storage", "codegen"},
    # true today: rest_compat never imports schema (rest_compat/live.py states the services it
    # needs as a Protocol instead)
    "rest_compat": {"rest_compat", "resolvers", "storage"},
    "schema": {"schema", "resolvers", "storage"},  # storage: only SCHEMA_TO_STORAGE below
    "resolvers": {"resolvers", "storage"},
    "storage": {"storage"},
    # the catalog reads the strategy families; the SDL is printed from the built schema
    "codegen": {"codegen", "resolvers", "schema"},
}
# Schema reaches storage rows only through resolvers. These are today's exceptions, each a
# (schema module, storage module) pair; the list may only shrink.
SCHEMA_TO_STORAGE = {
    # the operation boundary: it commits and publishes, and the context carries the bus
    ("schema.context", "storage.bus"),
    ("schema.context", "storage.outbox"),
    # ... and marks a query's session read-only, for the read path (storage/reads.py)
    ("schema.context", "storage.reads"),
    # subscriptions receive the bus's EventMessage and turn it into their GraphQL type
    ("schema.events", "storage.outbox"),
    ("schema.live", "storage.outbox"),
    ("schema.halyrd.events", "storage.outbox"),
    ("schema.research", "storage.outbox"),
}
# cycles allowed (none: Strawberry types that refer to each other import one another only for
# the type checker, and hand a view on with a cast)
KNOWN_CYCLES: list[list[str]] = []


def package_of(module: str) -> str:
    return module.split(".")[0]


def direction_problems(graph: dict[str, set[str]]) -> list[str]:
    problems = []
    for module, targets in sorted(graph.items()):
        for target in sorted(targets):
            source, dest = package_of(module), package_of(target)
            if dest not in MAY_IMPORT.get(source, {source}):
                problems.append(f"{module} -> {target}")
    return problems


def test_packages_import_only_downwards() -> None:
    assert direction_problems(import_graph(ROOT, PACKAGES)) == []


def test_nothing_outside_server_imports_server() -> None:
    graph = import_graph(ROOT, PACKAGES)
    assert [
        f"{m} -> {t}"
        for m, ts in sorted(graph.items())
        for t in sorted(ts)
        if package_of(t) == "server" and package_of(m) != "server"
    ] == []


def test_schema_reaches_storage_only_through_the_allowlist() -> None:
    graph = import_graph(ROOT, PACKAGES)
    used = {
        (module, target)
        for module, targets in graph.items()
        if package_of(module) == "schema"
        for target in targets
        if package_of(target) == "storage"
    }
    assert used - SCHEMA_TO_STORAGE == set()


def test_the_direction_checker_catches_an_upward_import(tmp_path: Path) -> None:
    for package in ("resolvers", "server"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "server" / "settings.py").write_text("")
    (tmp_path / "resolvers" / "x.py").write_text("def f():\n    from server import settings\n")
    graph = import_graph(tmp_path, ("resolvers", "server"))
    assert direction_problems(graph) == ["resolvers.x -> server", "resolvers.x -> server.settings"]


# --- no import cycles between modules ---------------------------------------------------------


def test_no_import_cycles() -> None:
    found = cycles(import_graph(ROOT, PACKAGES))
    assert [c for c in found if c not in KNOWN_CYCLES] == []


def test_the_cycle_checker_catches_a_planted_cycle(tmp_path: Path) -> None:
    pkg = tmp_path / "resolvers"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from resolvers.b import g\n")
    (pkg / "b.py").write_text("def g():\n    from resolvers import c\n")  # inside a function
    (pkg / "c.py").write_text("from . import a\n")  # and a relative import
    (pkg / "d.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from resolvers import a\n"
    )
    (pkg / "e.py").write_text("import resolvers.d\n")
    graph = import_graph(tmp_path, ("resolvers",))
    assert cycles(graph) == [["resolvers.a", "resolvers.b", "resolvers.c"]]
    assert graph["resolvers.d"] == set()  # TYPE_CHECKING imports never run
