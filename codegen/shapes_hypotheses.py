"""Response shapes and enums of the Forven hypotheses routes (merged into codegen/shapes.py)."""

from __future__ import annotations

from codegen.model import Field, Shape

ENUMS: dict[str, tuple[str, ...]] = {}

SHAPES: tuple[Shape, ...] = (
    Shape(
        "HypothesisPreview",
        (
            Field("url", "str", description="the URL as requested"),
            Field("source_url", "str", description="the page's URL after redirects"),
            Field("title", "str"),
            Field("thesis", "str"),
            Field("mechanism", "str"),
            Field("novelty", "str"),
            Field("lane", "str"),
            Field("source", "str"),
        ),
        "The hypothesis a URL would create (nothing is stored).",
    ),
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
