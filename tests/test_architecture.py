"""Import direction: resolvers/ and storage/ never import a web or GraphQL framework."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

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
