"""A route documenting a 202 (`accepted=`): OpenAPI's responses and the reference's row say
it, an unknown shape refuses generation, and respond() answers the status a view's class
states (a job accepted) or the route's own."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, ClassVar

import orjson
import pytest

from codegen.emit_markdown import render_markdown
from codegen.emit_openapi import render_openapi
from codegen.emit_typescript import render_index
from codegen.model import Field, Param, Shape
from codegen.model import Response as Answer
from codegen.route import route
from resolvers.views import View
from rest_compat.runtime import respond
from tests.codegen.test_signatures import get_thing

SHAPES = (
    Shape("Thing", (Field("id", "int"),), "A thing."),
    Shape("Queued", (Field("job_id", "int"), Field("status", "str")), "A queued job."),
)


def _thing(**overrides: Any) -> Any:
    spec: dict[str, Any] = {
        "method": "POST", "path": "/api/things/{id}", "api": "forven", "router": "things",
        "summary": "Make a thing.", "op": "make_thing", "state": "implemented",
        "resolver": get_thing, "params": (Param("id", "path", "int", required=True,
                                                  arg="thing_id"),),
        "response": Answer("one", "Thing"), "accepted": "Queued",
    }  # fmt: skip
    spec.update(overrides)
    return route(**spec)


def _openapi(*routes: Any) -> dict[str, Any]:
    return render_openapi(routes, SHAPES, {}, title="t", version="1")


class TestDocumented:
    def test_openapi_has_the_202_beside_the_success(self) -> None:
        responses = _openapi(_thing())["paths"]["/api/things/{id}"]["post"]["responses"]
        assert responses["202"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Queued"
        }
        assert responses["200"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Thing"
        }
        plain = _openapi(_thing(accepted=None))["paths"]["/api/things/{id}"]["post"]
        assert "202" not in plain["responses"]

    def test_the_reference_row_names_both_answers(self) -> None:
        rows = [line for line in render_markdown([_thing()], SHAPES, {}).splitlines()
                if line.startswith("| POST |")]  # fmt: skip
        assert len(rows) == 1 and "200 `Thing` or 202 `Queued`" in rows[0]
        plain = render_markdown([_thing(accepted=None)], SHAPES, {})
        assert "202" not in plain

    def test_an_unknown_accepted_shape_refuses_generation(self) -> None:
        with pytest.raises(ValueError, match="accepted needs a known shape"):
            _openapi(_thing(accepted="Nowhere"))

    def test_the_fetch_route_documents_its_job(self) -> None:
        from codegen.__main__ import ROOT

        document = json.loads((ROOT / "rest_compat/generated/openapi.json").read_text())
        answer = document["paths"]["/api/fetch"]["post"]["responses"]["202"]
        assert answer["content"]["application/json"]["schema"]["$ref"].endswith("/JobAccepted")


@dataclass(frozen=True, slots=True)
class _Accepted(View):
    http_status: ClassVar[int] = 202
    job_id: int


@dataclass(frozen=True, slots=True)
class _Done(View):
    id: int


class TestRespond:
    def test_a_view_class_stating_a_status_gets_it(self) -> None:
        response = respond(_Accepted(job_id=7), 200)
        assert response.status_code == 202 and orjson.loads(response.body) == {"job_id": 7}

    def test_any_other_answer_gets_the_route_s_status(self) -> None:
        assert respond(_Done(id=1), 200).status_code == 200
        assert respond(_Done(id=1), 201).status_code == 201
        assert respond({"a": 1}, 200).status_code == 200


def test_the_typescript_route_answers_either_shape() -> None:
    text = render_index([_thing()], SHAPES, {})
    assert "response: Thing | Queued;" in text
    assert "response: Thing;" in render_index([_thing(accepted=None)], SHAPES, {})
