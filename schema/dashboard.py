"""Types of the control plane's reads: system status, heartbeat and dashboard
(resolvers/dashboard.py computes them; schema/control.py exposes them)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry

from resolvers import dashboard as r
from resolvers.control import ControlState
from resolvers.market.exchange import Account
from resolvers.scheduler import JobView
from schema.trades import Trade


@strawberry.enum(description="Pipeline autonomy: which promotions wait for an operator.")
class AutonomyMode(Enum):
    MANUAL = "manual"
    SEMI_AUTO = "semi_auto"
    AUTO = "auto"


@strawberry.enum
class ExecutionMode(Enum):
    PAPER = "paper"
    LIVE = "live"


@strawberry.enum
class SchedulerJobStatus(Enum):
    OK = "ok"
    ERROR = "error"
    SKIPPED = "skipped"


def _fields(obj: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in names}


@strawberry.type(description="The system pause and both modes.")
class SystemControl:
    paused: bool
    paused_at: datetime | None
    pause_reason: str
    mode: AutonomyMode
    execution_mode: ExecutionMode = strawberry.field(
        description="paper whenever the build is paper-locked"
    )
    paper_locked: bool

    @classmethod
    def of(cls, state: ControlState) -> SystemControl:
        return cls(
            **_fields(state, ("paused", "paused_at", "pause_reason", "paper_locked")),
            mode=AutonomyMode(state.mode),
            execution_mode=ExecutionMode(state.execution_mode),
        )


@strawberry.type(description="Active strategies per pipeline stage.")
class StageCounts:
    quick_screen: int
    research_only: int
    paper: int
    live: int


@strawberry.type(description="The global paper trading service.")
class PaperServiceState:
    running: bool
    session_id: int | None
    started_at: datetime | None
    deployed_strategies: int


@strawberry.type(description="A background job: its schedule and its last run.")
class SchedulerJob:
    id: str
    description: str
    enabled: bool
    interval_seconds: float
    halts_when_paused: bool
    last_run_at: datetime | None
    last_status: SchedulerJobStatus | None
    last_error: str | None
    last_duration_ms: float | None
    runs: int = strawberry.field(description="Passes that ran the job (skips excluded).")
    failures: int
    next_run_at: datetime | None = strawberry.field(
        description="Null while disabled or before the first run (due now)."
    )

    @classmethod
    def of(cls, job: JobView) -> SchedulerJob:
        names = (
            "id", "description", "enabled", "interval_seconds", "halts_when_paused",
            "last_run_at", "last_error", "last_duration_ms", "runs", "failures", "next_run_at",
        )  # fmt: skip
        status = SchedulerJobStatus(job.last_status) if job.last_status else None
        return cls(**_fields(job, names), last_status=status)


@strawberry.type(description="System status summary.")
class SystemStatus(SystemControl):
    paper_service: PaperServiceState
    strategies_by_stage: StageCounts
    open_trades: int
    agents: int = strawberry.field(description="Halyrd trading agents.")
    scheduler: list[SchedulerJob]

    @classmethod
    def of_status(cls, status: r.SystemStatus) -> SystemStatus:
        control = SystemControl.of(status)  # type: ignore[arg-type]
        return cls(
            **vars(control),
            paper_service=PaperServiceState(**_paper(status.paper_service)),
            strategies_by_stage=StageCounts(**_stages(status.strategies_by_stage)),
            open_trades=status.open_trades,
            agents=status.agents,
            scheduler=[SchedulerJob.of(job) for job in status.scheduler],
        )


def _paper(state: r.PaperService) -> dict[str, Any]:
    return _fields(state, ("running", "session_id", "started_at", "deployed_strategies"))


def _stages(counts: r.StageCounts) -> dict[str, Any]:
    return _fields(counts, ("quick_screen", "research_only", "paper", "live"))


ACCOUNT_FIELDS = (
    "capital", "cash", "equity", "unrealized_pnl", "realized_pnl", "fees", "margin_used",
    "available", "positions",
)  # fmt: skip
RISK_FIELDS = (
    "open_positions", "gross_exposure", "exposure_pct", "largest_position_pct",
    "max_drawdown_pct", "possibly_open",
)  # fmt: skip


@strawberry.type(description="The paper exchange's account, marked at the venue mid.")
class PaperAccount:
    capital: float
    cash: float
    equity: float
    unrealized_pnl: float
    realized_pnl: float
    fees: float
    margin_used: float
    available: float
    positions: int

    @classmethod
    def of(cls, account: Account) -> PaperAccount:
        return cls(**_fields(account, ACCOUNT_FIELDS))


@strawberry.type(description="Risk figures of the paper account.")
class HeartbeatRisk:
    open_positions: int
    gross_exposure: float
    exposure_pct: float | None
    largest_position_pct: float | None
    max_drawdown_pct: float
    possibly_open: int = strawberry.field(description="Open trades whose close failed.")


@strawberry.type(description="The daemon heartbeat with the paper account's equity and risk.")
class SystemHeartbeat:
    ts: datetime | None = strawberry.field(description="The last beat (newest scheduler run).")
    alive: bool
    paused: bool
    equity: PaperAccount
    risk: HeartbeatRisk

    @classmethod
    def of(cls, beat: r.Heartbeat) -> SystemHeartbeat:
        return cls(
            ts=beat.ts,
            alive=beat.alive,
            paused=beat.paused,
            equity=PaperAccount.of(beat.equity),
            risk=HeartbeatRisk(**_fields(beat.risk, RISK_FIELDS)),
        )


@strawberry.type(description="Trade counts and results across the ledger.")
class TradeSummary:
    open: int
    closed: int
    failed: int
    realized_pnl: float
    win_rate: float | None


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
    def of(cls, board: r.Dashboard) -> Dashboard:
        summary = ("open", "closed", "failed", "realized_pnl", "win_rate")
        return cls(
            system=SystemControl.of(board.system),
            strategies_by_stage=StageCounts(**_stages(board.strategies_by_stage)),
            hypotheses=board.hypotheses,
            trades=TradeSummary(**_fields(board.trades, summary)),
            recent_trades=[Trade.of(view) for view in board.recent_trades],
            equity=PaperAccount.of(board.equity),
            paper_service=PaperServiceState(**_paper(board.paper_service)),
            pending_approvals=board.pending_approvals,
        )
