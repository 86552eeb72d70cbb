"""Backtests (POST /backtests, GET /backtests/{id}): a StrategySpec replayed over a dataset,
scored against an agent's evaluation objectives.

Decisions a user would want to know:
- `spec` is validated exactly like an agent's `strategy` section; errors name `spec.<field>`.
- `dataset` = {"kind": "synthetic", "symbol", "seed", "bars", "interval_seconds", "start"}.
  Defaults: the agent's first watchlist symbol, seed 7 and start 2026-01-01T00:00Z (the default
  agent market of resolvers/market/feed.py, so a default backtest replays that market),
  DEFAULT_BARS bars (at most MAX_BARS), the spec's interval. The stored dataset has every
  default filled in, so a result says what it ran on.
- Positions are the family's targets, clipped to long-only in spot mode. As the runtime does,
  each entry is sized at position_pct of the equity when it opens (the starting capital plus
  the pnl realized so far). Each fill pays FEE_RATE of its notional and SLIPPAGE_BPS against
  the trader (resolvers/quant/engine.py fills every change at the next bar's open).
- Result: net_pnl and return_pct (percent) from the final equity (an open trade is marked at the
  last close), max_drawdown and worst_daily_loss (fractions, the latter against each UTC day's
  opening equity), trades (closed round trips), open_trades, win_rate (null without trades),
  exposure (fraction of bars in a position), max_trade_pct, max_gross_exposure, fees,
  final_equity.
- Gates are the agent's objectives (`agent_id`, else the running agent, else the default config
  when there is none): the four risk limits with the policy layer's edges (loss rules fail AT
  the limit, size rules only over it) and the evaluation trade floor (trades >= floor).
- A completed backtest records its family and parameters in the trial register
  (resolvers/research/trials.py, hypothesis 0: an agent's backtests serve no hypothesis), so
  the verdict's deflated Sharpe counts every parameter set tried.
- Runs inside the request, the numeric part in a worker thread. A ValueError from the
  computation stores the backtest as "failed" with `result.error`; invalid input is a 422
  before anything is stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal, TypedDict

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.agent_roster import CURRENT_ALIAS, get_trading_agent
from resolvers.errors import InvalidInput, NotFound
from resolvers.halyrd.config import AgentConfig, StrategySpec, parse_config
from resolvers.halyrd.risk import objective
from resolvers.market.feed import DEFAULT_ORIGIN, DEFAULT_SEED
from resolvers.quant import metrics
from resolvers.quant.engine import Costs, backtest, signed_units
from resolvers.quant.market import generate_candles
from resolvers.quant.performance import max_drawdown, performance
from resolvers.quant.strategies import validate_params
from resolvers.research.trials import record_trial
from resolvers.views import Doc, JSONOf, OneOf, View, from_row
from storage.base import utcnow
from storage.halyrd import Backtest

DEFAULT_BARS = 2_000
MAX_BARS = 200_000
COSTS = Costs()  # the engine's defaults: 10 bps of notional per fill, 5 bps of slippage
FEE_RATE = COSTS.fee_rate
SLIPPAGE_BPS = COSTS.slippage_bps
GATE_RULES = ("max_drawdown", "daily_loss", "max_trade_pct", "max_gross_exposure", "trade_floor")


class Dataset(TypedDict):
    """The market a backtest replays: a seeded synthetic series (the agents' market when the
    symbol, seed and start are theirs)."""

    kind: Annotated[Literal["synthetic"], "the only kind so far"]
    symbol: str
    seed: int
    bars: Annotated[int, f"how many bars, 2 to {MAX_BARS:,}"]
    interval_seconds: int
    start: Annotated[str, "the first bar's time, ISO 8601"]


DATASET_KEYS = tuple(Dataset.__annotations__)


class BacktestMetrics(TypedDict):
    """A completed backtest's figures (returns in percent, drawdowns and exposures as
    fractions)."""

    net_pnl: float
    return_pct: float
    max_drawdown: float
    worst_daily_loss: Annotated[float, "against each UTC day's opening equity"]
    trades: Annotated[int, "closed round trips"]
    sharpe_annualized: Annotated[
        float, "mean / sample stdev of per-bar equity returns, times sqrt(bars per year)"
    ]
    open_trades: int
    win_rate: Annotated[float | None, "null without closed trades"]
    exposure: Annotated[float, "fraction of bars in a position"]
    max_trade_pct: float
    max_gross_exposure: float
    fees: float
    final_equity: float
    bars: int
    starting_capital: float


class BacktestFailure(TypedDict):
    """A failed backtest's result: why the numbers made no sense."""

    error: str
    starting_capital: float


