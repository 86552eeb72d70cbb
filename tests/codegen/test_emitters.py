"""TypeScript, Markdown and OpenAPI emitters: a tiny catalog in, golden files out.

The expected output lives in tests/codegen/golden/. After an intended change to an emitter,
refresh it with `TRADEGRAPH_UPDATE_GOLDEN=1 .venv/bin/python -m pytest
tests/codegen/test_emitters.py` and review the diff before committing it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from codegen.emit_markdown import render_markdown
from codegen.emit_openapi import render_openapi
from codegen.emit_typescript import render_typescript
from codegen.model import Field, Param, Response, Route, Shape
from tests.codegen import tiny_resolvers

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("TRADEGRAPH_UPDATE_GOLDEN") == "1"

ENUMS = {
    "Stage": ("quick_screen", "research_only", "paper", "live"),
    "AgentStatus": ("PAPER", "ELIGIBLE", "LIVE", "DEMOTED"),
}
SHAPES = (
    Shape(
        "Strategy",
        (
            Field("id", "int"),
            Field("name", "str"),
            Field("stage", "Stage"),
            Field("params", "dict[str, float]"),
            Field("tags", "list[str]"),
            Field("updated_at", "datetime", nullable=True),
            Field("score", "float | bool", nullable=True),
            Field("series", "list[float | null]"),
            Field("window", "Window | Flat"),
        ),
        "A strategy and its pipeline stage.",
    ),
    Shape("Window", (Field("bars", "int"),), "A rolling window.", graphql=False),
    Shape("Flat", (), "No window.", closed=True, graphql=False),
    Shape(
        "WindowInput",
        (Field("bars", "int", optional=True), Field("step", "int", optional=True)),
        "A rolling window to set.",
        closed=True,
        graphql=False,
    ),
    Shape(
        "Agent",
        (
            Field("id", "str"),
            Field("status", "AgentStatus"),
            Field("phase", "str", enum=("paper", "live")),
            Field("equity", "float", description="mark-to-market | in USD"),
            Field("last_heartbeat", "datetime", nullable=True),
            Field("strategies", "list[Strategy]"),
        ),
        "A trading agent.",
    ),
)
ROUTES = (
    Route(
        method="GET",
        path="/agents",
        api="halyrd",
        router="agents",
        summary="Agents, newest first.",
        auth="api",
        operation_id="list_agents",
        state="implemented",
        resolver=tiny_resolvers.list_agents,
        params=(
            Param("status", "query", "AgentStatus"),
            Param("phase", "query", enum=("paper", "live", "all"), default="all"),
            Param("limit", "query", "int", default=50, description="page size"),
            Param("cursor", "query"),
        ),
        response=Response("page", "Agent"),
        errors=(401,),
    ),  # fmt: skip
    Route(
        method="POST",
        path="/api/strategies",
        api="forven",
        router="strategies",
        summary="Create a strategy.",
        auth="operator",
        operation_id="create_strategy",
        state="implemented",
        resolver=tiny_resolvers.create_strategy,
        params=(
            Param("name", "body", required=True),
            Param("stage", "body", "Stage", default="quick_screen"),
            Param("params", "body", "json", schema="dict[str, float]"),
            Param("window", "body", "json", schema="WindowInput"),
        ),
        status=201,
        response=Response("one", "Strategy"),
        errors=(409,),
        writes=True,
    ),  # fmt: skip
    Route(
        method="GET",
        path="/api/strategies/{id}/readiness",
        api="forven",
        router="strategies",
        summary="The promotion-readiness checklist.",
        auth="operator",
        operation_id="get_strategy_readiness",
        params=(Param("id", "path", "int", required=True, arg="strategy_id"),),
        errors=(404,),
        notes="Checklist items are not designed yet.",
    ),  # fmt: skip
    Route(
        method="WS",
        path="/ws/live",
        api="forven",
        router="live",
        summary="Live feed of ticks and fills.",
        auth="api",
        operation_id="live_feed",
        state="transport",
    ),  # fmt: skip
)


def check_golden(relative: str, text: str) -> None:
    """Compare with the golden file, or rewrite it when TRADEGRAPH_UPDATE_GOLDEN=1."""
    path = GOLDEN / relative
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return
    assert path.exists(), f"{path} missing: run with TRADEGRAPH_UPDATE_GOLDEN=1"
    assert text == path.read_text(), f"{relative} drifted: see the module docstring to refresh"


def openapi() -> dict[str, Any]:
    return render_openapi(ROUTES, SHAPES, ENUMS, title="Tradegraph", version="9.9.9")


class TestTypescript:
    def test_matches_golden(self) -> None:
        files = render_typescript(ROUTES, SHAPES, ENUMS)
        for relative, text in files.items():
            check_golden(f"typescript/{relative}", text)
        assert sorted(p.name for p in (GOLDEN / "typescript").iterdir()) == sorted(files)

    def test_declares_what_the_seed_promises(self) -> None:
        index = render_typescript(ROUTES, SHAPES, ENUMS)["index.d.ts"]
        assert index.splitlines()[0].startswith("// Generated by `python -m codegen`")
        assert 'export type AgentStatus = "PAPER" | "ELIGIBLE" | "LIVE" | "DEMOTED";' in index
        assert '  phase: "paper" | "live";' in index
        assert "  last_heartbeat: string | null;" in index
        assert "  strategies: Strategy[];" in index
        assert "  params: Record<string, number>;" in index
        assert "  score: number | boolean | null;" in index
        assert "  series: (number | null)[];" in index
        assert "  window: Window | Flat;" in index
        assert "export type Flat = Record<string, never>;" in index  # `{}` would take anything
        assert "export interface WindowInput {\n  bars?: number;\n  step?: number;\n}" in index
        assert "      params?: Record<string, number>;\n      window?: WindowInput;" in index
        assert "  detail: string | ErrorDetails | ValidationIssue[];" in index
        assert "export interface Page<T> {" in index
        assert "export interface ApiError {" in index
        assert '"GET /agents": {' in index
        assert '      phase?: "paper" | "live" | "all";\n      limit?: number;' in index
        assert "      name: string;\n      stage?: Stage;" in index
        assert "    response: Page<Agent>;" in index
        assert "    params: {\n      id: number;\n    };" in index
        assert "/ws/live" not in index

    def test_package_json_names_the_seed_package(self) -> None:
        package = json.loads(render_typescript(ROUTES, SHAPES, ENUMS, "1.2.3")["package.json"])
        assert package["name"] == "@repo/api-types"
        assert package["version"] == "1.2.3"
        assert package["types"] == "index.d.ts"
        assert "dependencies" not in package

    def test_compiles_under_strict_tsc(self, tmp_path: Path) -> None:
        npx = shutil.which("npx")
        if npx is None:
            pytest.skip("npx not on PATH: the strict tsc check of the generated types did not run")
        package = tmp_path / "api-types"
        package.mkdir()
        for relative, text in render_typescript(ROUTES, SHAPES, ENUMS).items():
            (package / relative).write_text(text)
        tsc = [npx, "-y", "-p", "typescript@5", "tsc", "--noEmit", "--strict"]
        tsc_ok(tsc, package)  # the package as shipped, through its tsconfig.json
        (tmp_path / "usage.ts").write_text(USAGE)
        tsc_ok([*tsc, "usage.ts"], tmp_path)  # and as a client uses it


def tsc_ok(command: list[str], cwd: Path) -> None:
    """Run tsc; skip when npm cannot fetch TypeScript, fail on any type error."""
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600)
    output = done.stdout + done.stderr
    if done.returncode and any(e in output for e in ("ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT")):
        pytest.skip(f"npm registry unreachable, tsc did not run: {output[-300:]}")
    assert done.returncode == 0, output


USAGE = """\
import type { AgentStatus, ApiError, Page, Agent, Routes, RouteKey } from "./api-types";

