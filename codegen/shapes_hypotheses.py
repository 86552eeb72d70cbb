"""Response shapes and enums of the Forven hypotheses routes: none left (their objects are
views: resolvers/hypotheses.py, resolvers/hypothesis_spawn.py); kept for codegen/shapes.py."""

from __future__ import annotations

from codegen.model import Shape

ENUMS: dict[str, tuple[str, ...]] = {}
SHAPES: tuple[Shape, ...] = ()
