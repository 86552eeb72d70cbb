"""Response shapes and enums of the Forven hypotheses routes (merged into codegen/shapes.py).

GeneratedStrategies stays a shape (its Strategy items are views): a generated Strawberry type
nesting an extended one (Strategy) would name it without importing it for the type checkers.
"""

from __future__ import annotations

from codegen.model import Field, Shape

ENUMS: dict[str, tuple[str, ...]] = {}

SHAPES: tuple[Shape, ...] = (
    Shape(
        "GeneratedStrategies",
        (
            Field("hypothesis_id", "int"),
            Field("strategies", "list[Strategy]"),
        ),
        "The child strategies one generate-strategies request created.",
    ),
)

__all__ = ["ENUMS", "Field", "SHAPES", "Shape"]
