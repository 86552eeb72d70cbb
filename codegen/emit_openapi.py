"""OpenAPI 3.1 from the route catalog: every HTTP route (WebSockets have no OpenAPI form).

Every value has a schema: a union of scalars is a `type` list (anyOf when a member has more
than its type), a union of objects `anyOf` (a value need not prove it matches one only: the
per-kind shapes of a journal entry may overlap), `dict[str, X]` an object with typed
`additionalProperties`. Response objects stay open to keys added later; input objects are
closed (the server refuses unknown keys). The error envelope's `detail` is a message, an
object of what the refusal names (the one open object: its description says why), or the list
of validation errors.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from codegen.model import Param, Route, Shape, list_item, map_value, union_members

Schema = dict[str, Any]
Enums = Mapping[str, tuple[str, ...]]

SCALAR_SCHEMAS: dict[str, Schema] = {
    "int": {"type": "integer", "format": "int64"},
    "float": {"type": "number"},
    "str": {"type": "string"},
    "bool": {"type": "boolean"},
    "datetime": {"type": "string", "format": "date-time"},
    "json": {},
    "null": {"type": "null"},
}
ERROR_TEXT = {
    400: "malformed request",
    401: "missing or wrong key",
    403: "forbidden (e.g. not from loopback, or switched off)",
    404: "not found",
    409: "conflicts with the current state",
    422: "invalid input",
    429: "rate limited",
    501: "not implemented yet",
    502: "upstream (exchange) failure; the outcome is unknown",
    503: "capability disabled or operator key not configured",
}
SECURITY: dict[str, list[dict[str, list[str]]]] = {
    "api": [{"ApiKey": []}, {"BearerKey": []}],
    "operator": [{"ApiKey": [], "OperatorKey": []}, {"BearerKey": [], "OperatorKey": []}],
}
SECURITY_SCHEMES: Schema = {
    "ApiKey": {"type": "apiKey", "in": "header", "name": "x-api-key"},
    "BearerKey": {"type": "http", "scheme": "bearer", "description": "the same API key"},
    "OperatorKey": {"type": "apiKey", "in": "header", "name": "x-operator-key"},
}
# the one open object: each error code names its own facts (an id, a limit, the failing gates
# of NOT_READY...), so their values are any JSON; `true` rather than a recursive "any JSON"
# schema, which generators such as openapi-python-client cannot parse
ERROR_DETAILS: Schema = {
    "type": "object",
    "description": (
        "A refusal's message and the facts it names: open, since each error code names its "
        "own (an id, a limit, NOT_READY's failing gates...)."
    ),
    "properties": {
        "message": {"type": "string"},
        "field": {"type": "string", "description": "the input the refusal is about"},
    },
    "required": ["message"],
    "additionalProperties": True,
}
VALIDATION_ISSUE: Schema = {
    "type": "object",
    "description": "One input the request validation refused.",
    "properties": {
        "loc": {
            "type": "array",
            "items": {"type": ["string", "integer"]},
            "description": "where: body, query or path, then the key or index",
        },
        "msg": {"type": "string"},
        "type": {"type": "string"},
    },
    "required": ["loc", "msg", "type"],
}
ERROR_SCHEMA: Schema = {
    "type": "object",
    "properties": {
        "code": {"type": "string"},
        "detail": {
            "description": (
                "a message; or, for a refusal naming facts, an object with the message and "
                "them; or the validation errors"
            ),
            "anyOf": [
                {"type": "string"},
                {"$ref": "#/components/schemas/ErrorDetails"},
                {"type": "array", "items": {"$ref": "#/components/schemas/ValidationIssue"}},
            ],
        },
    },
    "required": ["code", "detail"],
}
BUILT_IN: dict[str, Schema] = {
    "Error": ERROR_SCHEMA,
    "ErrorDetails": ERROR_DETAILS,
    "ValidationIssue": VALIDATION_ISSUE,
}


def ref(name: str) -> Schema:
    """A JSON reference to a component schema."""
    return {"$ref": f"#/components/schemas/{name}"}


def is_http(route: Route) -> bool:
    """True for routes OpenAPI can describe (everything but WebSockets)."""
    return route.method.upper() != "WS"


def error_statuses(route: Route) -> list[int]:
    """The catalog's error statuses plus those implied by auth, params and state."""
    statuses = set(route.errors)
    if route.auth in ("api", "operator"):
        statuses.add(401)
    if route.auth == "operator":
        statuses.add(503)
    if route.params:
        statuses.add(422)
    if route.state == "planned":
        statuses.add(501)
    return sorted(statuses)


