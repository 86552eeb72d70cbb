"""Response shapes and enums of the Forven control routes (merged into codegen/shapes.py)."""

from __future__ import annotations

from codegen.model import Field, Shape

ENUMS: dict[str, tuple[str, ...]] = {
    "AutonomyMode": ("manual", "semi_auto", "auto"),
    "ExecutionMode": ("paper", "live"),
    "SchedulerJobStatus": ("ok", "error", "skipped"),
    "ReconcileKind": (
        "missing_on_exchange",
        "closed_on_exchange",
        "unknown_on_exchange",
        "mismatch",
    ),
}

CONTROL_FIELDS = (
    Field("paused", "bool"),
    Field("paused_at", "datetime", nullable=True),
    Field("pause_reason", "str"),
    Field("mode", "AutonomyMode"),
    Field("execution_mode", "ExecutionMode", description="paper whenever the build is locked"),
    Field("paper_locked", "bool", description="the build refuses live execution"),
)

SHAPES: tuple[Shape, ...] = (
    Shape("SystemControl", CONTROL_FIELDS, "The system pause and both modes."),
    Shape(
        "StageApprovals",
        (Field("research_only", "bool"), Field("paper", "bool"), Field("live", "bool")),
        "Per target stage: whether an automatic promotion waits for an operator's approval.",
    ),
    Shape(
        "SystemMode",
        (Field("mode", "AutonomyMode"), Field("approval_required", "StageApprovals")),
        "The pipeline autonomy mode and its effect.",
    ),
    Shape(
        "StageCounts",
        tuple(Field(s, "int") for s in ("quick_screen", "research_only", "paper", "live")),
        "Active strategies per pipeline stage.",
    ),
    Shape(
        "PaperServiceState",
        (
            Field("running", "bool"),
            Field("session_id", "int", nullable=True),
            Field("started_at", "datetime", nullable=True),
            Field("deployed_strategies", "int"),
        ),
        "The global paper trading service.",
    ),
    Shape(
        "SchedulerJob",
        (
            Field("id", "str"),
            Field("description", "str"),
            Field("enabled", "bool"),
            Field("interval_seconds", "float"),
            Field("halts_when_paused", "bool"),
            Field("last_run_at", "datetime", nullable=True),
            Field("last_status", "SchedulerJobStatus", nullable=True),
            Field("last_error", "str", nullable=True),
            Field("last_duration_ms", "float", nullable=True),
            Field("runs", "int", description="passes that ran the job (skips excluded)"),
            Field("failures", "int"),
            Field(
                "next_run_at",
                "datetime",
                nullable=True,
                description="null while disabled or before the first run (due now)",
            ),
        ),
        "A background job: its schedule and its last run.",
    ),  # fmt: skip
    Shape(
        "SystemStatus",
        (
            *CONTROL_FIELDS,
            Field("paper_service", "PaperServiceState"),
            Field("strategies_by_stage", "StageCounts"),
            Field("open_trades", "int"),
            Field("agents", "int", description="Halyrd trading agents"),
            Field("scheduler", "list[SchedulerJob]"),
        ),
        "System status summary.",
    ),
    Shape(
        "PaperAccount",
        (
            Field("capital", "float"),
            Field("cash", "float", description="capital plus realized pnl"),
            Field("equity", "float", description="cash plus unrealized pnl at the venue mid"),
            Field("unrealized_pnl", "float"),
            Field("realized_pnl", "float"),
            Field("fees", "float"),
            Field("margin_used", "float", description="entry notional of open positions"),
            Field("available", "float"),
            Field("positions", "int"),
        ),
        "The paper exchange's account.",
    ),
    Shape(
        "HeartbeatRisk",
        (
            Field("open_positions", "int"),
            Field("gross_exposure", "float", description="sum of |size x mark|"),
            Field("exposure_pct", "float", nullable=True),
            Field("largest_position_pct", "float", nullable=True),
            Field("max_drawdown_pct", "float"),
            Field("possibly_open", "int", description="open trades whose close failed"),
        ),
        "Risk figures of the paper account.",
    ),
    Shape(
        "SystemHeartbeat",
        (
            Field("ts", "datetime", nullable=True, description="the last beat"),
            Field("alive", "bool"),
            Field("paused", "bool"),
            Field("equity", "PaperAccount"),
            Field("risk", "HeartbeatRisk"),
        ),
        "Daemon heartbeat with risk and equity data.",
    ),
    Shape(
        "TradeSummary",
        (
            Field("open", "int"),
            Field("closed", "int"),
            Field("failed", "int"),
            Field("realized_pnl", "float"),
            Field("win_rate", "float", nullable=True),
        ),
        "Trade counts and results across the ledger.",
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
    Shape(
        "ReconcileDifference",
        (
            Field("kind", "ReconcileKind"),
            Field("trade_id", "int", nullable=True),
            Field("position_id", "int", nullable=True),
            Field("symbol", "str"),
            Field("detail", "str"),
            Field("repaired", "bool"),
            Field("error", "str", nullable=True, description="why a repair failed"),
        ),
        "One difference between our ledger and the exchange.",
    ),
    Shape(
        "Reconciliation",
        (
            Field("repair", "bool"),
            Field("checked_trades", "int"),
            Field("checked_positions", "int"),
            Field("differences", "list[ReconcileDifference]"),
            Field("repaired", "int"),
        ),
        "A reconciliation report.",
    ),
)

__all__ = ["ENUMS", "Field", "SHAPES", "Shape"]
