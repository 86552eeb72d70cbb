"""Forven (seed 000): market data, datasets, notifications, diagnostics and health status.

The diagnostics and health-status reads are ungated (frontend contract): API key only.
GET /api/backtesting/datasets appears in two of the seed's tables; it is catalogued once, here,
on the backtesting router its path belongs to.
"""

from __future__ import annotations

from codegen.catalog.forven_system import path_param
from codegen.model import Param, Route
from codegen.route import route

ROUTES: tuple[Route, ...] = (
    route(
        method="POST", path="/api/fetch", api="forven", router="data", op="fetch_ohlcv",
        summary="Fetch OHLCV data from an exchange.", body=True,
        notes="The body (exchange, symbol, timeframe, range) is not documented by field name.",
    ),
    route(
        method="GET", path="/api/backtesting/datasets", api="forven", router="backtesting",
        op="list_datasets", summary="List OHLCV datasets (the dataset catalog).",
        params=(Param("symbol", "query"), Param("timeframe", "query")),
    ),
    route(
        method="GET", path="/api/notifications", api="forven", router="notifications",
        op="list_notifications",
        summary="List notifications (filter by status/severity/source/type).",
        params=(
            Param("status", "query"),
            Param("severity", "query"),
            Param("source", "query"),
            Param("type", "query"),
        ),
    ),
    route(
        method="POST", path="/api/notifications/{id}/acknowledge", api="forven",
        router="notifications", op="acknowledge_notification",
        summary="Acknowledge one notification.",
        params=(path_param(arg="notification_id", what="notification id"),),
    ),
    route(
        method="POST", path="/api/notifications/acknowledge-all", api="forven",
        router="notifications", op="acknowledge_all_notifications",
        summary="Acknowledge all notifications.",
        notes=(
            "The seed writes `/api/notifications/{id}/acknowledge · /acknowledge-all`; read as "
            "/api/notifications/acknowledge-all since acknowledging all takes no id."
        ),
    ),
    route(
        method="GET", path="/api/diagnostics/snapshot", api="forven", router="diagnostics",
        op="get_diagnostics_snapshot",
        summary="Health snapshot: cost rollups, truncation summary, health checks.", auth="api",
        notes="Frontend contract: not operator-gated.",
    ),
    route(
        method="GET", path="/api/diagnostics/resumable", api="forven", router="diagnostics",
        op="list_resumable_tasks", summary="Interrupted tasks awaiting resume.", auth="api",
        notes="Frontend contract: not operator-gated.",
    ),
    route(
        method="POST", path="/api/diagnostics/resumable/{id}/resume", api="forven",
        router="diagnostics", op="resume_task", summary="Resume an interrupted task.",
        params=(path_param(kind="str", arg="task_id", what="interrupted task id"),),
        notes=(
            "A mutation, so operator-gated although the diagnostics reads are not. The id's type "
            "is not documented; taken as a string (task ids are strings elsewhere)."
        ),
    ),
    route(
        method="GET", path="/api/health/status", api="forven", router="health",
        op="get_health_status", summary="Component health.", auth="api",
        notes="Frontend contract: not operator-gated.",
    ),
    route(
        method="GET", path="/api/health/alerts", api="forven", router="health",
        op="list_health_alerts", summary="Recent health alerts.", auth="api",
        notes="Frontend contract: not operator-gated.",
    ),
)  # fmt: skip
