"""The REST shapes and enums the emitters read, all derived from the resolvers' views
(codegen/views.py): no shape is written by hand."""

from __future__ import annotations

from codegen import views
from codegen.catalog import ROUTES
from codegen.model import Shape

SHAPES: tuple[Shape, ...] = views.shapes()
# the enums the shapes and the routes' parameters use, named by the resolvers' Choices
_USED = {p.type for r in ROUTES for p in r.params} | set(views.enums(views.discover()))
ENUMS: dict[str, tuple[str, ...]] = {
    name: choices.values for name, choices in sorted(views.enums().items()) if name in _USED
}
