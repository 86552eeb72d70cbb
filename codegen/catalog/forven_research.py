"""Forven (seed 000): backtesting, gauntlet, verdict and hypotheses.

The verdict engine runs the same robustness battery as the gauntlet (sample_size,
statistical_significance, walk_forward, monte_carlo, param_jitter, cost_stress, regime_split).
Stale gauntlet workflows are recovered at startup (a step is stale after one minute without
progress). GET /api/backtesting/datasets is catalogued once, in forven_data.
"""

from __future__ import annotations

from codegen.catalog.forven_system import PAGING, path_param
from codegen.model import Param, Response, Route
from codegen.route import route
from resolvers import hypotheses, hypothesis_spawn
from resolvers.quant.strategies import FAMILIES, Params
from resolvers.research import gauntlet, verdict

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
    route(
        method="POST", path="/api/backtesting/strategies", api="forven", router="backtesting",
        op="create_backtest_strategy",
        summary="Create a backtest strategy container (requires hypothesis_id).",
        state="implemented", resolver=hypothesis_spawn.create_backtest_strategy,
        params=(
            Param("hypothesis_id", "body", "int", required=True, minimum=1),
            Param("name", "body", min_length=1,
                  description="default: \"<hypothesis title> · <family title>\""),
            Param("family", "body", enum=tuple(FAMILIES),
                  description="a built-in strategy family; default: the one the hypothesis's "
                              "text suggests most (as generate-strategies picks)"),
            Param("symbol", "body", min_length=1,
                  description="default: the first coin the hypothesis names, else BTC-USD"),
            Param("timeframe", "body", enum=TIMEFRAMES, description="default 1h"),
            Param("params", "body", "json", schema=Params,
                  description="family parameters by name; defaults fill gaps"),
        ),
        status=201, response=Response("one", "Strategy"), errors=(404,), graphql="strategy",
        mutation="createStrategy",
        notes=(
            "Only hypothesis_id is required (the seed names nothing else): a missing family, "
            "symbol, timeframe, name or params is chosen from the hypothesis exactly as "
            "generate-strategies chooses (its strongest keyword family, else ma_cross; the "
            "first coin its text names, else BTC-USD; 1h; the family's defaults) and written "
            "on the created strategy. "
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
    route(
        method="POST", path="/api/gauntlet/strategies/{id}/workflow", api="forven",
        router="gauntlet", op="create_gauntlet_workflow",
        summary="Create or fetch the gauntlet workflow for a strategy.", state="implemented",
        resolver=gauntlet.create_gauntlet_workflow,
        params=(path_param(arg="strategy_id", what="strategy id"),),
        response=Response("one", "GauntletWorkflow"), graphql="gauntletWorkflow",
        mutation="createGauntletWorkflow", graphql_generated=True,
        notes=(
            "Idempotent, hence 200 not 201: answers the strategy's latest workflow when it "
            "judges the strategy's current family and parameters and was not cancelled; "
            "otherwise creates one and starts it (status running, its first step queued). "
            "One step per verdict test (GET /verdict/guide) in the battery's order, each run "
            "as a job of the job table (leased, heartbeated, recovered after a crash and run "
            "again: every test is deterministic, so a recovered step gives the same result). "
            "A failing test does not stop the run; the workflow is passed only when every "
            "step passed. Its bars are fixed at creation: the newest stored dataset of the "
            "strategy's symbol and timeframe, else the lab market's last 5,000 closed bars. "
            "Creating one records the parameter set in the trial register the deflated Sharpe "
            "counts. Events: gauntlet.workflow and gauntlet.step (the objects' JSON) and "
            "job.*; GraphQL subscription gauntletWorkflow(id). A passed workflow is the "
            "gauntlet_passed gate of research_only -> paper."
        ),
    ),
    route(
        method="GET", path="/api/gauntlet/workflows/{id}", api="forven", router="gauntlet",
        op="get_gauntlet_workflow", summary="Workflow detail with per-step status.",
        state="implemented", resolver=gauntlet.get_gauntlet_workflow, params=(WORKFLOW_ID,),
        response=Response("one", "GauntletWorkflow"), graphql="gauntletWorkflow",
        graphql_generated=True,
        notes="Each step's status, progress (0-1 within its attempt), message, attempts, job "
              "id, result (value, threshold, passed, reason, details) and timings.",
    ),
    route(
        method="POST", path="/api/gauntlet/workflows/{id}/resume", api="forven", router="gauntlet",
        op="resume_gauntlet_workflow", summary="Resume a workflow (with max_steps).",
        state="implemented", resolver=gauntlet.resume_gauntlet_workflow,
        params=(
            WORKFLOW_ID,
            Param("max_steps", "body", "int", minimum=1,
                  description="start at most this many more steps, then pause; default: all"),
        ),
        response=Response("one", "GauntletWorkflow"), errors=(409,), graphql="gauntletWorkflow",
        mutation="resumeGauntletWorkflow", graphql_generated=True,
        notes="Runs a paused, cancelled or interrupted workflow on from its next pending step "
              "(a cancelled step runs again). With max_steps the workflow pauses (status "
              "paused) after starting that many; resuming a running workflow only resets the "
              "budget. 409 WORKFLOW_FINISHED when no step is left to run (retry one instead).",
    ),
    route(
        method="POST", path="/api/gauntlet/workflows/{id}/cancel", api="forven", router="gauntlet",
        op="cancel_gauntlet_workflow", summary="Cancel a workflow.", state="implemented",
        resolver=gauntlet.cancel_gauntlet_workflow, params=(WORKFLOW_ID,),
        response=Response("one", "GauntletWorkflow"), errors=(409,), graphql="gauntletWorkflow",
        mutation="cancelGauntletWorkflow", graphql_generated=True,
        notes="Its queued or running step becomes cancelled and its job is cancelled (a step "
              "already computing stops at its next heartbeat and its result is dropped); "
              "resume continues it. Cancelling a cancelled workflow answers it unchanged; 409 "
              "WORKFLOW_FINISHED for a passed or failed one.",
    ),
    route(
        method="POST", path="/api/gauntlet/steps/{id}/retry", api="forven", router="gauntlet",
        op="retry_gauntlet_step", summary="Retry a single robustness step.", state="implemented",
        resolver=gauntlet.retry_gauntlet_step,
        params=(path_param(arg="step_id", what="gauntlet step id"),),
        response=Response("one", "GauntletWorkflow"), errors=(409,), graphql="gauntletWorkflow",
        mutation="retryGauntletStep", graphql_generated=True,
        notes="Re-runs one finished step (passed, failed, error or cancelled) and answers its "
              "workflow; a workflow that was not running runs for that one step and settles "
              "again. 409 STEP_NOT_FINISHED for a pending, queued or running step.",
    ),
    route(
        method="POST", path="/verdict/run", api="forven", router="verdict", op="run_verdict",
        summary="Run verdict validation on a backtest result.", state="implemented",
        resolver=verdict.run_verdict,
        params=(
            Param("strategy_id", "body", "int", minimum=1,
                  description="judge a strategy: its family and parameters on its market"),
            Param("backtest_id", "body", "int", minimum=1,
                  description="judge an agent backtest (POST /backtests) on its own bars"),
            Param("dataset_id", "body", "int", minimum=1,
                  description="with strategy_id: the stored dataset to judge it on"),
            Param("bars", "body", "int", minimum=100, maximum=200_000,
                  description="with strategy_id and no stored dataset: the lab market's last "
                              "bars (default 5,000)"),
        ),
        response=Response("one", "Verdict"), errors=(404, 409), graphql="runVerdict",
        mutation="runVerdict", graphql_generated=True,
        notes=(
            "Mounted outside /api. The seed does not document the body: name exactly one of "
            "strategy_id and backtest_id (422 INVALID_TARGET otherwise). A strategy is judged "
            "on the newest stored dataset of its symbol and timeframe (or dataset_id), else "
            "the lab market's last `bars` closed bars, with 10,000 of capital committed in "
            "full to each trade and the engine's costs (10 bps fee and 5 bps slippage per "
            "fill); a backtest with its own capital, position size, costs and spot/perp mode. "
            "Runs the eight tests (the seed's seven plus lookahead; GET /verdict/guide) and "
            "answers each one's value, threshold, pass and reason with the figures behind it, "
            "and the overall verdict: pass only when every test passed. Judging a strategy "
            "records its parameter set in the trial register the deflated Sharpe counts. The "
            "resampling seed is derived from what is judged, so the same request gives the "
            "same verdict. Stored, with a verdict.completed event. 422 VERDICT_INPUT when the "
            "bars cannot carry the battery (too few)."
        ),
    ),
    route(
        method="GET", path="/verdict/guide", api="forven", router="verdict",
        op="get_verdict_guide", summary="Test descriptions and thresholds.",
        state="implemented", resolver=verdict.get_verdict_guide,
        response=Response("one", "VerdictGuide"), graphql="verdictGuide",
        graphql_generated=True,
        notes="Mounted outside /api. Every test in battery order: its method (the formula), "
              "the thresholds it gates on and the parameters it uses with the lab's values "
              "(TRADEGRAPH_VERDICT_THRESHOLDS overrides them), and its reference.",
    ),
    route(
        method="GET", path="/api/hypotheses", api="forven", router="hypotheses",
        op="list_hypotheses", summary="List hypotheses (filter by view/lane/status/search).",
        state="implemented", resolver=hypotheses.list_hypotheses,
        params=(
            Param("view", "query", enum=HYPOTHESIS_VIEWS,
                  description="all (default), active, archived, untested (no child strategy), "
                              "tested (at least one)"),
            Param("lane", "query", description="exact lane"),
            Param("status", "query", enum=HYPOTHESIS_STATUSES),
            Param("search", "query",
                  description="case-insensitive substring of title, thesis, mechanism or novelty"),
            *PAGING,
        ),
        response=Response("page", "Hypothesis"), graphql="hypotheses",
        notes=(
            "The seed does not list the values. Views: all (default), active and archived (by "
            "status), untested (no child strategy yet), tested (at least one). `status` is "
            "active or archived; `lane` matches exactly; `search` is a case-insensitive "
            "substring of title, thesis, mechanism or novelty (% and _ match themselves). "
            "Filters combine. Paged oldest first like GET /api/strategies."
        ),
    ),
    route(
        method="POST", path="/api/hypotheses/manual", api="forven", router="hypotheses",
        op="create_hypothesis", summary="Create a hypothesis manually.", state="implemented",
        resolver=hypotheses.create_hypothesis,
        params=(
            Param("title", "body", required=True, min_length=1),
            Param("thesis", "body", default=""),
            Param("mechanism", "body", default=""),
            Param("novelty", "body", default=""),
            Param("lane", "body", default="general"),
        ),
        status=201, response=Response("one", "Hypothesis"), graphql="hypothesis",
        mutation="createHypothesis",
    ),
    route(
        method="POST", path="/api/hypotheses/from_url", api="forven", router="hypotheses",
        op="create_hypothesis_from_url", summary="Create a hypothesis from a URL.",
        state="implemented", resolver=hypotheses.create_hypothesis_from_url, params=(*URL_BODY,),
        status=201, response=Response("one", "Hypothesis"), errors=(502,), graphql="hypothesis",
        mutation="createHypothesisFromUrl",
        notes="Preview first with POST /api/hypotheses/preview_url: this stores exactly what the "
              "preview shows, with source \"url\" and source_url the page's URL after redirects. "
              + FETCH,
    ),
    route(
        method="POST", path="/api/hypotheses/preview_url", api="forven", router="hypotheses",
        op="preview_hypothesis_url",
        summary="Preview the hypothesis a URL would create (nothing is stored).",
        state="implemented", resolver=hypotheses.preview_hypothesis_url, params=(*URL_BODY,),
        response=Response("one", "HypothesisPreview"), errors=(502,),
        graphql="previewHypothesisUrl",
        mutation="previewHypothesisUrl",
        notes="Nothing is stored. Title: the page's <title>, else og:title, else its first <h1>, "
              "else the host (at most 200 characters). Thesis: the visible text (scripts, "
              "styles, navigation and the head left out, whitespace collapsed) clipped to 2,000 "
              "characters at a word boundary, else the meta description. Mechanism and novelty "
              "are left empty for the operator. " + FETCH,
    ),
    route(
        method="GET", path="/api/hypotheses/{id}", api="forven", router="hypotheses",
        op="get_hypothesis", summary="Read a hypothesis.", state="implemented",
        resolver=hypotheses.get_hypothesis, params=(HYPOTHESIS_ID,),
        response=Response("one", "Hypothesis"), graphql="hypothesis",
    ),
    route(
        method="POST", path="/api/hypotheses/{id}/update", api="forven", router="hypotheses",
        op="update_hypothesis", summary="Edit a hypothesis (title/thesis/mechanism/novelty).",
        state="implemented", resolver=hypotheses.update_hypothesis,
        params=(
            HYPOTHESIS_ID,
            Param("title", "body", min_length=1),
            Param("thesis", "body"),
            Param("mechanism", "body"),
            Param("novelty", "body"),
        ),
        response=Response("one", "Hypothesis"), graphql="hypothesis",
        mutation="updateHypothesis",
        notes=(
            "Changes only the fields the body names (null or absent: unchanged), validated as "
            "on create (a title that is blank once stripped is a 422); a body naming none of "
            "them is 422 NOTHING_TO_UPDATE. Writes a hypothesis.updated event."
        ),
    ),
    route(
        method="POST", path="/api/hypotheses/{id}/generate-strategies", api="forven",
        router="hypotheses", op="generate_hypothesis_strategies",
        summary="Spawn child strategies from a thesis.", state="implemented",
        resolver=hypothesis_spawn.generate_hypothesis_strategies,
        params=(
            HYPOTHESIS_ID,
            Param("count", "body", "int", minimum=1, maximum=len(FAMILIES),
                  description="how many (one per family); default: every family the text suggests"),
            Param("symbol", "body", min_length=1,
                  description="default: the first coin the text names, else BTC-USD"),
            Param("timeframe", "body", enum=TIMEFRAMES, description="default 1h"),
        ),
        status=201, response=Response("one", "GeneratedStrategies"), errors=(404, 409),
        graphql="hypothesis",
        mutation="generateStrategies",
        notes=SPAWN_LIMIT + " 201: it creates strategies (source \"generated\", at quick_screen, "
              "family default parameters, named \"<hypothesis title> · <family title>\"). "
              "Families are picked deterministically from the hypothesis's title, thesis, "
              "mechanism and novelty by keyword (trend/moving average: ma_cross; momentum/trend: "
              "macd_momentum; mean reversion/oversold/overbought/RSI: rsi_reversion and "
              "bollinger_reversion; breakout/channel/range: donchian_breakout; "
              "squeeze/compression/volatility/breakout: squeeze_breakout), strongest match "
              "first; with no match, ma_cross, rsi_reversion and donchian_breakout. Without "
              "`count`, every suggested family up to the per-run limit. The limits are checked "
              "once for the whole batch: a refusal creates nothing. 409 HYPOTHESIS_ARCHIVED for "
              "an archived hypothesis.",
    ),
)  # fmt: skip
