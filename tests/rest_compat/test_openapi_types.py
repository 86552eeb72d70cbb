"""Every value in the served OpenAPI document has a schema: no property, parameter, request body,
array item or map value is left schemaless (`{}`), so a generated client types all of it.

The walk visits every schema reachable from the document: components, nested properties, items,
additionalProperties, anyOf/oneOf/allOf members, parameters, request and response bodies. An
object explicitly open to any value (`additionalProperties: true`, the error envelope's details)
must say why in its description.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from openapi_spec_validator import validate

from codegen.artefacts import openapi_document

TYPED = ("type", "$ref", "anyOf", "oneOf", "allOf", "enum", "const")
Schema = dict[str, Any]


def schemas(schema: Any, where: str) -> Iterator[tuple[str, Schema]]:
    """(where, schema) of `schema` and of every schema nested in it."""
    if not isinstance(schema, dict):
        return
    yield where, schema
    for name, inner in schema.get("properties", {}).items():
        yield from schemas(inner, f"{where}.{name}")
    for key in ("items", "additionalProperties"):
        yield from schemas(schema.get(key), f"{where}[{key}]")
    for key in ("anyOf", "oneOf", "allOf"):
        for i, inner in enumerate(schema.get(key, ())):
            yield from schemas(inner, f"{where}|{key}[{i}]")


def document_schemas(document: Schema) -> Iterator[tuple[str, Schema]]:
    """Every schema of the document: components, then each operation's parameters and bodies."""
    for name, schema in document["components"]["schemas"].items():
        yield from schemas(schema, name)
    for path, item in document["paths"].items():
        for method, op in item.items():
            key = f"{method.upper()} {path}"
            for param in op.get("parameters", ()):
                yield from schemas(param["schema"], f"{key} ?{param['name']}")
            for media in op.get("requestBody", {}).get("content", {}).values():
                yield from schemas(media["schema"], f"{key} body")
            for status, response in op["responses"].items():
                for media in response.get("content", {}).values():
                    yield from schemas(media["schema"], f"{key} {status}")


def problems(document: Schema) -> list[str]:
    """What the walk finds untyped, as `where: why` lines (empty when the document is clean)."""
    found = []
    for where, schema in document_schemas(document):
        if not any(key in schema for key in TYPED):
            found.append(f"{where}: no type, $ref, anyOf, oneOf, allOf, enum or const")
        types = schema.get("type")
        types = types if isinstance(types, list) else [types]
        if "array" in types and not isinstance(schema.get("items"), dict):
            found.append(f"{where}: an array without an items schema")
        if "object" in types and "properties" not in schema:
            extra = schema.get("additionalProperties")
            if not isinstance(extra, dict) or not extra:
                found.append(f"{where}: an object with neither properties nor typed values")
        if schema.get("additionalProperties") is True and not schema.get("description"):
            found.append(f"{where}: open to any value without saying why")
    return found


@pytest.fixture(scope="module")
def document() -> Schema:
    return openapi_document()


def test_no_value_is_schemaless(document: Schema) -> None:
    assert problems(document) == []


def test_the_walk_reaches_nested_schemas(document: Schema) -> None:
    # guards the check above from passing vacuously: it sees inside objects, lists and bodies
    seen = {where for where, _ in document_schemas(document)}
    assert "Backtest.spec" in seen
    assert "Backtest.gates[items]" in seen
    assert "StrategySpec.params[additionalProperties]" in seen
    assert "JournalEntry.data|anyOf[0]" in seen
    assert "PATCH /agents/{id}/config body.evaluation_config_patch" in seen
    assert "GET /agents/{id}/journal ?limit" in seen


@pytest.mark.parametrize(
    ("schema", "complaint"),
    [
        ({}, "no type"),
        ({"description": "untyped"}, "no type"),
        ({"type": "array", "items": {}}, "no type"),
        ({"type": "array"}, "without an items schema"),
        ({"type": "object"}, "neither properties nor typed values"),
        ({"type": "object", "additionalProperties": True}, "neither properties"),
        ({"type": "object", "properties": {}, "additionalProperties": True}, "without saying"),
        ({"anyOf": [{"type": "string"}, {}]}, "no type"),
    ],
)
def test_the_check_finds_what_it_looks_for(schema: Schema, complaint: str) -> None:
    wrapped: Schema = {"type": "object", "properties": {"x": schema}}
    document = {"components": {"schemas": {"Thing": wrapped}}, "paths": {}}
    assert any(complaint in line for line in problems(document))
    body = {"content": {"application/json": {"schema": wrapped}}}
    route = {"post": {"responses": {}, "requestBody": body}}
    inline = {"components": {"schemas": {}}, "paths": {"/x": route}}
    assert any(line.startswith("POST /x body.x") for line in problems(inline))


def test_request_objects_are_their_input_forms(document: Schema) -> None:
    components = document["components"]["schemas"]
    spec = components["StrategySpecInput"]
    assert spec["additionalProperties"] is False and spec["required"] == []
    assert spec["properties"]["params"]["additionalProperties"] == {"type": "number"}
    config = components["AgentConfigInput"]["properties"]
    assert config["risk"] == {"$ref": "#/components/schemas/RiskLimitsInput"}
    body = document["paths"]["/agents/{id}/watchlist"]["put"]["requestBody"]
    symbols = body["content"]["application/json"]["schema"]["properties"]["symbols"]
    assert symbols["type"] == "array" and symbols["items"] == {"type": "string"}


def test_answers_describe_what_they_hold(document: Schema) -> None:
    components = document["components"]["schemas"]
    backtest = components["Backtest"]["properties"]
    assert backtest["spec"]["$ref"].endswith("/StrategySpec")
    assert components["StrategySpec"]["required"] == list(components["StrategySpec"]["properties"])
    assert [m["$ref"].rsplit("/", 1)[1] for m in backtest["result"]["anyOf"]] == [
        "BacktestMetrics",
        "BacktestFailure",
    ]
    gate = components["ReadinessGate"]["properties"]
    assert gate["value"]["type"] == ["number", "boolean", "null"]
    assert gate["threshold"]["type"] == ["number", "boolean"]
    detail = components["Error"]["properties"]["detail"]
    assert {"type": "string"} in detail["anyOf"]


def test_the_document_is_valid_openapi(document: Schema) -> None:
    validate(document)
