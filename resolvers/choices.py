"""The enumerations several areas share (each area keeps its own next to its views)."""

from __future__ import annotations

from resolvers.views import Choices

STAGE = Choices(
    "Stage",
    ("quick_screen", "research_only", "paper", "live"),
    "Pipeline stage: quick_screen -> research_only -> paper -> live.",
)
AGENT_STATUS = Choices("AgentStatus", ("PAPER", "ELIGIBLE", "LIVE", "DEMOTED"))
PHASE = Choices("Phase", ("paper", "live"))
MARKET_MODE = Choices("MarketMode", ("spot", "perp"))
TRADE_SIDE = Choices("TradeSide", ("buy", "sell"))
TRADE_STATUS = Choices("TradeStatus", ("open", "closed", "failed"))
APPROVAL_STATUS = Choices("ApprovalStatus", ("pending", "approved", "denied", "revised", "expired"))
TOOLSET_CONTEXT = Choices("ToolsetContext", ("scheduled", "interactive", "recovery", "research"))