class BacktestGate(TypedDict):
    """One of the agent's objectives held against the backtest."""

    rule: Annotated[str, OneOf(GATE_RULES)]
    value: float
    limit: float
    passed: bool


@dataclass(frozen=True, slots=True)
class BacktestView(View):
    """A finished backtest: metrics, and each gate with its limit."""

    rest_name = "Backtest"
    graphql_name = "Backtest"

    id: int
    status: Annotated[str, OneOf(("completed", "failed"))]
    agent_id: Annotated[str | None, Doc(source="trading_agent_id")]
    spec: Annotated[
        dict[str, Any], JSONOf(StrategySpec), "the StrategySpec it ran, every default filled in"
    ]
    dataset: Annotated[Dataset, "the dataset it ran on, every default filled in"]
    result: Annotated[
        BacktestMetrics | BacktestFailure, "its metrics, or (failed) the error and the capital"
    ]
    gates: Annotated[list[BacktestGate], "each objective with value, limit and passed"]
    passed: Annotated[bool, "completed, and every gate passed"]
    created_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class BacktestCreated(View):
    """A stored backtest: REST answers its id (GET /backtests/{id} has the rest)."""

    backtest_id: int


def _bad(field: str, message: str) -> InvalidInput:
    return InvalidInput(f"{field} {message}", details={"field": field})


def _spec(raw: Any) -> StrategySpec:
    if not isinstance(raw, Mapping):
        raise _bad("spec", "must be an object")
    try:
        return parse_config({"strategy": raw}).strategy
    except InvalidInput as exc:
        field = str(exc.details.get("field", "spec")).replace("strategy", "spec", 1)
        message = exc.message.replace("strategy", "spec", 1)
        raise InvalidInput(message, details={"field": field}) from exc