def type_schema(kind: str, known: frozenset[str], where: str) -> Schema:
    """The schema of a catalog type name: scalar, enum, shape, `list[X]`, `dict[str, X]`, or
    a union `A | B` of them."""
    members = union_members(kind)
    if len(members) > 1:
        schemas = [type_schema(m, known, where) for m in members]
        if all(set(s) == {"type"} and isinstance(s["type"], str) for s in schemas):
            return {"type": [s["type"] for s in schemas]}
        return {"anyOf": schemas}
    if (item := list_item(kind)) is not None:
        return {"type": "array", "items": type_schema(item, known, where)}
    if (value := map_value(kind)) is not None:
        return {"type": "object", "additionalProperties": type_schema(value, known, where)}
    if kind in SCALAR_SCHEMAS:
        return dict(SCALAR_SCHEMAS[kind])
    if kind in known:
        return ref(kind)
    raise ValueError(f"{where}: unknown type {kind!r}")


def value_schema(
    kind: str, values: tuple[str, ...], nullable: bool, known: frozenset[str], where: str
) -> Schema:
    """A field or parameter schema, with an inline string enum and null when allowed."""
    if values:
        schema: Schema = {"type": "string", "enum": list(values)}
    else:
        schema = type_schema(kind, known, where)
    if not nullable or schema == {}:
        return schema
    if isinstance(schema.get("type"), str):
        schema["type"] = [schema["type"], "null"]
        if "enum" in schema:
            schema["enum"] = [*schema["enum"], None]
        return schema
    if isinstance(schema.get("type"), list) and set(schema) == {"type"}:
        return {"type": [*schema["type"], "null"]}
    if "anyOf" in schema:
        return {"anyOf": [*schema["anyOf"], {"type": "null"}]}
    return {"anyOf": [schema, {"type": "null"}]}


INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def _param_schema(
    param: Param, known: frozenset[str], where: str, *, nullable: bool = False
) -> Schema:
    schema = value_schema(param.wire_type, param.enum, nullable, known, f"{where} {param.name}")
    if param.type == "int" and not param.enum:
        # every integer input is stored as a 64-bit column; larger ones are refused with 422
        schema.setdefault("minimum", INT64_MIN)
        schema.setdefault("maximum", INT64_MAX)
    if param.default is not None:
        schema["default"] = param.default
    for key, value in (
        ("minLength", param.min_length),
        ("minimum", param.minimum),
        ("maximum", param.maximum),
    ):
        if value is not None:
            schema[key] = value
    return schema


def _parameters(route: Route, known: frozenset[str]) -> list[Schema]:
    declared = sorted(p.name for p in route.params if p.source == "path")
    if declared != sorted(re.findall(r"{(\w+)}", route.path)):
        raise ValueError(f"{route.key}: path Params {declared} do not match the path")
    out = []
    for param in route.params:
        if param.source == "body":
            continue
        item: Schema = {
            "name": param.name,
            "in": param.source,
            "required": param.required or param.source == "path",
            "schema": _param_schema(param, known, route.key),
        }
        if param.description:
            item["description"] = param.description
        out.append(item)
    return out


def _request_body(route: Route, known: frozenset[str]) -> Schema | None:
    body = [p for p in route.params if p.source == "body"]
    if not body:
        return None
    # an optional body field without a default may be sent as null: it means "not given"
    props = {
        p.name: _param_schema(p, known, route.key, nullable=not p.required and p.default is None)
        for p in body
    }
    for param in body:
        if param.description:
            props[param.name]["description"] = param.description
    schema: Schema = {"type": "object", "properties": props, "additionalProperties": False}
    required = [p.name for p in body if p.required]
    if required:
        schema["required"] = required
    content = {"application/json": {"schema": schema}}
    return {"required": bool(required), "content": content}


def _success_schema(route: Route, known: frozenset[str]) -> Schema | None:
    kind, shape = route.response.kind, route.response.shape
    if kind == "none":
        return None
    if shape is None or shape not in known:
        raise ValueError(f"{route.key}: response {kind!r} needs a known shape, got {shape!r}")
    if kind == "one":
        return ref(shape)
    if kind == "list":
        return {"type": "array", "items": ref(shape)}
    return ref(f"{shape}Page")


JSON_MEDIA = "application/json"


