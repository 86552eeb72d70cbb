"""Forven (seed 000): market data, datasets, notifications, diagnostics and health status.

The diagnostics and health-status reads are ungated (frontend contract): API key only.
GET /api/backtesting/datasets appears in two of the seed's tables; it is catalogued once, here,
on the backtesting router its path belongs to.
"""

from __future__ import annotations

from codegen.catalog.forven_system import PAGING, path_param
from codegen.model import Param, Response, Route
from codegen.route import route
from resolvers import diagnostics, health, notifications
from resolvers.research import datasets, fetch, fetch_jobs
from resolvers.research.timeframes import TIMEFRAMES

ROUTES: tuple[Route, ...] = (
    route(
        method="POST", path="/api/fetch", api="forven", router="data", op="fetch_ohlcv",
        summary="Fetch OHLCV data from an exchange.", state="implemented",
        resolver=fetch_jobs.request_fetch,
        params=(
            Param("symbol", "body", required=True, min_length=1,
                  description="the market, e.g. BTC or BTC-USD (HyperLiquid coin BTC)"),
            Param("timeframe", "body", default="1h", enum=TIMEFRAMES,
                  description="the bar interval"),
            Param("start", "body", "datetime",
                  description="first bar wanted (ISO 8601; no offset means UTC); default "
                              "5,000 bars before end"),
            Param("end", "body", "datetime",
                  description="last bar wanted (ISO 8601); default and at most now"),
            Param("exchange", "body", default="hyperliquid", enum=fetch.EXCHANGES),
        ),
        response=Response("one", "OhlcvDataset"), errors=(409, 502, 504), accepted="JobAccepted",
        graphql="fetchOhlcv", mutation="fetchOhlcv",
        notes=(
            "The seed names no body fields; these are symbol (required), timeframe (default "
            "1h), start and end (ISO 8601, optional) and exchange (hyperliquid, the only one). "
            "Candles come from HyperLiquid's public candleSnapshot (TRADEGRAPH_HYPERLIQUID_URL, "
            "each request within TRADEGRAPH_HYPERLIQUID_TIMEOUT), which keeps only the most "
            "recent 5,000 bars per coin and timeframe: the default range asks for all of them. "
            "A range of at most TRADEGRAPH_FETCH_INLINE_BARS bars (default 1,000: two pages, a "
            "few seconds) is fetched at once and the answer is the stored dataset (200). A "
            "longer one (the default range's 5,000 bars among them) is queued as a job of kind "
            "fetch and the answer is 202 JobAccepted: job_id, status queued, and where to "
            "follow it: poll GraphQL job(id) (status, progress, progressMessage, result, "
            "error; the seed has no job route), or subscribe to its job.* events on the GraphQL "
            "events subscription (entity id = job_id); the dataset appears in GET "
            "/api/backtesting/datasets, and the succeeded job's result names its dataset_id. "
            "The choice is made up front from the bars the range spans, not by a timer, so "
            "nothing is fetched twice or abandoned half-done. Inside a job, an exchange error "
            "(502/504 codes below) or refused candles (422) fail the job for good (one "
            "attempt), its error the refusal's name and message (UpstreamError: HyperLiquid "
            "answered 500); POST again to retry. The GraphQL mutation fetchOhlcv always "
            "waits for the fetch and answers the dataset (a field cannot answer either a "
            "dataset or a job). "
            "Less history than "
            "asked for is no error: the quality report says truncated: true with "
            "requested_start and first_available. The bar still forming is left out. The bars "
            "are validated like a CSV import (422 DATASET_INVALID naming rows), and a second "
            "fetch of the same symbol and timeframe replaces the first (409 DATASET_BUSY when "
            "another request stores that series' first version at the same moment). "
            "422 INVALID_RANGE "
            "(start not before end), 422 NO_CANDLES (nothing in the range), 502 UPSTREAM_ERROR "
            "(a non-2xx answer, its status in details), 502 UPSTREAM_UNREACHABLE, 502 "
            "UPSTREAM_BAD_RESPONSE (not the documented shape), 504 UPSTREAM_TIMEOUT."
        ),
    ),
    route(
        method="GET", path="/api/backtesting/datasets", api="forven", router="backtesting",
        op="list_datasets", summary="List OHLCV datasets (the dataset catalog).",
        state="implemented", resolver=datasets.list_datasets,
        params=(
            Param("symbol", "query", description="exact symbol"),
            Param("timeframe", "query", enum=TIMEFRAMES),
            *PAGING,
        ),
        response=Response("page", "OhlcvDataset"), graphql="datasets", graphql_generated=True,
        notes=(
            "Paged oldest first like GET /api/strategies; filters combine. One dataset per "
            "symbol, timeframe and source (synthetic: the seeded market, demo data included; "
            "csv: `tradegraph datasets import FILE --symbol S --timeframe T`; hyperliquid: POST "
            "/api/fetch); storing a series again replaces its bars under the same id. sha256 "
            "is of the bars' canonical encoding (the tag `tradegraph.ohlcv.v1` and a newline, "
            "then the columns ts, open, high, low, close, volume whole, as little-endian int64 "
            "epoch seconds and float64), the same whatever file stored them. Every dataset "
            "passed validation (unsorted, duplicate, missing or misaligned bars, NaN, "
            "non-positive prices, high below low, open or close; negative volume), so quality "
            "holds what remains worth knowing."
        ),
    ),
    route(
        method="GET", path="/api/notifications", api="forven", router="notifications",
        op="list_notifications",
        summary="List notifications (filter by status/severity/source/type).",
        state="implemented", resolver=notifications.notifications_page,
        params=(
            Param("status", "query", "NotificationStatus"),
            Param("severity", "query", "NotificationSeverity"),
            Param("source", "query",
                  description="what raised it: approvals, trades, lifecycle, risk, jobs, "
                              "gauntlet, bots, skills"),
            Param("type", "query", description="e.g. approval.escalated, job.failed"),
            *PAGING,
        ),
        response=Response("page", "Notification"), graphql="notifications",
        graphql_generated=True,
        notes=(
            "Paged oldest first like every paged route (`limit`, default 50, max 500, and "
            "`cursor`): a cursor never skips a notification raised after it was issued; the "
            "newest are on the last page. Filters are exact and combine; status is unread or "
            "acknowledged, severity info, warning or critical (422 otherwise). Raised from "
            "real events (type, severity, source): approval.waiting (info) and "
            "approval.escalated (warning), approvals; trade.force_close_failed (critical), "
            "trades; strategy.demoted (warning), lifecycle; risk.veto (warning), risk; "
            "job.failed (warning), jobs; gauntlet.step_failed (warning), gauntlet; "
            "bot.failing (critical), bots; skill.declining (warning), skills. A condition "
            "that persists raises one unread notification per entity and type, not one per "
            "check. entity_type and entity_id name what it is about. Each new one is an "
            "outbox event notification.created (its payload the notification): GraphQL "
            "subscription events(topics: [\"notification.*\"])."
        ),
    ),
    route(
        method="POST", path="/api/notifications/{id}/acknowledge", api="forven",
        router="notifications", op="acknowledge_notification",
        summary="Acknowledge one notification.", state="implemented",
        resolver=notifications.acknowledge_notification,
        params=(path_param(arg="notification_id", what="notification id"),),
        response=Response("one", "Notification"), graphql="notifications",
        mutation="acknowledgeNotification", graphql_generated=True,
        notes=(
            "No body. Answers the notification, status acknowledged and acknowledged_at set "
            "(event notification.acknowledged). Idempotent: acknowledging an acknowledged one "
            "answers it unchanged (the first acknowledged_at) and appends no event. 404 "
            "NOT_FOUND for an unknown id."
        ),
    ),
    route(
        method="POST", path="/api/notifications/acknowledge-all", api="forven",
        router="notifications", op="acknowledge_all_notifications",
        summary="Acknowledge all notifications.", state="implemented",
        resolver=notifications.acknowledge_all_notifications,
        response=Response("one", "NotificationsAcknowledged"), graphql="notifications",
        mutation="acknowledgeAllNotifications", graphql_generated=True,
        notes=(
            "The seed writes `/api/notifications/{id}/acknowledge · /acknowledge-all`; read as "
            "/api/notifications/acknowledge-all since acknowledging all takes no id. No body. "
            "Acknowledges every unread notification (one notification.acknowledged event "
            "each) and answers {acknowledged: how many}; idempotent: 0 when none is unread."
        ),
    ),
    route(
        method="GET", path="/api/diagnostics/snapshot", api="forven", router="diagnostics",
        op="get_diagnostics_snapshot",
        summary="Health snapshot: cost rollups, truncation summary, health checks.", auth="api",
        state="implemented", resolver=diagnostics.get_diagnostics_snapshot,
        response=Response("one", "DiagnosticsSnapshot"), graphql="diagnosticsSnapshot",
        graphql_generated=True,
        notes=(
            "Frontend contract: not operator-gated. cost_rollups: model_calls grouped by "
            "provider, model and UTC day (YYYY-MM-DD) over the last 30 days, newest day first: "
            "calls, failures (ok false), prompt and completion tokens, cost_usd (priced calls) "
            "and unpriced (calls with no known price, counted at 0 USD); cost_total_usd sums "
            "them. truncation.datasets: every dataset whose quality report says truncated (a "
            "fetch got less history than asked for: HyperLiquid keeps its most recent 5,000 "
            "bars), with requested_start and first_available. Answers that hit a cap are not "
            "counted anywhere (capped_answers_tracked false): truncation.caps lists the limits "
            "instead (page size, exchange history, inline fetch bars, hypothesis fetch bytes, "
            "spawn per run, the rollup window). health: the checks of GET /api/health/status."
        ),
    ),
    route(
        method="GET", path="/api/diagnostics/resumable", api="forven", router="diagnostics",
        op="list_resumable_tasks", summary="Interrupted tasks awaiting resume.", auth="api",
        state="implemented", resolver=diagnostics.list_resumable_tasks,
        response=Response("list", "ResumableTask"), graphql="resumableTasks",
        graphql_generated=True,
        notes=(
            "Frontend contract: not operator-gated. Jobs the sweeper took back from an owner "
            "that stopped heartbeating (a crash, a kill) and that are queued to run again, "
            "oldest first; brain tasks are jobs of kind brain.chat (brain_task true). A job "
            "queued for the first time or re-queued after an ordinary failure is not listed; "
            "one whose attempts ran out failed instead (see the job's error)."
        ),
    ),
    route(
        method="POST", path="/api/diagnostics/resumable/{id}/resume", api="forven",
        router="diagnostics", op="resume_task", summary="Resume an interrupted task.",
        state="implemented", resolver=diagnostics.resume_task,
        params=(path_param(kind="str", arg="task_id", what="interrupted task id (a job id)"),),
        response=Response("one", "ResumableTask"), errors=(404, 409),
        graphql="resumeTask", mutation="resumeTask", graphql_generated=True,
        notes=(
            "A mutation, so operator-gated although the diagnostics reads are not. The id's type "
            "is not documented; taken as a string (task ids are strings elsewhere): the job id. "
            "Resuming makes the job claimable now (run_after now) and clears recovered_at, so "
            "it leaves the resumable list; a job.queued event goes out and the next free worker "
            "runs it (attempts are kept). 404 TASK_NOT_FOUND (unknown id), 409 "
            "TASK_NOT_RESUMABLE (the job is not an interrupted queued one: details name its "
            "status)."
        ),
    ),
    route(
        method="GET", path="/api/health/status", api="forven", router="health",
        op="get_health_status", summary="Component health.", auth="api",
        state="implemented", resolver=health.get_health_status,
        response=Response("one", "HealthStatus"), graphql="healthStatus",
        graphql_generated=True,
        notes=(
            "Frontend contract: not operator-gated. Components in order: database (a timed "
            "SELECT 1: latency_ms; degraded from 1,000 ms, down when it fails), event_bus "
            "(broker connected; degraded while the events table stands in), scheduler (down "
            "when stopped; value: seconds since the newest scheduler job run), job_workers "
            "(down when stopped; value: queued due jobs; degraded when the oldest waited 300 s "
            "or more), paper_service (value: running sessions; degraded when one runs without "
            "a scheduler), bots (value: running bots; degraded when any failed or bots meant "
            "to run have no supervisor), provider_lab (always ok) and provider_openai (ok when "
            "configured, else disabled). No provider's network is called on a read (neither "
            "cheap nor bounded: a model call is the real probe). disabled: "
            "this process does not run it (its settings); the overall status is the worst of "
            "the others. The read records nothing: alerts come from the scheduler's "
            "health_watch job (GET /api/health/alerts)."
        ),
    ),
    route(
        method="GET", path="/api/health/alerts", api="forven", router="health",
        op="list_health_alerts", summary="Recent health alerts.", auth="api",
        state="implemented", resolver=health.list_health_alerts,
        params=(
            Param("component", "query", description="one component's alerts (its name)"),
            Param("limit", "query", "int", default=health.ALERTS_DEFAULT, minimum=1,
                  maximum=health.ALERTS_MAX, description="at most this many, newest first"),
        ),
        response=Response("list", "HealthAlert"), graphql="healthAlerts",
        graphql_generated=True,
        notes=(
            "Frontend contract: not operator-gated. Newest first, at most limit (default 50, "
            "1 to 500). The scheduler's health_watch job (every 30 s) compares each "
            "component's status with its last alerted one (none yet: ok) and records an alert "
            "when it moved between ok, degraded and down: recovered when it came back to ok, "
            "else degraded, with the events health.degraded / health.recovered (entity id: the "
            "component). disabled counts as ok. Without a running scheduler no alert is "
            "recorded (the status read says scheduler down)."
        ),
    ),
)  # fmt: skip
