"""The REST shapes and enums the emitters read, all derived from the resolvers' views
(codegen/views.py): no shape is written by hand. `ROUTES` is the catalog with each request body
schema resolved to a type string (`Param.schema`), as OpenAPI and TypeScript read it."""

from __future__ import annotations

from codegen import views
from codegen.catalog import ROUTES as CATALOG
from codegen.model import Shape

ROUTES, INPUTS = views.describe_params(CATALOG)
SHAPES: tuple[Shape, ...] = (*views.shapes(), *INPUTS)
# the enums the shapes and the routes' parameters use, named by the resolvers' Choices
_USED = {p.type for r in ROUTES for p in r.params} | set(views.enums(views.discover()))
_USED |= {f.type.removeprefix("list[").removesuffix("]") for s in SHAPES for f in s.fields}
ENUMS: dict[str, tuple[str, ...]] = {
    name: choices.values for name, choices in sorted(views.enums().items()) if name in _USED
}
