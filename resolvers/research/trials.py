"""The trial register: every parameter set of a family ever backtested for a hypothesis.

The deflated Sharpe ratio (Bailey and Lopez de Prado, 2014) corrects a Sharpe ratio for the
number of configurations tried before it was picked, and for how much their Sharpe ratios
varied. So every backtest of a strategy's family and parameters (a verdict run, a gauntlet,
an agent's POST /backtests) is recorded here once per distinct parameter set, keyed by the
hypothesis it serves (0 when it serves none), and the battery reads the count and the spread.

What counts: parameter sets that were candidates. The battery's own perturbations (the
parameter-jitter samples, the cost-stress and walk-forward re-runs) test one candidate's
robustness and pick nothing, so they are not trials.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass

import orjson
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.base import utcnow
from storage.research.verdict import NO_HYPOTHESIS, BacktestTrial


@dataclass(frozen=True, slots=True)
class TrialCount:
    """How many distinct parameter sets a hypothesis has tried with one family, and their
    annualized Sharpe ratios (the variance the deflated Sharpe needs)."""

    trials: int
    sharpes: tuple[float, ...]


def params_key(params: Mapping[str, object]) -> str:
    """sha256 of the parameters as canonical JSON (sorted keys), the trial's identity."""
    return hashlib.sha256(orjson.dumps(dict(params), option=orjson.OPT_SORT_KEYS)).hexdigest()


async def record_trial(
    session: AsyncSession,
    *,
    hypothesis_id: int | None,
    family: str,
    params: Mapping[str, object],
    sharpe_annualized: float,
    bars: int,
) -> BacktestTrial:
    """Count one backtest of `params`: a new trial, or one more run of a known one."""
    scope = hypothesis_id if hypothesis_id is not None else NO_HYPOTHESIS
    key = params_key(params)
    sharpe = sharpe_annualized if math.isfinite(sharpe_annualized) else 0.0
    query = select(BacktestTrial).where(
        BacktestTrial.hypothesis_id == scope,
        BacktestTrial.family == family,
        BacktestTrial.params_key == key,
    )
    for _ in range(2):  # a concurrent first insert of the same trial wins; then update it
        row = (await session.execute(query)).scalar_one_or_none()
        now = utcnow()
        if row is not None:
            row.runs += 1
            row.sharpe_annualized, row.bars, row.last_at = sharpe, bars, now
            await session.flush()
            return row
        row = BacktestTrial(
            hypothesis_id=scope,
            family=family,
            params_key=key,
            params=dict(params),
            sharpe_annualized=sharpe,
            bars=bars,
            runs=1,
            first_at=now,
            last_at=now,
        )
        try:
            async with session.begin_nested():
                session.add(row)
        except IntegrityError:
            continue
        return row
    raise RuntimeError("trial register: the same trial kept being inserted concurrently")


async def count_trials(
    session: AsyncSession, *, hypothesis_id: int | None, family: str
) -> TrialCount:
    """The trials of one hypothesis with one family (at least the one being judged)."""
    scope = hypothesis_id if hypothesis_id is not None else NO_HYPOTHESIS
    rows = await session.execute(
        select(BacktestTrial.sharpe_annualized).where(
            BacktestTrial.hypothesis_id == scope, BacktestTrial.family == family
        )
    )
    sharpes = tuple(float(s) for (s,) in rows)
    return TrialCount(trials=max(1, len(sharpes)), sharpes=sharpes)


async def count_trials_with(
    session: AsyncSession,
    *,
    hypothesis_id: int | None,
    family: str,
    params: Mapping[str, object],
    sharpe_annualized: float,
) -> TrialCount:
    """The count and Sharpe ratios as they will be once `params` is recorded, read without
    writing (so a caller can compute before it takes SQLite's write lock)."""
    scope = hypothesis_id if hypothesis_id is not None else NO_HYPOTHESIS
    rows = await session.execute(
        select(BacktestTrial.params_key, BacktestTrial.sharpe_annualized).where(
            BacktestTrial.hypothesis_id == scope, BacktestTrial.family == family
        )
    )
    by_key = {key: float(sharpe) for key, sharpe in rows}
    by_key[params_key(params)] = sharpe_annualized if math.isfinite(sharpe_annualized) else 0.0
    return TrialCount(trials=len(by_key), sharpes=tuple(by_key.values()))
