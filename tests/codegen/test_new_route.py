"""Adding a route is a catalog entry and a resolver, then `python -m codegen`.

In a copy of the project, the test adds exactly those two edits (a resolver module with its
view, and one `route(...)` appended to a catalog module), regenerates, and finds the route
everywhere it should be: the REST handler, OpenAPI, the TypeScript type, the GraphQL field and
type, and the field's access level; then it serves the copy and calls both faces.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COPIED = ("server", "schema", "resolvers", "rest_compat", "storage", "codegen", "clients", "docs")
COPIED_FILES = ("pyproject.toml", "schema.graphql")

RESOLVER = '''
"""Widgets: the throwaway area of tests/codegen/test_new_route.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.views import Choices, View
from storage.strategies import Strategy

WIDGET_SIZE = Choices("WidgetSize", ("small", "large"))


@dataclass(frozen=True, slots=True)
class Widget(View):
    """A widget, counted from the strategies table."""

    id: int
    name: Annotated[str, "what it is called"]
    size: Annotated[str, WIDGET_SIZE]
    strategies: Annotated[int, "strategies in the database when it was read"]


async def list_widgets(session: AsyncSession, *, size: str | None = None) -> list[Widget]:
    """Every widget, optionally of one size."""
    count = (await session.execute(select(func.count()).select_from(Strategy))).scalar_one()
    made = [Widget(1, "cog", "small", count), Widget(2, "gear", "large", count)]
    return [w for w in made if size is None or w.size == size]
'''

ENTRY = """

from codegen.model import Param, Response  # noqa: E402
from resolvers import widgets  # noqa: E402

ROUTES = (
    *ROUTES,
    route(
        method="GET", path="/api/widgets", api="forven", router="widgets", op="list_widgets",
        summary="Every widget.", state="implemented", resolver=widgets.list_widgets,
        params=(Param("size", "query", enum=("small", "large")),),
        response=Response("list", "Widget"), graphql="widgets", graphql_generated=True,
    ),
)  # fmt: skip
"""

CALLS = """
import asyncio
import json
import sys

import httpx

from server.app import create_app
from server.settings import load_settings


async def main() -> None:
    settings = load_settings(
        database_url=f"sqlite+aiosqlite:///{sys.argv[1]}/t.db", data_dir=sys.argv[1],
        demo=False, api_key="a", operator_key="o", rate_limit="", scheduler=False,
        agent_tick_seconds=0,
    )
    app = create_app(settings)
    keys = {"x-api-key": "a", "x-operator-key": "o"}
    query = {
        "query": "query($s: String) { widgets(size: $s) { id name size strategies } }",
        "variables": {"s": "large"},
    }
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            rest = await c.get("/api/widgets", params={"size": "large"}, headers=keys)
            graphql = await c.post("/graphql", json=query, headers=keys)
            no_operator = await c.post("/graphql", json=query, headers={"x-api-key": "a"})
    print(json.dumps({
        "rest": [rest.status_code, rest.json()],
        "graphql": [graphql.status_code, graphql.json()],
        "no_operator": [no_operator.status_code, no_operator.json()],
    }))


asyncio.run(main())
"""


def _run(tree: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [sys.executable, *args], cwd=tree, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project with the two edits, regenerated."""
    root = tmp_path_factory.mktemp("project")
    ignore = shutil.ignore_patterns("__pycache__", "node_modules")
    for name in COPIED:
        shutil.copytree(ROOT / name, root / name, ignore=ignore)
    for name in COPIED_FILES:
        shutil.copy(ROOT / name, root / name)
    (root / "resolvers" / "widgets.py").write_text(textwrap.dedent(RESOLVER).lstrip())
    catalog = root / "codegen" / "catalog" / "forven_data.py"
    catalog.write_text(catalog.read_text() + ENTRY)
    done = _run(root, "-m", "codegen")
    assert done.returncode == 0, done.stderr
    return root


def test_the_handler_is_generated(tree: Path) -> None:
    router = (tree / "rest_compat" / "generated" / "forven.py").read_text()
    assert "async def list_widgets(" in router
    assert "await r_widgets.list_widgets(session, size=size)" in router


def test_openapi_and_typescript_describe_it(tree: Path) -> None:
    spec = json.loads((tree / "rest_compat" / "generated" / "openapi.json").read_text())
    assert spec["paths"]["/api/widgets"]["get"]["operationId"] == "list_widgets"
    widget = spec["components"]["schemas"]["Widget"]
    assert list(widget["properties"]) == ["id", "name", "size", "strategies"]
    assert widget["properties"]["size"] == {"$ref": "#/components/schemas/WidgetSize"}
    types = (tree / "clients" / "api-types" / "index.d.ts").read_text()
    assert "export interface Widget {" in types
    assert 'export type WidgetSize = "small" | "large";' in types


def test_graphql_field_type_and_level_appear(tree: Path) -> None:
    sdl = (tree / "schema.graphql").read_text()
    assert "widgets(size: String = null): [Widget!]!" in sdl
    assert "type Widget {" in sdl and "size: WidgetSize!" in sdl
    access = (tree / "schema" / "generated" / "access.py").read_text()
    assert "'widgets': 'operator'" in access or '"widgets": "operator"' in access


def test_both_faces_answer_the_same_and_the_level_holds(tree: Path) -> None:
    (tree / "calls.py").write_text(CALLS)
    done = _run(tree, "calls.py", str(tree))
    assert done.returncode == 0, done.stderr
    answers = json.loads(done.stdout.strip().splitlines()[-1])
    status, rest = answers["rest"]
    assert status == 200
    assert rest == [{"id": 2, "name": "gear", "size": "large", "strategies": 0}]
    status, graphql = answers["graphql"]
    assert status == 200 and "errors" not in graphql
    assert graphql["data"]["widgets"] == [
        {"id": "2", "name": "gear", "size": "LARGE", "strategies": 0}
    ]
    status, refused = answers["no_operator"]
    assert status == 401
    assert refused["errors"][0]["extensions"]["code"] == "INVALID_OPERATOR_KEY"
