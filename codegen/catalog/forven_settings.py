"""Forven (seed 000): settings, stored API keys, operator profile, sandbox and deep-dive chat.

The sandbox is disabled by default: only /scan (pure AST, no execution, API key only) is always
available; everything that spawns a subprocess answers 503 until enabled under
Settings -> Sandbox.
"""

from __future__ import annotations

from codegen.catalog.forven_system import forven, path_param
from codegen.model import Route

SANDBOX_OFF = "Sandbox: 503 unless enabled under Settings -> Sandbox (disabled by default)."

ROUTES: tuple[Route, ...] = (
    forven("GET", "/api/settings", "settings", "get_settings", "Read all settings."),
    forven(
        "PUT", "/api/settings/{section}", "settings", "update_settings_section",
        "Update one settings section.",
        path_param("section", "str", what="settings section, e.g. sandbox"),
        body=True,
        notes="The section names and their fields are not documented here.",
    ),
    forven(
        "GET", "/api/settings/api-keys", "settings", "list_api_keys",
        "List stored exchange/data-source credentials.",
    ),
    forven(
        "POST", "/api/settings/api-keys", "settings", "create_api_key",
        "Store an exchange/data-source credential.",
        status=201,
        body=True,
        notes="The credential fields are not documented by name.",
    ),
    forven(
        "DELETE", "/api/settings/api-keys", "settings", "delete_api_key",
        "Delete a stored credential.",
        body=True,
        notes="Which credential to delete is not in the path; how it is named is not documented.",
    ),
    forven("GET", "/api/profile", "profile", "get_profile",
           "Operator profile (name, timezone, risk-per-trade, rules, prefs)."),
    forven(
        "PUT", "/api/profile", "profile", "update_profile",
        "Update the operator profile (name, timezone, risk-per-trade, rules, prefs).",
        body=True,
        notes="The seed lists the profile's contents, not its exact JSON field names.",
    ),
    forven(
        "POST", "/api/sandbox/scan", "sandbox", "scan_strategy_code",
        "AST-only static analysis of strategy code.",
        auth="api",
        body=True,
        notes="Always available (no execution) and not operator-gated (frontend contract).",
    ),
    forven(
        "POST", "/api/sandbox/test", "sandbox", "test_strategy_code",
        "Subprocess smoke test of strategy code.",
        body=True,
        errors=(503,),
        notes=SANDBOX_OFF,
    ),
    forven(
        "POST", "/api/sandbox/runs/{id}/kill", "sandbox", "kill_sandbox_run",
        "Kill a sandbox run.",
        path_param(kind="str", arg="run_id", what="sandbox run id"),
        errors=(503,),
        notes=SANDBOX_OFF + " The run id's type is not documented; taken as a string.",
    ),
    forven(
        "POST", "/api/deepdive/threads/{id}/send", "deepdive", "send_deepdive_message",
        "Streaming SSE chat for a strategy.",
        path_param(kind="str", arg="thread_id", what="deep-dive thread id"),
        body=True,
        notes=(
            "Answers with server-sent events, not JSON or a WebSocket (DESIGN lists SSE among "
            "the hand-written transport routes). Operator-gated: the seed's ungated deepdive "
            "reads are not this send. The thread id's type is not documented; taken as a string."
        ),
    ),
)  # fmt: skip
