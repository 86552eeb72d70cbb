"""Types of the control plane's reads still on legacy shapes: system status and dashboard
(resolvers/dashboard.py computes them; schema/control.py exposes them).

They nest SchedulerJob and Trade, whose GraphQL types are hand-written subclasses; see
codegen/shapes_control.py for why they are not generated yet.
"""

from __future__ import annotations

from typing import Self, cast

import strawberry

from resolvers import dashboard as r
from schema.generated.control import SystemControl
from schema.generated.dashboard import PaperAccount, PaperServiceState, StageCounts, TradeSummary
from schema.scheduler import SchedulerJob
from schema.trades import Trade


@strawberry.type(description="System status summary.")
class SystemStatus(SystemControl):
    paper_service: PaperServiceState
    strategies_by_stage: StageCounts
    open_trades: int
    agents: int = strawberry.field(description="Halyrd trading agents.")
    scheduler: list[SchedulerJob]

    @classmethod
    def of(cls, status: r.SystemStatus) -> Self:  # type: ignore[override]
        """The result, typed as this GraphQL type (its attributes are the fields)."""
        return cast(Self, status)


@strawberry.type(description="Dashboard overview.")
class Dashboard:
    system: SystemControl
    strategies_by_stage: StageCounts
    hypotheses: int = strawberry.field(description="Active hypotheses.")
    trades: TradeSummary
    recent_trades: list[Trade]
    equity: PaperAccount
    paper_service: PaperServiceState
    pending_approvals: int

    @classmethod
    def of(cls, board: r.Dashboard) -> Self:
        """The result, typed as this GraphQL type (its attributes are the fields)."""
        return cast(Self, board)
