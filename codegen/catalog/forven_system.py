"""Forven (seed 000): system, status & control plane; plus the shared params.

Error statuses are derived by `codegen.route.route` (its docstring states the rules).

Auth: "operator" unless the seed documents the route as ungated ("api"), exempt ("public",
"loopback") or HMAC-checked ("hmac"): the seed gates "agents, trading, paper, backtesting,
approvals, brain, gauntlet, and more"; our policy gates every other route too.

The legacy `/api/forven/*` prefix is a rewrite in front of these routes, not routes of its own.
The optional simulation and Regime Lab routers (404 unless enabled) are not catalogued.
"""

from __future__ import annotations

from codegen.model import Param, Response, Route
from codegen.route import route
from resolvers import control, dashboard, reconcile, scheduler

# keyset paging shared by every Forven list that pages: {items, total, next_cursor}
PAGING = (
    Param(
        "limit",
        "query",
        "int",
        arg="first",
        minimum=1,
        maximum=500,
        description="page size, default 50, max 500",
    ),
    Param(
        "cursor",
        "query",
        arg="after",
        min_length=1,
        description="the previous page's next_cursor (opaque)",
    ),
)


def path_param(
    name: str = "id", kind: str = "int", arg: str | None = None, what: str = ""
) -> Param:
    """A documented `{name}` path variable (always required)."""
    return Param(name, "path", kind, required=True, arg=arg, description=what)


MODE_RULE = (
    "What each mode leaves to an operator: manual: every automatic promotion (to research_only, "
    "paper and live) waits for an approval; semi_auto: research_only is automatic, paper and "
    "live wait for approval; auto: research_only and paper are automatic, live always waits "
    "for approval. `approval_required` spells it out per target stage."
)

