"""GraphQL enums: the resolvers' `Choices`, generated into schema/generated/enums.py.

Re-exported here so that schema modules name them from one place.
"""

from __future__ import annotations

from schema.generated.enums import (
    AgentEventType,
    AgentStatus,
    ApprovalMode,
    ApprovalStatus,
    MarketMode,
    PaperSessionStatus,
    Phase,
    Stage,
    ToolsetContext,
    TradeSide,
    TradeStatus,
)

__all__ = [
    "AgentEventType",
    "AgentStatus",
    "ApprovalMode",
    "ApprovalStatus",
    "MarketMode",
    "PaperSessionStatus",
    "Phase",
    "Stage",
    "ToolsetContext",
    "TradeSide",
    "TradeStatus",
]
