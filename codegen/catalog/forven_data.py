"""Forven (seed 000): market data, datasets, notifications, diagnostics and health status.

The diagnostics and health-status reads are ungated (frontend contract): API key only.
GET /api/backtesting/datasets appears in two of the seed's tables; it is catalogued once, here,
on the backtesting router its path belongs to.
"""

from __future__ import annotations

from codegen.catalog.forven_system import forven, path_param
from codegen.model import Param, Route

ROUTES: tuple[Route, ...] = (
    forven(
        "POST", "/api/fetch", "data", "fetch_ohlcv", "Fetch OHLCV data from an exchange.",
        body=True,
        notes="The body (exchange, symbol, timeframe, range) is not documented by field name.",
    ),
    forven(
        "GET", "/api/backtesting/datasets", "backtesting", "list_datasets",
        "List OHLCV datasets (the dataset catalog).",
        Param("symbol", "query"),
        Param("timeframe", "query"),
    ),
    forven(
        "GET", "/api/notifications", "notifications", "list_notifications",
        "List notifications (filter by status/severity/source/type).",
        Param("status", "query"),
        Param("severity", "query"),
        Param("source", "query"),
        Param("type", "query"),
    ),
    forven(
        "POST", "/api/notifications/{id}/acknowledge", "notifications",
        "acknowledge_notification", "Acknowledge one notification.",
        path_param(arg="notification_id", what="notification id"),
    ),
    forven(
        "POST", "/api/notifications/acknowledge-all", "notifications",
        "acknowledge_all_notifications", "Acknowledge all notifications.",
        notes=(
            "The seed writes `/api/notifications/{id}/acknowledge · /acknowledge-all`; read as "
            "/api/notifications/acknowledge-all since acknowledging all takes no id."
        ),
    ),
    forven(
        "GET", "/api/diagnostics/snapshot", "diagnostics", "get_diagnostics_snapshot",
        "Health snapshot: cost rollups, truncation summary, health checks.",
        auth="api",
        notes="Frontend contract: not operator-gated.",
    ),
    forven(
        "GET", "/api/diagnostics/resumable", "diagnostics", "list_resumable_tasks",
        "Interrupted tasks awaiting resume.",
        auth="api",
        notes="Frontend contract: not operator-gated.",
    ),
    forven(
        "POST", "/api/diagnostics/resumable/{id}/resume", "diagnostics", "resume_task",
        "Resume an interrupted task.",
        path_param(kind="str", arg="task_id", what="interrupted task id"),
        notes=(
            "A mutation, so operator-gated although the diagnostics reads are not. The id's type "
            "is not documented; taken as a string (task ids are strings elsewhere)."
        ),
    ),
    forven(
        "GET", "/api/health/status", "health", "get_health_status", "Component health.",
        auth="api",
        notes="Frontend contract: not operator-gated.",
    ),
    forven(
        "GET", "/api/health/alerts", "health", "list_health_alerts", "Recent health alerts.",
        auth="api",
        notes="Frontend contract: not operator-gated.",
    ),
)  # fmt: skip
