"""The verdict (POST /verdict/run, GET /verdict/guide): the robustness battery over one
strategy or one agent backtest, answered test by test and stored.

Decisions where the seed is silent (it names the seven tests and that the verdict runs the
same battery as the gauntlet):
- The body names what to judge: `strategy_id` (its family and parameters on its symbol and
  timeframe, over the bars resolvers/research/sources.py picks, or `dataset_id` / `bars`), or
  `backtest_id` (an agent backtest of POST /backtests: its spec on its own seeded series, with
  its capital, position size and spot/perp mode). Exactly one of the two: 422
  INVALID_TARGET otherwise.
- Money: a strategy is judged with VERDICT_CAPITAL committing all of its equity to each trade
  (fraction 1, compounding) and the engine's default costs; the backtest keeps its own.
- Trials: judging a strategy records its parameter set in the trial register
  (resolvers/research/trials.py) first, so the deflated Sharpe counts it and every earlier
  parameter set of its hypothesis and family.
- Seed: derived from what is judged (family, parameters, bars), so the same question gets
  the same answer, from this route and from a gauntlet alike.
- Thresholds: the lab's (TRADEGRAPH_VERDICT_THRESHOLDS, a JSON object over the defaults of
  resolvers/quant/battery_setup.BatteryThresholds); GET /verdict/guide shows them.
- The battery runs in a worker thread; the answer is 200 with every test, and the run is
  stored with a `verdict.completed` event.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, TypedDict

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import InvalidInput, NotFound
from resolvers.lab.services import Lab
from resolvers.quant.battery import BatteryResult, guide, run_battery
from resolvers.quant.battery_setup import BatteryThresholds
from resolvers.quant.engine import Costs, backtest
from resolvers.quant.market import SECONDS_PER_YEAR, Candles
from resolvers.quant.performance import performance
from resolvers.quant.strategies import validate_params
from resolvers.research.outcomes import TestOutcome, flatten
from resolvers.research.sources import choose_source, load_source
from resolvers.research.trials import count_trials_with, record_trial
from resolvers.settings.verdict import effective_thresholds
from resolvers.strategies import strategy_row
from resolvers.views import OneOf, View, from_row, to_payload
from storage.base import utcnow
from storage.halyrd import Backtest
from storage.outbox import append_event
from storage.research.verdict import VerdictRun

VERDICT_CAPITAL = 10_000.0
Dataset = dict[str, str | float | None]


@dataclass(frozen=True, slots=True)
class Verdict(View):
    """One run of the robustness battery: every test's figure, threshold and reason, and the
    overall verdict (pass only when every test passed)."""

    id: int
    strategy_id: Annotated[int | None, "the strategy judged (null for an agent backtest)"]
    backtest_id: Annotated[int | None, "the agent backtest judged (null for a strategy)"]
    family: str
    params: Annotated[dict[str, float], "the family parameters judged, defaults filled in"]
    dataset: Annotated[Dataset, "the bars it ran on (resolvers/research/sources.py)"]
    verdict: Annotated[str, OneOf(("pass", "fail"))]
    passed: bool
    failed: Annotated[list[str], "the tests that did not pass, in battery order"]
    trials: Annotated[int, "parameter sets of this hypothesis and family counted by the DSR"]
    tests: list[TestOutcome]
    created_at: datetime
    elapsed_ms: Annotated[float, "how long the battery took"]


class GuideEntry(TypedDict):
    """One test of the battery: how it is computed, what it is held against, its source."""

    name: str
    method: str
    thresholds: Annotated[dict[str, float | list[float] | None], "gates with their values"]
    parameters: Annotated[dict[str, float | list[float] | None], "settings with their values"]
    reference: str


@dataclass(frozen=True, slots=True)
class VerdictGuide(View):
    """Every verdict test in battery order, with the lab's thresholds."""

    tests: list[GuideEntry]


@dataclass(frozen=True, slots=True)
class Judged:
    """What one battery run judges, and with what."""

    candles: Candles
    family: str
    params: dict[str, Any]
    dataset: dict[str, Any]
    capital: float
    fraction: float
    long_only: bool
    hypothesis_id: int | None


def battery_seed(family: str, params: dict[str, Any], dataset: dict[str, Any]) -> int:
    """A seed from what is judged, so the same question always draws the same samples."""
    text = orjson.dumps([family, params, dataset], option=orjson.OPT_SORT_KEYS)
    # 31 bits: it is kept in an INTEGER column
    return int.from_bytes(hashlib.sha256(text).digest()[:4], "big") >> 1


def per_bar(sharpes_annualized: tuple[float, ...], interval_seconds: int) -> list[float]:
    """Annualized Sharpe ratios at one bar frequency (the DSR compares like with like)."""
    scale = math.sqrt(SECONDS_PER_YEAR / interval_seconds)
    return [s / scale for s in sharpes_annualized]


def outcome_of(result: dict[str, Any]) -> TestOutcome:
    """A battery test's JSON (TestResult.as_dict) as the API's outcome."""
    return {
        "name": result["name"],
        "value": result["value"],
        "threshold": result["threshold"],
        "passed": bool(result["passed"]),
        "reason": result["reason"],
        "details": flatten(result["details"]),
    }


async def get_verdict_guide(session: AsyncSession, *, lab: Lab) -> VerdictGuide:
    """GET /verdict/guide: method, thresholds, parameters and reference of every test."""
    thresholds = await effective_thresholds(session, lab)  # stored overrides (settings)
    return VerdictGuide(tests=guide(thresholds))  # type: ignore[arg-type]


