"""Response shapes of the Forven control routes not yet on views (merged into codegen/shapes.py).

SystemStatus and Dashboard nest types whose GraphQL side is a hand-written `@extends` subclass
(SchedulerJob, Trade): a generated type reaches those through `strawberry.lazy` references
that ruff (F821) and mypy (name-defined) reject, as codegen/emit_strawberry.py writes no
type-checking import for them. Until it does, both stay legacy shapes nesting the views.
Their enums and every nested shape come from the views (resolvers/control.py and others).
"""

from __future__ import annotations

from codegen.model import Field, Shape
from codegen.views import shape
from resolvers.control import SystemControl

ENUMS: dict[str, tuple[str, ...]] = {}

SHAPES: tuple[Shape, ...] = (
    Shape(
        "SystemStatus",
        (
            *shape(SystemControl).fields,
            Field("paper_service", "PaperServiceState"),
            Field("strategies_by_stage", "StageCounts"),
            Field("open_trades", "int"),
            Field("agents", "int", description="Halyrd trading agents"),
            Field("scheduler", "list[SchedulerJob]"),
        ),
        "System status summary.",
    ),
    Shape(
        "Dashboard",
        (
            Field("system", "SystemControl"),
            Field("strategies_by_stage", "StageCounts"),
            Field("hypotheses", "int", description="active hypotheses"),
            Field("trades", "TradeSummary"),
            Field("recent_trades", "list[Trade]"),
            Field("equity", "PaperAccount"),
            Field("paper_service", "PaperServiceState"),
            Field("pending_approvals", "int"),
        ),
        "Dashboard overview.",
    ),
)

__all__ = ["ENUMS", "Field", "SHAPES", "Shape"]
