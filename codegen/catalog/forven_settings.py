"""Forven (seed 000): settings, stored API keys, operator profile, sandbox and deep-dive chat.

The sandbox is disabled by default: only /scan (pure AST, no execution, API key only) is always
available; everything that spawns a subprocess answers 503 until enabled under
Settings -> Sandbox.
"""

from __future__ import annotations

from codegen.catalog.forven_system import path_param
from codegen.model import Param, Response, Route
from codegen.route import route
from resolvers import profile
from resolvers.deepdive.threads import MAX_MESSAGE
from resolvers.sandbox import runs, scan
from resolvers.settings import api_keys, registry

Scalar = str | float | bool | None

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
        summary="Read all settings.", state="implemented", resolver=registry.get_settings,
        response=Response("one", "Settings"), graphql="settings", graphql_generated=True,
        notes=(
            "Every section (approvals, sandbox, verdict) with its current values and each "
            "field's type, default and bounds (min/max, or choices). approvals is the approval "
            "modes (GET /api/approvals/modes) without the per-type deadlines map; sandbox: "
            "enabled (default false) and the run limits cpu_seconds, memory_mb, wall_seconds, "
            "max_file_mb, max_processes; verdict: the battery's scalar thresholds, defaults "
            "the configured ones (TRADEGRAPH_VERDICT_THRESHOLDS). A section's updated_at is "
            "null while it holds only defaults."
        ),
    ),
    route(
        method="PUT", path="/api/settings/{section}", api="forven", router="settings",
        op="update_settings_section", summary="Update one settings section.",
        state="implemented", resolver=registry.update_settings_section,
        params=(
            path_param("section", "str", what="settings section: approvals, sandbox or verdict"),
            Param("values", "body", "json", required=True, schema=dict[str, Scalar],
                  description="field -> new value; the fields not named are kept"),
        ),
        response=Response("one", "SettingsSection"), graphql="settings",
        mutation="updateSettingsSection", graphql_generated=True,
        notes=(
            'The seed does not document the body: {"values": {field: value}}, a partial '
            "update; answers the section after it. Takes effect without a restart (the "
            "sandbox, the approval triage and the battery read the stored values on each "
            "use). 422 (nothing written): UNKNOWN_SETTINGS_SECTION (details.section), "
            "UNKNOWN_SETTING (details.field), INVALID_SETTINGS (values not an object), "
            "NO_CHANGES (empty), INVALID_SETTING_TYPE, SETTING_OUT_OF_RANGE (details.field, "
            "value), INVALID_SETTING (verdict thresholds the battery refuses together); "
            "approvals keeps its own codes (UNKNOWN_APPROVAL_MODE, INVALID_DEADLINE, "
            "INVALID_OWNER, INVALID_THRESHOLD) and its approval_modes.updated event. A change "
            "appends settings.updated {section, changed, values}."
        ),
    ),
    route(
        method="GET", path="/api/settings/api-keys", api="forven", router="settings",
        op="list_api_keys", summary="List stored exchange/data-source credentials.",
        state="implemented", resolver=api_keys.list_api_keys,
        response=Response("list", "StoredApiKey"), graphql="apiKeys", graphql_generated=True,
        notes=(
            "Ordered by name. "
            "value is always ******** (no part of a stored value is ever answered)."
        ),
    ),
    route(
        method="POST", path="/api/settings/api-keys", api="forven", router="settings",
        op="create_api_key", summary="Store an exchange/data-source credential.",
        state="implemented", resolver=api_keys.create_api_key,
        params=(
            Param("name", "body", required=True,
                  description="1-64 characters of a-z, 0-9, _ - . (a letter or digit first)"),
            Param("provider", "body", required=True,
                  description="who it is for, e.g. hyperliquid, openai (1-40 characters)"),
            Param("kind", "body", "ApiKeyKind", required=True,
                  description="exchange or data_source"),
            Param("value", "body", required=True, description="the secret (1-4096 characters)"),
            Param("label", "body", description="a free label (at most 200 characters)"),
        ),
        status=201, response=Response("one", "StoredApiKey"), errors=(409,),
        graphql="apiKeys", mutation="createApiKey", graphql_generated=True,
        notes=(
            "The seed does not name the fields: {name, provider, kind, value, label?}. The "
            "value is sealed with the key ring (Fernet/MultiFernet: TRADEGRAPH_SECRET_KEYS or "
            "the data dir's 0600 secret.key) before it is stored and never answered, logged "
            "or put in an event. 409 API_KEY_EXISTS (delete it first); 422 INVALID_API_KEY "
            "(details.field). Event api_key.created (masked)."
        ),
    ),
    route(
        method="DELETE", path="/api/settings/api-keys", api="forven", router="settings",
        op="delete_api_key", summary="Delete a stored credential.",
        state="implemented", resolver=api_keys.delete_api_key,
        params=(Param("name", "query", required=True, description="the stored key's name"),),
        response=Response("one", "StoredApiKey"), errors=(404,), graphql="apiKeys",
        mutation="deleteApiKey", graphql_generated=True,
        notes=(
            "The seed's DELETE has no path id: the key is named in the query (?name=), not a "
            "body (some clients drop DELETE bodies). Answers the deleted key, masked; 404 "
            "NOT_FOUND for an unknown name. Event api_key.deleted."
        ),
    ),
    route(
        method="GET", path="/api/profile", api="forven", router="profile", op="get_profile",
        summary="Operator profile (name, timezone, risk-per-trade, rules, prefs).",
        state="implemented", resolver=profile.get_profile,
        response=Response("one", "Profile"), graphql="profile", graphql_generated=True,
        notes=(
            'Before the first PUT the defaults: name "", timezone UTC, risk_per_trade 0.01, '
            "rules [], preferences {}, updated_at null."
        ),
    ),
    route(
        method="PUT", path="/api/profile", api="forven", router="profile", op="update_profile",
        summary="Update the operator profile (name, timezone, risk-per-trade, rules, prefs).",
        state="implemented", resolver=profile.update_profile,
        params=(
            Param("name", "body", description="display name, at most 80 characters"),
            Param("timezone", "body", description="an IANA timezone name, e.g. Europe/Berlin"),
            Param("risk_per_trade", "body", "float",
                  description="fraction of equity risked per trade, above 0 and at most 0.1"),
            Param("rules", "body", "json", schema=list[str],
                  description="up to 50 rules of at most 500 characters (replaces the list)"),
            Param("preferences", "body", "json", schema=dict[str, Scalar],
                  description="flat map, up to 50 keys of 1-64 characters, scalar values"),
        ),
        response=Response("one", "Profile"), graphql="profile", mutation="updateProfile",
        graphql_generated=True,
        notes=(
            "The seed lists the contents, not the field names: name, timezone, "
            "risk_per_trade, rules, preferences; a partial update (fields not given kept; "
            "rules and preferences replaced whole). 422: NO_CHANGES, INVALID_NAME, "
            "UNKNOWN_TIMEZONE (details.timezone; zoneinfo), INVALID_RISK, INVALID_RULES, "
            "INVALID_PREFERENCES (string values at most 500 characters). Event profile.updated."
        ),
    ),
    route(
        method="POST", path="/api/sandbox/scan", api="forven", router="sandbox",
        op="scan_strategy_code", summary="AST-only static analysis of strategy code.", auth="api",
        state="implemented", resolver=scan.scan_strategy_code,
        params=(Param("code", "body", required=True, min_length=1, description=(
            f"the strategy's Python source, at most {scan.MAX_CODE} characters"
        )),),
        response=Response("one", "SandboxScan"), graphql="scanStrategyCode",
        mutation="scanStrategyCode",
        graphql_generated=True,
        notes=(
            "Always available (no execution) and not operator-gated (frontend contract): the "
            "code is parsed with `ast`, never run. Body {\"code\"}. Answers {verdict: "
            "pass|fail, findings: [{rule, line, col, detail, severity}]}; any high-severity "
            "finding fails (every current rule is high). Rules: syntax (a parse error is a "
            "finding, not an error), import (outside the allow-list: __future__, math, "
            "statistics, numpy, pandas, collections, dataclasses, typing, functools, "
            "itertools, operator, enum, abc, decimal, fractions and the lab's helpers "
            "resolvers.quant.indicators/strategies/family_series), dynamic_code (eval, exec, "
            "compile, __import__), file_access (open, io/pathlib/shutil/...), network "
            "(socket, urllib, http, requests, ...), process (os, subprocess, sys, ctypes, "
            "...; and calls such as x.system, x.popen), dunder (x.__class__, __subclasses__, "
            "__globals__, __builtins__...; __name__, __qualname__, __doc__, __init__ are "
            "allowed), reflection (getattr, setattr, delattr, vars, globals, locals, dir, "
            "breakpoint, input). 422 INVALID_CODE (not a string, blank or too long). "
            "GraphQL: the mutation scanStrategyCode(code) (it writes nothing)."
        ),
    ),
    route(
        method="POST", path="/api/sandbox/test", api="forven", router="sandbox",
        op="test_strategy_code", summary="Subprocess smoke test of strategy code.",
        state="implemented", resolver=runs.test_strategy_code,
        params=(
            Param("code", "body", required=True, min_length=1,
                  description="the strategy's Python source; it defines signals(close)"),
            Param("run_id", "body", min_length=1, description=(
                "optional name for the run, [a-z0-9][a-z0-9_-]{0,63}, so that it can be "
                "killed while the test waits; default a fresh uuid"
            )),
        ),
        response=Response("one", "SandboxRun"), graphql="testSandboxCode",
        mutation="testSandboxCode",
        graphql_generated=True, errors=(409, 503),
        notes=SANDBOX_OFF + (
            " 503 SANDBOX_DISABLED (checked first, on every request: enabling takes effect "
            "without a restart). Body {code, run_id?}. The code is scanned first (422 "
            "SANDBOX_SCAN_FAILED, details.findings as the scan answers them; 422 INVALID_CODE, "
            "INVALID_RUN_ID), then run in a subprocess: the code is executed and its "
            f"`signals(close)` called on {runs.SAMPLE_BARS} deterministic synthetic closes; it "
            "must answer one number per bar (its position). Limits from Settings -> Sandbox: "
            "RLIMIT_CPU, RLIMIT_AS (memory), RLIMIT_FSIZE, RLIMIT_NPROC, its own process group, "
            "a wall-clock timeout killing the group; no network (a fresh network namespace; "
            "503 SANDBOX_ISOLATION_UNAVAILABLE where the kernel refuses one); an empty "
            "environment; under a root server it runs as uid 65534 after importing the "
            "allowed modules. The request waits for the run (at most the wall limit) and "
            "answers it: status succeeded|failed|killed|timeout, limit_hit cpu|memory|"
            "file_size|processes|wall, result {bars, long, short, flat, last}, error, "
            "stderr_tail, the limits applied. 409 SANDBOX_RUN_EXISTS (run_id taken). Runs "
            "live in the server process's memory (the last 100), not the database. Event "
            "sandbox_run.finished. GraphQL: the mutation testSandboxCode."
        ),
    ),
    route(
        method="POST", path="/api/sandbox/runs/{id}/kill", api="forven", router="sandbox",
        op="kill_sandbox_run", summary="Kill a sandbox run.",
        params=(path_param(kind="str", arg="run_id", what="sandbox run id"),), errors=(503,),
        state="implemented", resolver=runs.kill_sandbox_run,
        response=Response("one", "SandboxRun"), graphql="killSandboxRun",
        mutation="killSandboxRun",
        graphql_generated=True,
        notes=SANDBOX_OFF + (
            " The run id's type is not documented; taken as a string (a test's run_id or "
            "the uuid it was given). 503 SANDBOX_DISABLED, 404 SANDBOX_RUN_NOT_FOUND "
            "(unknown, or dropped from memory). SIGKILLs the run's whole process group and "
            "answers the run (status killed); idempotent: a finished run is answered as it "
            "ended. Event sandbox_run.killed. GraphQL: the mutation killSandboxRun(id)."
        ),
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