ROUTES: tuple[Route, ...] = (
    route(
        method="GET", path="/api/health", api="forven", router="health", op="get_health",
        summary="Liveness check (no auth).", auth="public", state="transport",
        response=Response("one", "Health"),
        notes="Exempt from the API key (ApiKeyMiddleware skips it); hand-written transport route.",
    ),
    route(
        method="GET", path="/api/system/status", api="forven", router="system",
        op="get_system_status", summary="System status summary.", state="implemented",
        resolver=dashboard.get_system_status, response=Response("one", "SystemStatus"),
        graphql="systemStatus",
        notes=(
            "The pause, both modes (`execution_mode` reads paper whenever the build is "
            "paper-locked), the paper service, active strategies per stage, open trades across "
            "the ledger, the Halyrd trading agents and every scheduler job's last run."
        ),
    ),
    route(
        method="GET", path="/api/system/heartbeat", api="forven", router="system",
        op="get_system_heartbeat", summary="Daemon heartbeat with risk/equity data.",
        state="implemented", resolver=dashboard.get_system_heartbeat,
        response=Response("one", "SystemHeartbeat"), graphql="systemHeartbeat",
        notes=(
            "`ts` is the daemon's last beat (the newest scheduler run, skips included; null "
            "before the first), not the request time; `alive` is true while some enabled job "
            "ran within twice its interval plus 5 s. `equity` is the paper exchange's account "
            "with open positions marked at the venue mid; `risk`: gross exposure (sum of "
            "|size x mark|) and the largest position in percent of equity (null unless equity "
            "is positive), the deepest peak-to-trough fall of the realized paper equity in "
            "percent, and `possibly_open`, open trades whose last close failed on the venue."
        ),
    ),
    route(
        method="GET", path="/api/dashboard", api="forven", router="system", op="get_dashboard",
        summary="Dashboard overview.", state="implemented", resolver=dashboard.get_dashboard,
        response=Response("one", "Dashboard"), graphql="dashboard",
        notes=(
            "Counts are read at call time: active strategies per stage, active hypotheses, "
            "trades across the ledger (`win_rate` = winners / closed, null before the first "
            "close), the 10 trades with the latest activity (as /api/trades/recent), the "
            "paper account, the paper service and pending approvals."
        ),
    ),
    route(
        method="POST", path="/api/system/stop", api="forven", router="system", op="stop_system",
        summary="Halt trading and agents (system pause).", state="implemented",
        resolver=control.stop_system,
        params=(
            Param("reason", "body", description="why (kept until start; at most 500 characters)"),
        ),
        response=Response("one", "SystemControl"), graphql="stopSystem",
        mutation="stopSystem",
        notes=(
            "Halts, until POST /api/system/start, every scheduler job that trades or moves "
            "strategies: market ticks, the paper service's steps, the Halyrd agents' steps and "
            "the pipeline (GET /api/scheduler shows them `skipped`); reconciliation reports "
            "and event pruning go on. New manual Halyrd orders are refused with 409 "
            "SYSTEM_PAUSED unless they only reduce a position; emergency controls stay "
            "available (force-close, mark-failed, the kill switch, reconcile). Idempotent: "
            "stopping a stopped system keeps the first stop's time and reason and writes no "
            "event. The body is optional."
        ),
    ),
    route(
        method="POST", path="/api/system/start", api="forven", router="system", op="start_system",
        summary="Resume trading and agents after a system pause.", state="implemented",
        resolver=control.start_system, response=Response("one", "SystemControl"),
        graphql="startSystem",
        mutation="startSystem",
        notes="Idempotent: starting a running system changes nothing and writes no event.",
    ),
    route(
        method="GET", path="/api/system/mode", api="forven", router="system", op="get_system_mode",
        summary="Get the pipeline autonomy mode (manual/semi_auto/auto).", state="implemented",
        resolver=control.get_system_mode, response=Response("one", "SystemMode"),
        graphql="systemMode", notes=MODE_RULE,
    ),
    route(
        method="POST", path="/api/system/mode", api="forven", router="system", op="set_system_mode",
        summary="Set the pipeline autonomy mode (manual/semi_auto/auto).", state="implemented",
        resolver=control.set_system_mode,
        params=(Param("mode", "body", required=True, enum=("manual", "semi_auto", "auto")),),
        response=Response("one", "SystemMode"), graphql="setSystemMode",
        mutation="setSystemMode",
        notes=MODE_RULE + " The scheduler's pipeline job applies the new mode on its next run.",
    ),
    route(
        method="POST", path="/api/execution-mode", api="forven", router="system",
        op="set_execution_mode",
        summary="Set the execution mode (paper/live); refused in beta builds.", state="implemented",
        resolver=control.set_execution_mode,
        params=(Param("mode", "body", required=True, enum=("paper", "live")),),
        response=Response("one", "SystemControl"), graphql="setExecutionMode",
        mutation="setExecutionMode",
        notes=(
            "paper is always accepted. live is refused while the build is paper-locked (beta "
            "and default builds; TRADEGRAPH_LIVE_TRADING=true unlocks it): the seed gives no "
            "status for the refusal, we answer 503 EXECUTION_MODE_LOCKED (its convention for "
            "a disabled capability) and change nothing."
        ),
    ),
    route(
        method="POST", path="/api/system/exchange/reconcile", api="forven", router="system",
        op="reconcile_exchange", summary="Reconcile positions and orders with the exchange.",
        state="implemented", resolver=reconcile.reconcile_exchange,
        params=(
            Param("repair", "body", "bool", default=True,
                  description="fix what differs (default); false only reports"),
        ),
        response=Response("one", "Reconciliation"), graphql="reconcileExchange",
        mutation="reconcileExchange",
        notes=(
            "Compares our open trades routed to the paper exchange with the positions it holds "
            "(the paper venue fills market orders at once, so it has no resting orders). "
            "Differences and repairs: missing_on_exchange (open here, no venue position: the "
            "trade is marked failed, freeing its capital), closed_on_exchange (the venue closed "
            "it: the trade is closed at that fill), unknown_on_exchange (a venue position no "
            "open trade owns: closed at market), mismatch (symbol, side or size differ: the "
            "trade takes the venue's). A repair clears the trade's close_error. A repair the "
            "venue refuses is reported with repaired false and its error, never as a failure "
            "of the whole call; the venue is in-process, so there is no 502. The scheduler's "
            "exchange_reconcile job runs it without repair. The body is optional."
        ),
    ),
    route(
        method="GET", path="/api/scheduler", api="forven", router="scheduler",
        op="list_scheduler_jobs", summary="List scheduler jobs.", state="implemented",
        resolver=scheduler.list_jobs, response=Response("list", "SchedulerJob"),
        graphql="schedulerJobs",
        notes=(
            "The job catalog: market_ticks (1 s), paper_tick (60 s), agent_tick "
            "(TRADEGRAPH_AGENT_TICK_SECONDS, 60 s; 0 creates it disabled), pipeline (300 s), "
            "exchange_reconcile (300 s, report only), events_prune (3600 s: deletes live-feed "
            "events older than 24 h) and routines (5 s: queues the cron routines that are due). "
            "The first four and routines halt while the system is stopped. A job "
            "never run is due at once, then every `interval_seconds` after its last run started. "
            "`routines` lists, on the routines job's row only (empty on the others), every "
            "routine with its name, cron, timezone, status, next_run_at and last run's status "
            "and time; the other fields are unchanged."
        ),
    ),
    route(
        method="PATCH", path="/api/scheduler/{job_id}", api="forven", router="scheduler",
        op="update_scheduler_job", summary="Patch a scheduler job's config.", state="implemented",
        resolver=scheduler.update_job,
        params=(
            path_param("job_id", "str", what="scheduler job id"),
            Param("enabled", "body", "bool"),
            Param("interval_seconds", "body", "float", description="0.1 to 86400 seconds"),
        ),
        response=Response("one", "SchedulerJob"), graphql="updateSchedulerJob",
        mutation="updateSchedulerJob",
        notes=(
            "The seed does not document the patchable fields: `enabled` and "
            "`interval_seconds` (0.1 s to 24 h), at least one of them (else 422). The running "
            "scheduler re-reads its jobs on every pass (about every 0.1 s), so the change "
            "takes effect without a restart; an operator's change survives restarts."
        ),
    ),
)  # fmt: skip
