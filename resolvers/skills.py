"""The quant skills: the strategy families and the indicators, with their tracked performance.

A family's figures come from its backtest trials (the trial register the verdict writes:
one annualized Sharpe per parameter set tried) and from the closed paper and live trades of
strategies of that family. An indicator's figures are those of the families that use it
(resolvers/quant/catalog.py REGISTRY declares which). Declining: skills_figures.py states the
rule; its numbers are in every declining answer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Annotated

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import NotFound
from resolvers.quant.catalog import REGISTRY
from resolvers.quant.strategies import FAMILIES
from resolvers.skills_figures import (
    DEFAULT_THRESHOLDS,
    ClosedTrade,
    DecliningThresholds,
    is_declining,
    median,
    shortfall,
    trade_sharpe,
)
from resolvers.views import OneOf, View
from storage.research.verdict import BacktestTrial
from storage.strategies import Strategy
from storage.trades import Trade

PHASES = ("paper", "live")


@dataclass(frozen=True, slots=True)
class SkillBacktest(View):
    """A skill's backtest expectation, from the trial register."""

    trials: Annotated[int, "parameter sets tried"]
    median_sharpe: Annotated[float | None, "median annualized Sharpe of the trials"]
    best_sharpe: Annotated[float | None, "the best trial's annualized Sharpe"]


@dataclass(frozen=True, slots=True)
class SkillTrades(View):
    """A skill's closed trades in one phase."""

    phase: Annotated[str, OneOf(PHASES)]
    trades: Annotated[int, "closed trades"]
    wins: Annotated[int, "closed trades with a positive pnl"]
    win_rate: Annotated[float | None, "wins / trades; null without trades"]
    pnl: Annotated[float, "summed pnl"]
    window: Annotated[int, "the rolling window's length in trades"]
    rolling_trades: Annotated[int, "trades in the window (the last ones closed)"]
    rolling_sharpe: Annotated[
        float | None, "annualized Sharpe of the window's per-trade returns (pnl / notional)"
    ]


@dataclass(frozen=True, slots=True)
class Skill(View):
    """A quant skill: a strategy family or an indicator, with its performance."""

    name: str
    kind: Annotated[str, OneOf(("family", "indicator"))]
    title: str
    families: Annotated[list[str], "the families whose results count (a family: itself)"]
    indicators: Annotated[list[str], "the indicators involved"]
    backtest: SkillBacktest
    paper: SkillTrades
    live: SkillTrades
    declining: Annotated[bool, "the declining rule holds in paper or live"]


@dataclass(frozen=True, slots=True)
class DecliningRule(View):
    """The declining rule and its numbers."""

    rule: str
    window: int
    min_trades: int
    margin: float


@dataclass(frozen=True, slots=True)
class SkillDecline(View):
    """One skill declining in one phase, with the figures that say so."""

    name: str
    kind: Annotated[str, OneOf(("family", "indicator"))]
    phase: Annotated[str, OneOf(PHASES)]
    trades: Annotated[int, "closed trades in the phase"]
    rolling_sharpe: float
    expectation: Annotated[float, "median annualized backtest Sharpe"]
    shortfall: Annotated[float, "expectation - rolling_sharpe"]


@dataclass(frozen=True, slots=True)
class DecliningSkills(View):
    """The skills the declining rule flags, and the rule."""

    rule: DecliningRule
    skills: list[SkillDecline]


@dataclass
class _Data:
    sharpes: dict[str, list[float]]  # family -> its trials' annualized Sharpes
    trades: dict[tuple[str, str], list[ClosedTrade]]  # (family, phase) -> by close time


Definition = tuple[str, str, str, tuple[str, ...], tuple[str, ...]]


def _definitions() -> list[Definition]:
    """(name, kind, title, families, indicators) of every skill: families, then indicators."""
    uses: dict[str, list[str]] = defaultdict(list)
    for spec in REGISTRY:
        for family in spec.used_by:
            uses[family].append(spec.name)
    found: list[Definition] = [
        (f.name, "family", f.title, (f.name,), tuple(uses[f.name])) for f in FAMILIES.values()
    ]
    found += [(s.name, "indicator", s.title, s.used_by, (s.name,)) for s in REGISTRY]
    return found