def _event_stream(route: Route, known: frozenset[str]) -> Schema:
    """A text/event-stream answer. Before OpenAPI 3.2's `itemSchema`, `schema` describes one
    event: its name and its `data`, a JSON text whose shape `contentSchema` names."""
    events = []
    for name, shape in route.events:
        if shape not in known:
            raise ValueError(f"{route.key}: event {name!r} needs a known shape, got {shape!r}")
        data = {"type": "string", "contentMediaType": JSON_MEDIA, "contentSchema": ref(shape)}
        events.append(
            {
                "type": "object",
                "properties": {"event": {"type": "string", "enum": [name]}, "data": data},
                "required": ["event", "data"],
            }
        )
    names = ", ".join(f"`{name}`" for name, _ in route.events)
    schema = {"description": f"one server-sent event: {names}", "anyOf": events}
    return {"text/event-stream": {"schema": schema}}


def _operation(route: Route, known: frozenset[str]) -> Schema:
    success: Schema = {"description": HTTPStatus(route.status).phrase}
    schema = _success_schema(route, known)
    if route.events:
        success["content"] = _event_stream(route, known)
    elif schema is not None:
        success["content"] = {"application/json": {"schema": schema}}
    responses: Schema = {str(route.status): success}
    if route.accepted is not None:
        if route.accepted not in known:
            raise ValueError(f"{route.key}: accepted needs a known shape, got {route.accepted!r}")
        responses["202"] = {
            "description": "Accepted: the work continues as a job",
            "content": {"application/json": {"schema": ref(route.accepted)}},
        }
    for status in error_statuses(route):
        text = ERROR_TEXT.get(status) or HTTPStatus(status).phrase
        content = {"application/json": {"schema": ref("Error")}}
        responses[str(status)] = {"description": text, "content": content}
    op: Schema = {
        "operationId": route.operation_id,
        "summary": route.summary,
        "tags": [route.router],
        "parameters": _parameters(route, known),
        "responses": responses,
        "security": SECURITY.get(route.auth, []),
        "x-state": route.state,
    }
    if route.notes:
        op["description"] = route.notes
    body = _request_body(route, known)
    if body is not None:
        op["requestBody"] = body
    return op


def _page_schema(shape: str) -> Schema:
    return {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": ref(shape)},
            "total": {"type": "integer"},
            "next_cursor": {"type": ["string", "null"]},
        },
        "required": ["items", "total", "next_cursor"],
    }


def _schemas(routes: Sequence[Route], shapes: Sequence[Shape], enums: Enums) -> Schema:
    known = frozenset(enums) | frozenset(s.name for s in shapes)
    pages = {
        s for r in routes if is_http(r) and r.response.kind == "page" and (s := r.response.shape)
    }
    wanted = [*BUILT_IN, *enums, *(s.name for s in shapes), *(f"{p}Page" for p in pages)]
    if len(set(wanted)) != len(wanted):
        raise ValueError(
            f"schema names collide: {sorted({n for n in wanted if wanted.count(n) > 1})}"
        )
    out: Schema = dict(BUILT_IN)
    for name, values in enums.items():
        out[name] = {"type": "string", "enum": list(values)}
    for shape in shapes:
        props = {
            f.name: value_schema(f.type, f.enum, f.nullable, known, f"{shape.name}.{f.name}")
            for f in shape.fields
        }
        for f in shape.fields:
            if f.description:
                props[f.name]["description"] = f.description
        required = [f.name for f in shape.fields if not f.optional]
        schema: Schema = {"type": "object", "properties": props, "required": required}
        if shape.closed:
            schema["additionalProperties"] = False
        if shape.description:
            schema["description"] = shape.description
        out[shape.name] = schema
    for page in sorted(pages):
        out[f"{page}Page"] = _page_schema(page)
    return out


def render_openapi(
    routes: Sequence[Route], shapes: Sequence[Shape], enums: Enums, *, title: str, version: str
) -> dict[str, Any]:
    """The OpenAPI 3.1 document (JSON-able) for every non-WebSocket route."""
    known = frozenset(enums) | frozenset(s.name for s in shapes)
    paths: dict[str, Schema] = {}
    operation_ids: set[str] = set()
    for route in routes:
        if not is_http(route):
            continue
        method = route.method.lower()
        if method in paths.get(route.path, {}) or route.operation_id in operation_ids:
            raise ValueError(f"{route.key}: duplicate route or operationId {route.operation_id}")
        operation_ids.add(route.operation_id)
        paths.setdefault(route.path, {})[method] = _operation(route, known)
    document = {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {
            "schemas": _schemas(routes, shapes, enums),
            "securitySchemes": SECURITY_SCHEMES,
        },
    }
    return copy.deepcopy(document)  # callers may mutate it; the module constants stay intact