async def _strategy_target(
    session: AsyncSession, strategy_id: int, dataset_id: int | None, bars: int | None, lab: Lab
) -> tuple[Judged, int]:
    strategy = await strategy_row(session, strategy_id=strategy_id)
    source = await choose_source(
        session,
        symbol=strategy.symbol,
        timeframe=strategy.timeframe,
        dataset_id=dataset_id,
        bars=bars,
        lab=lab,
    )
    judged = Judged(
        candles=await load_source(session, source=source, lab=lab),
        family=strategy.family,
        params=dict(strategy.params),
        dataset=source,
        capital=VERDICT_CAPITAL,
        fraction=1.0,
        long_only=False,
        hypothesis_id=strategy.hypothesis_id,
    )
    return judged, strategy.id


async def _backtest_target(session: AsyncSession, backtest_id: int, lab: Lab) -> Judged:
    row = await session.get(Backtest, backtest_id)
    if row is None:
        raise NotFound(f"backtest {backtest_id} not found", details={"id": backtest_id})
    source = {**row.dataset, "kind": "synthetic"}
    spec = row.spec
    return Judged(
        candles=await load_source(session, source=source, lab=lab),
        family=str(spec["family"]),
        params=dict(spec.get("params") or {}),
        dataset=source,
        capital=float(row.result.get("starting_capital", VERDICT_CAPITAL)),
        fraction=float(spec.get("position_pct", 1.0)),
        long_only=spec.get("market_mode") == "spot",
        hypothesis_id=None,
    )


async def count_trials_for(session: AsyncSession, judged: Judged) -> tuple[int, list[float], float]:
    """The trial count and per-bar Sharpe ratios the DSR needs, counting the judged parameter
    set, and its own annualized Sharpe: read only (record_judged writes it afterwards)."""
    base = await asyncio.to_thread(
        backtest,
        judged.candles,
        judged.family,
        judged.params,
        capital=judged.capital,
        fraction=judged.fraction,
        long_only=judged.long_only,
    )
    sharpe = performance(base).sharpe_annualized
    counted = await count_trials_with(
        session,
        hypothesis_id=judged.hypothesis_id,
        family=judged.family,
        params=judged.params,
        sharpe_annualized=sharpe,
    )
    return counted.trials, per_bar(counted.sharpes, judged.candles.interval_seconds), sharpe


async def record_judged(session: AsyncSession, judged: Judged, sharpe_annualized: float) -> None:
    """Record the judged parameter set in the trial register."""
    await record_trial(
        session,
        hypothesis_id=judged.hypothesis_id,
        family=judged.family,
        params=judged.params,
        sharpe_annualized=sharpe_annualized,
        bars=len(judged.candles),
    )


def judge(
    judged: Judged, trials: int, sharpes: list[float], thresholds: BatteryThresholds
) -> BatteryResult:
    """The whole battery over what is judged (synchronous numpy; ValueError on bad input)."""
    return run_battery(
        judged.candles,
        judged.family,
        judged.params,
        capital=judged.capital,
        fraction=judged.fraction,
        costs=Costs(),
        trials=trials,
        trial_sharpes=sharpes,
        thresholds=thresholds,
        seed=battery_seed(judged.family, judged.params, judged.dataset),
        long_only=judged.long_only,
    )


async def run_verdict(
    session: AsyncSession,
    *,
    strategy_id: int | None = None,
    backtest_id: int | None = None,
    dataset_id: int | None = None,
    bars: int | None = None,
    lab: Lab,
) -> Verdict:
    """POST /verdict/run: the battery over a strategy or an agent backtest, stored."""
    if (strategy_id is None) == (backtest_id is None):
        raise InvalidInput(
            "name exactly one of strategy_id and backtest_id",
            code="INVALID_TARGET",
            details={"strategy_id": strategy_id, "backtest_id": backtest_id},
        )
    if backtest_id is not None:
        if dataset_id is not None or bars is not None:
            raise InvalidInput(
                "a backtest is judged on its own bars: dataset_id and bars go with strategy_id",
                code="INVALID_TARGET",
                details={"backtest_id": backtest_id},
            )
        judged, judged_strategy = await _backtest_target(session, backtest_id, lab), None
    else:
        assert strategy_id is not None
        judged, judged_strategy = await _strategy_target(
            session, strategy_id, dataset_id, bars, lab
        )
    started = time.perf_counter()
    # everything is computed before the first write: on SQLite a write holds the database's
    # one write lock until the request commits, and the battery takes seconds
    trials, sharpes, sharpe = await count_trials_for(session, judged)
    thresholds = await effective_thresholds(session, lab)  # stored overrides (settings)
    try:
        result = await asyncio.to_thread(judge, judged, trials, sharpes, thresholds)
    except ValueError as exc:
        raise InvalidInput(str(exc), code="VERDICT_INPUT") from exc
    await record_judged(session, judged, sharpe)
    answer = result.as_dict()
    row = VerdictRun(
        strategy_id=judged_strategy,
        backtest_id=backtest_id,
        family=judged.family,
        params=dict(validate_params(judged.family, judged.params)),
        dataset=judged.dataset,
        verdict=answer["verdict"],
        tests=[outcome_of(t) for t in answer["tests"]],
        trials=trials,
        created_at=utcnow(),
        elapsed_ms=round((time.perf_counter() - started) * 1000, 3),
    )
    session.add(row)
    await session.flush()
    view = from_row(Verdict, row, passed=result.passed, failed=result.failed())
    await append_event(
        session, topic="verdict.completed", entity_id=str(row.id), payload=to_payload(view)
    )
    return view
