"""Forven (seed 000): settings, stored API keys, operator profile, sandbox and deep-dive chat.

The sandbox is disabled by default: only /scan (pure AST, no execution, API key only) is always
available; everything that spawns a subprocess answers 503 until enabled under
Settings -> Sandbox.
"""

from __future__ import annotations

from codegen.catalog.forven_system import path_param
from codegen.model import Param, Route
from codegen.route import route
from resolvers.deepdive.threads import MAX_MESSAGE

SANDBOX_OFF = "Sandbox: 503 unless enabled under Settings -> Sandbox (disabled by default)."
DEEPDIVE_NOTES = (
    "Server-sent events, not JSON or a WebSocket: a hand-written transport route "
    "(rest_compat/deepdive.py, sse-starlette). The thread id is the strategy's id: one "
    "persistent thread per strategy, created by its first message. Body "
    f'{{"message": "..."}}: required, stripped, 1-{MAX_MESSAGE} characters (no aliases). '
    "Refused before any event with the JSON error envelope: 404 NOT_FOUND (no such "
    "strategy), 422 INVALID_MESSAGE (missing, not a string, blank or too long), 422 "
    "VALIDATION_ERROR (another body key, a body that is not JSON, an id that is not an "
    "integer). Otherwise the operator's message is committed (role user) and the answer "
    "streams from the model policy's `chat` chain (PUT /api/model-policy; fallbacks only "
    'before the first chunk): `event: token` per chunk as it arrives, data {"text"}; then '
    "`event: message`, data the persisted answer (a DeepdiveMessage, status complete), or "
    '`event: error`, data {"code", "detail", "message_id"} (a PROVIDER_* code; the '
    "answer is persisted as failed with the text received). A comment line `: ping` every "
    "TRADEGRAPH_DEEPDIVE_PING seconds (default 15) keeps a quiet stream open. A client that "
    "disconnects stops the answer: the provider's stream is closed and the text so far "
    "persisted as interrupted. The prompt: a system message describing the strategy from "
    "its rows (stage, family, params, trades, latest verdict), the thread's earlier "
    "messages (up to 40), the question. Every persisted message appends a "
    "`deepdive.message` event; every provider attempt a model_calls row. Operator-gated: "
    "the seed's ungated deepdive reads are the thread itself, read in GraphQL as "
    "deepdiveThread(strategyId) with the API key only; the send's GraphQL twin is the "
    "subscription deepdiveSend(threadId, message), yielding the same events."
)

ROUTES: tuple[Route, ...] = (
    route(
        method="GET", path="/api/settings", api="forven", router="settings", op="get_settings",
        summary="Read all settings.",
    ),
    route(
        method="PUT", path="/api/settings/{section}", api="forven", router="settings",
        op="update_settings_section", summary="Update one settings section.",
        params=(path_param("section", "str", what="settings section, e.g. sandbox"),), body=True,
        notes="The section names and their fields are not documented here.",
    ),
    route(
        method="GET", path="/api/settings/api-keys", api="forven", router="settings",
        op="list_api_keys", summary="List stored exchange/data-source credentials.",
    ),
    route(
        method="POST", path="/api/settings/api-keys", api="forven", router="settings",
        op="create_api_key", summary="Store an exchange/data-source credential.", body=True,
        status=201, notes="The credential fields are not documented by name.",
    ),
    route(
        method="DELETE", path="/api/settings/api-keys", api="forven", router="settings",
        op="delete_api_key", summary="Delete a stored credential.", body=True,
        notes="Which credential to delete is not in the path; how it is named is not documented.",
    ),
    route(
        method="GET", path="/api/profile", api="forven", router="profile", op="get_profile",
        summary="Operator profile (name, timezone, risk-per-trade, rules, prefs).",
    ),
    route(
        method="PUT", path="/api/profile", api="forven", router="profile", op="update_profile",
        summary="Update the operator profile (name, timezone, risk-per-trade, rules, prefs).",
        body=True, notes="The seed lists the profile's contents, not its exact JSON field names.",
    ),
    route(
        method="POST", path="/api/sandbox/scan", api="forven", router="sandbox",
        op="scan_strategy_code", summary="AST-only static analysis of strategy code.", auth="api",
        body=True,
        notes="Always available (no execution) and not operator-gated (frontend contract).",
    ),
    route(
        method="POST", path="/api/sandbox/test", api="forven", router="sandbox",
        op="test_strategy_code", summary="Subprocess smoke test of strategy code.", body=True,
        errors=(503,), notes=SANDBOX_OFF,
    ),
    route(
        method="POST", path="/api/sandbox/runs/{id}/kill", api="forven", router="sandbox",
        op="kill_sandbox_run", summary="Kill a sandbox run.",
        params=(path_param(kind="str", arg="run_id", what="sandbox run id"),), errors=(503,),
        notes=SANDBOX_OFF + " The run id's type is not documented; taken as a string.",
    ),
    route(
        method="POST", path="/api/deepdive/threads/{id}/send", api="forven", router="deepdive",
        op="send_deepdive_message", summary="Streaming SSE chat for a strategy.",
        state="transport",
        params=(
            path_param(kind="int", arg="thread_id", what="deep-dive thread id: the strategy's id"),
            Param("message", "body", required=True, min_length=1, description=(
                f"the operator's question: stripped, 1-{MAX_MESSAGE} characters"
            )),
        ),
        events=(
            ("token", "DeepdiveToken"), ("message", "DeepdiveMessage"), ("error", "DeepdiveError"),
        ),
        notes=DEEPDIVE_NOTES,
    ),
)  # fmt: skip