const status: AgentStatus = "ELIGIBLE";
// @ts-expect-error not an AgentStatus
const wrong: AgentStatus = "RETIRED";
const page: Page<Agent> = { items: [], total: 0, next_cursor: null };
const error: ApiError = { code: "NOT_ELIGIBLE", detail: { message: "no", force: false } };
// @ts-expect-error a detail object carries its message
const bare: ApiError = { code: "NOT_ELIGIBLE", detail: { force: false } };
const body: Routes["POST /api/strategies"]["params"] = { name: "x", stage: "paper" };
// @ts-expect-error name is required
const missing: Routes["POST /api/strategies"]["params"] = { stage: "paper" };
// @ts-expect-error an input object takes its own keys only
const extra: Routes["POST /api/strategies"]["params"] = { name: "x", window: { span: 3 } };
// @ts-expect-error WebSockets are not HTTP routes
const ws: RouteKey = "WS /ws/live";
export { status, wrong, page, error, bare, body, missing, extra, ws };
"""


class TestMarkdown:
    def test_matches_golden(self) -> None:
        check_golden("endpoints.md", render_markdown(ROUTES, SHAPES, ENUMS))

    def test_reference_lists_every_route_and_shape(self) -> None:
        text = render_markdown(ROUTES, SHAPES, ENUMS)
        assert text.startswith("<!-- Generated by `python -m codegen`")
        assert "\n# Endpoint reference\n" in text
        assert "Coverage: 3 of 4 documented routes served (2 implemented, 1 transport)" in text
        assert "| WS | `/ws/live` | transport | api | WebSocket | 401 |" in text
        assert "| 200 `Page<Agent>` | 401, 422 |" in text
        assert "| planned | operator | 200 | 401, 404, 422, 501, 503 |" in text
        assert text.index("## Forven") < text.index("## Halyrd") < text.index("## Shapes")
        assert "| `equity` | `float` | no | mark-to-market \\| in USD |" in text
        assert "| AgentStatus | `PAPER`, `ELIGIBLE`, `LIVE`, `DEMOTED` |" in text

    def test_enum_and_shape_order_do_not_matter(self) -> None:
        flipped = dict(reversed(list(ENUMS.items())))
        assert render_markdown(ROUTES, SHAPES[::-1], flipped) == render_markdown(
            ROUTES, SHAPES, ENUMS
        )
        ts = render_typescript(ROUTES, SHAPES[::-1], flipped)
        assert ts == render_typescript(ROUTES, SHAPES, ENUMS)


class TestOpenapi:
    def test_matches_golden(self) -> None:
        text = json.dumps(openapi(), sort_keys=True, indent=2) + "\n"
        check_golden("openapi.json", text)

    def test_security_follows_auth(self) -> None:
        doc = openapi()
        schemes = doc["components"]["securitySchemes"]
        assert schemes["ApiKey"] == {"type": "apiKey", "in": "header", "name": "x-api-key"}
        assert schemes["BearerKey"]["scheme"] == "bearer"
        assert schemes["OperatorKey"]["name"] == "x-operator-key"
        create = doc["paths"]["/api/strategies"]["post"]
        assert create["security"] == [
            {"ApiKey": [], "OperatorKey": []},
            {"BearerKey": [], "OperatorKey": []},
        ]
        assert doc["paths"]["/agents"]["get"]["security"] == [{"ApiKey": []}, {"BearerKey": []}]

    def test_planned_routes_answer_501(self) -> None:
        op = openapi()["paths"]["/api/strategies/{id}/readiness"]["get"]
        assert op["x-state"] == "planned"
        assert op["responses"]["501"]["description"] == "not implemented yet"
        assert sorted(op["responses"]) == ["200", "401", "404", "422", "501", "503"]
        assert "content" not in op["responses"]["200"]
        assert op["parameters"][0]["in"] == "path" and op["parameters"][0]["required"]

    def test_query_params_body_and_page(self) -> None:
        doc = openapi()
        listing = doc["paths"]["/agents"]["get"]
        params = {p["name"]: p for p in listing["parameters"]}
        assert params["status"]["schema"] == {"$ref": "#/components/schemas/AgentStatus"}
        assert params["phase"]["schema"]["enum"] == ["paper", "live", "all"]
        assert params["limit"]["schema"]["default"] == 50
        page_ref = listing["responses"]["200"]["content"]["application/json"]["schema"]
        assert page_ref == {"$ref": "#/components/schemas/AgentPage"}
        page = doc["components"]["schemas"]["AgentPage"]
        assert page["required"] == ["items", "total", "next_cursor"]
        body = doc["paths"]["/api/strategies"]["post"]["requestBody"]
        schema = body["content"]["application/json"]["schema"]
        assert body["required"] and schema["required"] == ["name"]
        assert schema["additionalProperties"] is False
        assert schema["properties"]["params"] == {  # optional without a default: null allowed
            "type": ["object", "null"],
            "additionalProperties": {"type": "number"},
        }
        assert schema["properties"]["window"]["anyOf"][0] == {
            "$ref": "#/components/schemas/WindowInput"
        }
        created = doc["paths"]["/api/strategies"]["post"]["responses"]
        assert "201" in created and "200" not in created
        assert created["422"]["description"] == "invalid input"

    def test_shapes_enums_and_error(self) -> None:
        schemas = openapi()["components"]["schemas"]
        agent = schemas["Agent"]
        assert agent["required"] == [f.name for f in SHAPES[-1].fields]
        assert agent["properties"]["last_heartbeat"]["type"] == ["string", "null"]
        assert schemas["Stage"] == {"type": "string", "enum": list(ENUMS["Stage"])}
        assert schemas["Error"]["required"] == ["code", "detail"]
        strategy = schemas["Strategy"]["properties"]
        assert strategy["params"]["additionalProperties"] == {"type": "number"}
        assert strategy["score"]["type"] == ["number", "boolean", "null"]
        assert strategy["series"]["items"] == {"type": ["number", "null"]}
        assert [m["$ref"].rsplit("/", 1)[1] for m in strategy["window"]["anyOf"]] == [
            "Window",
            "Flat",
        ]
        window = schemas["WindowInput"]
        assert window["required"] == [] and window["additionalProperties"] is False
        assert "additionalProperties" not in schemas["Window"]  # answers stay open
        assert schemas["Flat"]["additionalProperties"] is False

    def test_websockets_stay_out(self) -> None:
        doc = openapi()
        assert "/ws/live" not in doc["paths"]
        assert doc["openapi"] == "3.1.0"
        assert doc["info"] == {"title": "Tradegraph", "version": "9.9.9"}

    def test_unknown_types_and_duplicates_are_refused(self) -> None:
        typo = Shape("Broken", (Field("x", "Stagee"),))
        with pytest.raises(ValueError, match="Stagee"):
            render_openapi(ROUTES, (*SHAPES, typo), ENUMS, title="t", version="1")
        with pytest.raises(ValueError, match="duplicate"):
            render_openapi((*ROUTES, ROUTES[0]), SHAPES, ENUMS, title="t", version="1")

    def test_is_a_valid_openapi_31_document(self) -> None:
        try:
            from openapi_spec_validator import validate
        except ImportError:
            pytest.skip("openapi-spec-validator is not installed: structural validation skipped")
        validate(openapi())
