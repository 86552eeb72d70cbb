"""Forven (seed 000): backtesting, gauntlet, verdict and hypotheses.

The verdict engine runs the same robustness battery as the gauntlet (sample_size,
statistical_significance, walk_forward, monte_carlo, param_jitter, cost_stress, regime_split).
Stale gauntlet workflows are recovered at startup (a step is stale after one minute without
progress). GET /api/backtesting/datasets is catalogued once, in forven_data.
"""

from __future__ import annotations

from codegen.catalog.forven_system import PAGING, forven, path_param
from codegen.model import Param, Response, Route
from resolvers.quant.strategies import FAMILIES

WORKFLOW_ID = path_param(arg="workflow_id", what="gauntlet workflow id")
HYPOTHESIS_ID = path_param(arg="hypothesis_id", what="hypothesis id")
SPAWN_LIMIT = (
    "422 when a hypothesis spawn limit (per-run or rolling-window) is hit, or the input is invalid."
)
# the values resolvers/hypotheses.py and resolvers/strategies.py accept (tests compare them)
HYPOTHESIS_VIEWS = ("all", "active", "archived", "untested", "tested")
HYPOTHESIS_STATUSES = ("active", "archived")
TIMEFRAMES = ("1m", "5m", "15m", "1h", "4h", "1d")
URL_BODY = (
    Param("url", "body", required=True, min_length=1, description="an http(s) page to read"),
    Param("lane", "body", default="general"),
)
FETCH = (
    "The server fetches the page (an SSRF vector by nature: hence operator-only; loopback and "
    "private hosts are not blocked), with TRADEGRAPH_FETCH_TIMEOUT for the whole exchange, at "
    "most 5 redirects and TRADEGRAPH_FETCH_MAX_BYTES of body. 422 INVALID_URL (not http(s) "
    "or no host), 422 URL_NOT_HTML (a content type other than HTML), 422 URL_TOO_LARGE (the "
    "cap; the URL is the input at fault, so not 413), 502 URL_UNREACHABLE (refused, "
    "unresolvable or timed out), 502 URL_FETCH_FAILED (a non-2xx answer, its status in "
    "details, or a broken redirect chain)."
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
            "Spawn limits (checked after the input, so a refusal means only the limit): 422 "
            "SPAWN_LIMIT_REACHED when one request would spawn more than TRADEGRAPH_SPAWN_PER_RUN "
            "strategies (detail.limit \"per_run\"), or when the hypothesis already has "
            "TRADEGRAPH_SPAWN_WINDOW_LIMIT strategies created in the last "
            "TRADEGRAPH_SPAWN_WINDOW_HOURS (detail.limit \"window\", window_hours, used, "
            "requested, max, and retry_after: whole seconds until enough age out, null when "
            "waiting cannot help). Every strategy created in the window counts, archived ones "
            "too. A refusal writes nothing."
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
        Param("view", "query", enum=HYPOTHESIS_VIEWS,
              description="all (default), active, archived, untested (no child strategy), "
                          "tested (at least one)"),
        Param("lane", "query", description="exact lane"),
        Param("status", "query", enum=HYPOTHESIS_STATUSES),
        Param("search", "query",
              description="case-insensitive substring of title, thesis, mechanism or novelty"),
        *PAGING,
        state="implemented",
        resolver="hypotheses:list_hypotheses",
        response=Response("page", "Hypothesis"),
        graphql="hypotheses",
        notes=(
            "The seed does not list the values. Views: all (default), active and archived (by "
            "status), untested (no child strategy yet), tested (at least one). `status` is "
            "active or archived; `lane` matches exactly; `search` is a case-insensitive "
            "substring of title, thesis, mechanism or novelty (% and _ match themselves). "
            "Filters combine. Paged oldest first like GET /api/strategies."
        ),
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
        *URL_BODY,
        status=201,
        errors=(502,),
        state="implemented",
        resolver="hypotheses:create_hypothesis_from_url",
        response=Response("one", "Hypothesis"),
        graphql="hypothesis",
        notes=(
            "Preview first with POST /api/hypotheses/preview_url: this stores exactly what the "
            "preview shows, with source \"url\" and source_url the page's URL after redirects. "
            + FETCH
        ),
    ),
    forven(
        "POST", "/api/hypotheses/preview_url", "hypotheses", "preview_hypothesis_url",
        "Preview the hypothesis a URL would create (nothing is stored).",
        *URL_BODY,
        errors=(502,),
        state="implemented",
        resolver="hypotheses:preview_hypothesis_url",
        response=Response("one", "HypothesisPreview"),
        graphql="previewHypothesisUrl",
        notes=(
            "Nothing is stored. Title: the page's <title>, else og:title, else its first <h1>, "
            "else the host (at most 200 characters). Thesis: the visible text (scripts, "
            "styles, navigation and the head left out, whitespace collapsed) clipped to 2,000 "
            "characters at a word boundary, else the meta description. Mechanism and novelty "
            "are left empty for the operator. " + FETCH
        ),
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
        Param("title", "body", min_length=1),
        Param("thesis", "body"),
        Param("mechanism", "body"),
        Param("novelty", "body"),
        state="implemented",
        resolver="hypotheses:update_hypothesis",
        response=Response("one", "Hypothesis"),
        graphql="hypothesis",
        notes=(
            "Changes only the fields the body names (null or absent: unchanged), validated as "
            "on create (a title that is blank once stripped is a 422); a body naming none of "
            "them is 422 NOTHING_TO_UPDATE. Writes a hypothesis.updated event."
        ),
    ),
    forven(
        "POST", "/api/hypotheses/{id}/generate-strategies", "hypotheses",
        "generate_hypothesis_strategies", "Spawn child strategies from a thesis.",
        HYPOTHESIS_ID,
        Param("count", "body", "int", minimum=1, maximum=len(FAMILIES),
              description="how many (one per family); default: every family the text suggests"),
        Param("symbol", "body", min_length=1,
              description="default: the first coin the text names, else BTC-USD"),
        Param("timeframe", "body", enum=TIMEFRAMES, description="default 1h"),
        status=201,
        errors=(404, 409),
        state="implemented",
        resolver="hypothesis_spawn:generate_hypothesis_strategies",
        response=Response("one", "GeneratedStrategies"),
        graphql="hypothesis",
        notes=(
            SPAWN_LIMIT + " 201: it creates strategies (source \"generated\", at quick_screen, "
            "family default parameters, named \"<hypothesis title> · <family title>\"). "
            "Families are picked deterministically from the hypothesis's title, thesis, "
            "mechanism and novelty by keyword (trend/moving average: ma_cross; momentum/trend: "
            "macd_momentum; mean reversion/oversold/overbought/RSI: rsi_reversion and "
            "bollinger_reversion; breakout/channel/range: donchian_breakout; "
            "squeeze/compression/volatility/breakout: squeeze_breakout), strongest match "
            "first; with no match, ma_cross, rsi_reversion and donchian_breakout. Without "
            "`count`, every suggested family up to the per-run limit. The limits are checked "
            "once for the whole batch: a refusal creates nothing. 409 HYPOTHESIS_ARCHIVED for "
            "an archived hypothesis."
        ),
    ),
)  # fmt: skip