def _whole(field: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise _bad(field, "must be a whole number")
    if not low <= value <= high:
        raise _bad(field, f"must be between {low} and {high}")
    return int(value)


def _start(value: Any) -> datetime:
    if not isinstance(value, str):
        raise _bad("dataset.start", "must be an ISO 8601 time")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise _bad("dataset.start", "must be an ISO 8601 time") from exc
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _dataset(raw: Any, spec: StrategySpec, symbol: str) -> Dataset:
    """The dataset with defaults filled in, checked."""
    raw = {} if raw is None else raw
    if not isinstance(raw, Mapping):
        raise _bad("dataset", "must be an object")
    unknown = sorted(set(raw) - set(DATASET_KEYS))
    if unknown:
        raise _bad(f"dataset.{unknown[0]}", "is not a known setting")
    if raw.get("kind", "synthetic") != "synthetic":
        raise _bad("dataset.kind", "must be synthetic (the only kind so far)")
    name = raw.get("symbol", symbol)
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 40:
        raise _bad("dataset.symbol", "must be 1 to 40 characters")
    start = _start(raw["start"]) if "start" in raw else DEFAULT_ORIGIN
    return {
        "kind": "synthetic",
        "symbol": name.strip().upper(),
        "seed": _whole("dataset.seed", raw.get("seed", DEFAULT_SEED), 0, 2**53),
        "bars": _whole("dataset.bars", raw.get("bars", DEFAULT_BARS), 2, MAX_BARS),
        "interval_seconds": _whole(
            "dataset.interval_seconds",
            raw.get("interval_seconds", spec.interval_seconds),
            60,
            86_400,
        ),
        "start": start.isoformat(),
    }


def run_backtest(spec: StrategySpec, dataset: Dataset, capital: float) -> BacktestMetrics:
    """The backtest's metrics (synchronous numpy; ValueError when the numbers make no sense)."""
    candles = generate_candles(
        symbol=dataset["symbol"],
        seed=dataset["seed"],
        start=datetime.fromisoformat(dataset["start"]),
        periods=dataset["bars"],
        interval=timedelta(seconds=dataset["interval_seconds"]),
    )
    result = backtest(
        candles,
        spec.family,
        spec.params,
        capital=capital,
        fraction=spec.position_pct,
        costs=COSTS,
        long_only=spec.market_mode == "spot",
    )
    equity, trades = result.equity, result.trades
    if (equity <= 0).any():
        raise ValueError("equity fell to zero or below; ratios against it are undefined")
    figures = performance(result)
    before = np.concatenate(([capital], equity[:-1]))  # equity when each bar opens
    shares = trades.entry_price * trades.size / before[trades.entry_index]
    held = np.abs(signed_units(trades, len(candles)))
    return {
        "net_pnl": figures.net_pnl,
        "return_pct": 100.0 * figures.net_pnl / capital,
        "max_drawdown": max_drawdown(equity),
        "worst_daily_loss": metrics.worst_daily_loss(candles.ts // 86_400, equity, capital),
        "trades": figures.trades,
        "sharpe_annualized": figures.sharpe_annualized,
        "open_trades": figures.open_trades,
        "win_rate": figures.win_rate,
        "exposure": figures.exposure,
        "max_trade_pct": float(shares.max()) if len(shares) else 0.0,
        "max_gross_exposure": float(np.max(held * candles.close / equity)),
        "fees": figures.fees,
        "final_equity": figures.final_equity,
        "bars": len(candles),
        "starting_capital": capital,
    }


def evaluate_gates(result: BacktestMetrics, config: AgentConfig) -> list[BacktestGate]:
    """Each objective as {rule, value, limit, passed}."""
    limits = asdict(config.risk)
    values = {
        "max_drawdown": result["max_drawdown"],
        "daily_loss": result["worst_daily_loss"],
        "max_trade_pct": result["max_trade_pct"],
        "max_gross_exposure": result["max_gross_exposure"],
    }
    gates: list[BacktestGate] = [
        {
            "rule": rule,
            "value": value,
            "limit": limits[rule],
            "passed": objective(rule, value, limits[rule]).holds,
        }
        for rule, value in values.items()
    ]
    floor = config.evaluation.trade_floor
    trades = result["trades"]
    gates.append(
        {"rule": "trade_floor", "value": trades, "limit": floor, "passed": trades >= floor}
    )
    return gates


async def create_backtest(
    session: AsyncSession,
    *,
    spec: dict[str, Any],
    dataset: dict[str, Any] | None = None,
    agent_id: str | None = None,
    starting_capital: float | None = None,
) -> BacktestCreated:
    """POST /backtests: run and store one backtest (`record_backtest`), answering its id."""
    view = await record_backtest(
        session,
        spec=spec,
        dataset=dataset,
        agent_id=agent_id,
        starting_capital=starting_capital,
    )
    return BacktestCreated(backtest_id=view.id)


async def record_backtest(
    session: AsyncSession,
    *,
    spec: dict[str, Any],
    dataset: dict[str, Any] | None = None,
    agent_id: str | None = None,
    starting_capital: float | None = None,
) -> BacktestView:
    """Validate, run and store one backtest (completed or failed); GraphQL's createBacktest
    answers the whole of it."""
    strategy = _spec(spec)
    agent_key = agent_id if agent_id is not None else CURRENT_ALIAS
    try:
        agent = await get_trading_agent(session, agent_id=agent_key)
    except NotFound:
        if agent_id is not None:
            raise
        agent = None
    config = parse_config(agent.config if agent is not None else None)
    capital = config.starting_capital
    if starting_capital is not None:
        capital = parse_config({"starting_capital": starting_capital}).starting_capital
    data = _dataset(dataset, strategy, config.watchlist[0])
    created = utcnow()
    result: BacktestMetrics | BacktestFailure
    try:
        metrics = await asyncio.to_thread(run_backtest, strategy, data, capital)
        status, gates, result = "completed", evaluate_gates(metrics, config), metrics
    except ValueError as exc:
        status, gates, result = "failed", [], {"error": str(exc), "starting_capital": capital}
    row = Backtest(
        trading_agent_id=agent.id if agent is not None else None,
        spec=asdict(strategy),
        dataset=data,
        status=status,
        result=result,
        gates=gates,
        created_at=created,
        finished_at=utcnow(),
    )
    session.add(row)
    await session.flush()
    if status == "completed":  # every parameter set backtested counts for the deflated Sharpe
        await record_trial(
            session,
            hypothesis_id=None,
            family=strategy.family,
            params=validate_params(strategy.family, strategy.params),
            sharpe_annualized=float(result["sharpe_annualized"]),  # type: ignore[typeddict-item]
            bars=data["bars"],
        )
    return from_row(BacktestView, row)


async def get_backtest(session: AsyncSession, *, backtest_id: str) -> BacktestView:
    """One backtest by id; an unknown or non-numeric id is 404."""
    text = str(backtest_id).strip()
    row = await session.get(Backtest, int(text)) if text.isdigit() and len(text) < 18 else None
    if row is None:
        raise NotFound(f"backtest {backtest_id} not found", details={"id": backtest_id})
    return from_row(BacktestView, row)