async def _load(session: AsyncSession) -> _Data:
    sharpes: dict[str, list[float]] = defaultdict(list)
    stmt = select(BacktestTrial.family, BacktestTrial.sharpe_annualized)
    for family, sharpe in (await session.execute(stmt)).all():
        sharpes[family].append(sharpe)
    trades: dict[tuple[str, str], list[ClosedTrade]] = defaultdict(list)
    closed = (
        select(Strategy.family, Trade.phase, Trade.pnl, Trade.entry_price, Trade.size,
               Trade.closed_at)
        .join(Strategy, Strategy.id == Trade.strategy_id)
        .where(Trade.status == "closed", Trade.pnl.is_not(None), Trade.closed_at.is_not(None))
        .order_by(Trade.closed_at, Trade.id)
    )  # fmt: skip
    for family, phase, pnl, price, size, closed_at in (await session.execute(closed)).all():
        # the query keeps only rows with both set
        assert pnl is not None and closed_at is not None
        trades[(family, phase)].append(ClosedTrade(pnl, price * size, closed_at))
    return _Data(sharpes, trades)


def _trades(data: _Data, families: Iterable[str], phase: str) -> list[ClosedTrade]:
    merged = [t for f in families for t in data.trades.get((f, phase), [])]
    return sorted(merged, key=lambda t: t.closed_at)


def _phase(rows: Sequence[ClosedTrade], phase: str, rule: DecliningThresholds) -> SkillTrades:
    wins = sum(1 for t in rows if t.pnl > 0)
    recent = rows[-rule.window :]
    return SkillTrades(
        phase=phase,
        trades=len(rows),
        wins=wins,
        win_rate=wins / len(rows) if rows else None,
        pnl=sum(t.pnl for t in rows),
        window=rule.window,
        rolling_trades=len(recent),
        rolling_sharpe=trade_sharpe(recent),
    )


def _skill(data: _Data, definition: Definition, rule: DecliningThresholds) -> Skill:
    name, kind, title, families, indicators = definition
    sharpes = [s for f in families for s in data.sharpes.get(f, [])]
    backtest = SkillBacktest(len(sharpes), median(sharpes), max(sharpes, default=None))
    paper, live = (_phase(_trades(data, families, p), p, rule) for p in PHASES)
    declining = any(
        is_declining(closed=f.trades, rolling=f.rolling_sharpe,
                     expectation=backtest.median_sharpe, rule=rule)
        for f in (paper, live)
    )  # fmt: skip
    return Skill(name, kind, title, list(families), list(indicators), backtest, paper, live,
                 declining)  # fmt: skip


async def list_skills(
    session: AsyncSession, *, thresholds: DecliningThresholds = DEFAULT_THRESHOLDS
) -> list[Skill]:
    """Every quant skill with its figures: the strategy families, then the indicators."""
    data = await _load(session)
    return [_skill(data, d, thresholds) for d in _definitions()]


async def get_skill(
    session: AsyncSession, *, skill_name: str, thresholds: DecliningThresholds = DEFAULT_THRESHOLDS
) -> Skill:
    """One skill by name (404 UNKNOWN_SKILL)."""
    for definition in _definitions():
        if definition[0] == skill_name:
            return _skill(await _load(session), definition, thresholds)
    raise NotFound(f"skill {skill_name} not found", code="UNKNOWN_SKILL",
                   details={"name": skill_name})  # fmt: skip


async def list_declining_skills(
    session: AsyncSession, *, thresholds: DecliningThresholds = DEFAULT_THRESHOLDS
) -> DecliningSkills:
    """The skills declining in paper or live by the stated rule, with the rule's numbers."""
    declines = []
    for skill in await list_skills(session, thresholds=thresholds):
        expectation = skill.backtest.median_sharpe
        for figures in (skill.paper, skill.live):
            gap = shortfall(figures.rolling_sharpe, expectation)
            if is_declining(closed=figures.trades, rolling=figures.rolling_sharpe,
                            expectation=expectation, rule=thresholds):  # fmt: skip
                assert gap is not None and figures.rolling_sharpe is not None  # the rule needs both
                assert expectation is not None
                declines.append(SkillDecline(skill.name, skill.kind, figures.phase, figures.trades,
                                             figures.rolling_sharpe, expectation, gap))  # fmt: skip
    rule = DecliningRule(thresholds.describe(), thresholds.window, thresholds.min_trades,
                         thresholds.margin)  # fmt: skip
    return DecliningSkills(rule, declines)
