"""The REST shapes and enums the emitters read: each view's (codegen/views.py), plus the
hand-written shapes of codegen/shapes_halyrd.py that are not views yet (it says why)."""

from __future__ import annotations

from codegen import views
from codegen.catalog import ROUTES
from codegen.model import Shape
from codegen.shapes_halyrd import HALYRD_SHAPES

LEGACY_SHAPES: tuple[Shape, ...] = HALYRD_SHAPES
SHAPES: tuple[Shape, ...] = (*LEGACY_SHAPES, *views.shapes())
# the enums the shapes and the routes' parameters use, named by the resolvers' Choices
_USED = {p.type for r in ROUTES for p in r.params} | set(views.enums(views.discover()))
ENUMS: dict[str, tuple[str, ...]] = {
    name: choices.values for name, choices in sorted(views.enums().items()) if name in _USED
}
