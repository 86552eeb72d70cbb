"""Response shapes and enums: the documented snake_case JSON, one definition each.

Serializers, TypeScript interfaces, OpenAPI schemas and the reference are generated from these.
"""

from __future__ import annotations

from codegen import shapes_hypotheses, shapes_lifecycle, views
from codegen.model import Shape
from codegen.shapes_halyrd import HALYRD_SHAPES

AREAS = (shapes_lifecycle, shapes_hypotheses)

ENUMS: dict[str, tuple[str, ...]] = {
    "AgentStatus": ("PAPER", "ELIGIBLE", "LIVE", "DEMOTED"),
    "Phase": ("paper", "live"),
    "MarketMode": ("spot", "perp"),
    "Stage": ("quick_screen", "research_only", "paper", "live"),
    "TradeSide": ("buy", "sell"),
    "TradeStatus": ("open", "closed", "failed"),
    "ApprovalStatus": ("pending", "approved", "denied", "revised", "expired"),
    "ToolsetContext": ("scheduled", "interactive", "recovery", "research"),
    **{name: values for area in AREAS for name, values in area.ENUMS.items()},
}

SHAPES: tuple[Shape, ...] = (
    *HALYRD_SHAPES,
    *(shape for area in AREAS for shape in area.SHAPES),
)

# shapes described by resolver views (resolvers/views.py): no serializer, orjson encodes them
VIEW_SHAPES: tuple[Shape, ...] = views.shapes()
VIEW_ENUMS = views.enums(views.discover())  # REST names only the enums its shapes use
for _name, _choices in VIEW_ENUMS.items():
    if ENUMS.setdefault(_name, _choices.values) != _choices.values:
        raise ValueError(f"enum {_name} has other values in codegen/shapes.py than in its view")
LEGACY_SHAPES = SHAPES
SHAPES = (*LEGACY_SHAPES, *VIEW_SHAPES)
