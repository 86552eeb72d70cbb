"""Forven (seed 000): backtesting, gauntlet, verdict and hypotheses.

The verdict engine runs the same robustness battery as the gauntlet (sample_size,
statistical_significance, walk_forward, monte_carlo, param_jitter, cost_stress, regime_split).
Stale gauntlet workflows are recovered at startup (a step is stale after one minute without
progress). GET /api/backtesting/datasets is catalogued once, in forven_data.
"""

from __future__ import annotations

from codegen.catalog.forven_system import forven, path_param
from codegen.model import Param, Response, Route
from resolvers.quant.strategies import FAMILIES

WORKFLOW_ID = path_param(arg="workflow_id", what="gauntlet workflow id")
HYPOTHESIS_ID = path_param(arg="hypothesis_id", what="hypothesis id")
SPAWN_LIMIT = (
    "422 when a hypothesis spawn limit (per-run or rolling-window) is hit, or the input is invalid."
)

ROUTES: tuple[Route, ...] = (
    forven(
        "POST", "/api/backtesting/strategies", "backtesting", "create_backtest_strategy",
        "Create a backtest strategy container (requires hypothesis_id).",
        Param("hypothesis_id", "body", "int", required=True, minimum=1),
        Param("name", "body", required=True, min_length=1),
        Param("family", "body", required=True, enum=tuple(FAMILIES),
              description="a built-in strategy family"),
        Param("symbol", "body", required=True, min_length=1),
        Param("timeframe", "body", default="1h",
              enum=("1m", "5m", "15m", "1h", "4h", "1d")),
        Param("params", "body", "json", description="family parameters; defaults fill gaps"),
        status=201,
        errors=(404,),
        state="implemented",
        resolver="strategies:create_strategy",
        response=Response("one", "Strategy"),
        graphql="strategy",
        notes=(
            "422 VALIDATION_ERROR without hypothesis_id (every strategy descends from a "
            "hypothesis) or with an unknown family; 422 INVALID_PARAMS for bad family params; "
            "404 when the hypothesis does not exist. The strategy starts at quick_screen. "
            "Spawn limits are not enforced yet."
        ),
    ),
    forven(
        "POST", "/api/gauntlet/strategies/{id}/workflow", "gauntlet", "create_gauntlet_workflow",
        "Create or fetch the gauntlet workflow for a strategy.",
        path_param(arg="strategy_id", what="strategy id"),
        notes="Idempotent: returns the existing workflow when there is one, hence 200 not 201.",
    ),
    forven(
        "GET", "/api/gauntlet/workflows/{id}", "gauntlet", "get_gauntlet_workflow",
        "Workflow detail with per-step status.",
        WORKFLOW_ID,
    ),
    forven(
        "POST", "/api/gauntlet/workflows/{id}/resume", "gauntlet", "resume_gauntlet_workflow",
        "Resume a workflow (with max_steps).",
        WORKFLOW_ID,
        Param("max_steps", "body", "int"),
    ),
    forven(
        "POST", "/api/gauntlet/workflows/{id}/cancel", "gauntlet", "cancel_gauntlet_workflow",
        "Cancel a workflow.",
        WORKFLOW_ID,
    ),
    forven(
        "POST", "/api/gauntlet/steps/{id}/retry", "gauntlet", "retry_gauntlet_step",
        "Retry a single robustness step.",
        path_param(arg="step_id", what="gauntlet step id"),
    ),
    forven(
        "POST", "/verdict/run", "verdict", "run_verdict",
        "Run verdict validation on a backtest result.",
        body=True,
        notes="Mounted outside /api. The body (which backtest result) is not documented.",
    ),
    forven(
        "GET", "/verdict/guide", "verdict", "get_verdict_guide",
        "Test descriptions and thresholds.",
        notes="Mounted outside /api.",
    ),
    forven(
        "GET", "/api/hypotheses", "hypotheses", "list_hypotheses",
        "List hypotheses (filter by view/lane/status/search).",
        Param("view", "query"),
        Param("lane", "query"),
        Param("status", "query"),
        Param("search", "query"),
        notes="The allowed view/lane/status values are not documented.",
    ),
    forven(
        "POST", "/api/hypotheses/manual", "hypotheses", "create_hypothesis",
        "Create a hypothesis manually.",
        Param("title", "body", required=True, min_length=1),
        Param("thesis", "body", default=""),
        Param("mechanism", "body", default=""),
        Param("novelty", "body", default=""),
        Param("lane", "body", default="general"),
        status=201,
        state="implemented",
        resolver="hypotheses:create_hypothesis",
        response=Response("one", "Hypothesis"),
        graphql="hypothesis",
    ),
    forven(
        "POST", "/api/hypotheses/from_url", "hypotheses", "create_hypothesis_from_url",
        "Create a hypothesis from a URL.",
        Param("url", "body", required=True),
        status=201,
        notes="Preview first with POST /api/hypotheses/preview_url.",
    ),
    forven(
        "POST", "/api/hypotheses/preview_url", "hypotheses", "preview_hypothesis_url",
        "Preview the hypothesis a URL would create (nothing is stored).",
        Param("url", "body", required=True),
    ),
    forven(
        "GET", "/api/hypotheses/{id}", "hypotheses", "get_hypothesis", "Read a hypothesis.",
        HYPOTHESIS_ID,
        state="implemented",
        resolver="hypotheses:get_hypothesis",
        response=Response("one", "Hypothesis"),
        graphql="hypothesis",
    ),
    forven(
        "POST", "/api/hypotheses/{id}/update", "hypotheses", "update_hypothesis",
        "Edit a hypothesis (title/thesis/mechanism/novelty).",
        HYPOTHESIS_ID,
        Param("title", "body"),
        Param("thesis", "body"),
        Param("mechanism", "body"),
        Param("novelty", "body"),
    ),
    forven(
        "POST", "/api/hypotheses/{id}/generate-strategies", "hypotheses",
        "generate_hypothesis_strategies", "Spawn child strategies from a thesis.",
        HYPOTHESIS_ID,
        notes=SPAWN_LIMIT,
    ),
)  # fmt: skip
