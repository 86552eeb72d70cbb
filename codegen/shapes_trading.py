"""Response shapes and enums of the Forven trading routes (merged into codegen/shapes.py)."""

from __future__ import annotations

from codegen.model import Field, Shape

ENUMS: dict[str, tuple[str, ...]] = {}

SHAPES: tuple[Shape, ...] = ()

__all__ = ["ENUMS", "Field", "SHAPES", "Shape"]
