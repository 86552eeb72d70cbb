"""GraphQL enums whose values are the documented snake_case / upper-case strings."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="Pipeline stage: quick_screen -> research_only -> paper -> live.")
class Stage(Enum):
    QUICK_SCREEN = "quick_screen"
    RESEARCH_ONLY = "research_only"
    PAPER = "paper"
    LIVE = "live"


@strawberry.enum
class AgentStatus(Enum):
    PAPER = "PAPER"
    ELIGIBLE = "ELIGIBLE"
    LIVE = "LIVE"
    DEMOTED = "DEMOTED"


@strawberry.enum
class Phase(Enum):
    PAPER = "paper"
    LIVE = "live"


@strawberry.enum
class MarketMode(Enum):
    SPOT = "spot"
    PERP = "perp"


@strawberry.enum
class TradeSide(Enum):
    BUY = "buy"
    SELL = "sell"


@strawberry.enum
class TradeStatus(Enum):
    OPEN = "open"
    CLOSED = "closed"
    FAILED = "failed"


@strawberry.enum
class ApprovalStatus(Enum):
    PENDING = "pending"
    APPROVED = "approved"
    DENIED = "denied"
    REVISED = "revised"
    EXPIRED = "expired"


@strawberry.enum
class ToolsetContext(Enum):
    SCHEDULED = "scheduled"
    INTERACTIVE = "interactive"
    RECOVERY = "recovery"
    RESEARCH = "research"


@strawberry.enum(description="What a Halyrd agent event carries (the seed's WebSocket list).")
class AgentEventType(Enum):
    EQUITY = "equity"
    TRADE = "trade"
    JOURNAL = "journal"
    RISK_VETO = "risk_veto"
    STATUS = "status"
