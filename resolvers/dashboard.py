"""The control plane's reads: system status, the daemon heartbeat and the dashboard overview.

Every figure is read from the ledger, the paper exchange and the scheduler's rows at call time;
none is stored. Two calls with nothing changed in between answer the same, so these answers
carry no "now": the heartbeat's `ts` is the daemon's last beat (the newest scheduler run,
skips included), not the time of the request.

- alive: some enabled job ran within twice its interval plus 5 s; false while no scheduler
  runs (TRADEGRAPH_SCHEDULER off) or every job is disabled.
- equity: the paper exchange's account, open positions marked at the venue mid at the lab
  clock's now (at their entry price when the market has no quote for one).
- risk: exposure is the sum of |size x mark| over the venue's positions, in percent of equity
  (null while equity is not positive); max_drawdown_pct is the deepest peak-to-trough fall of
  the paper account's realized equity (capital plus each venue fill's realized pnl, in order);
  possibly_open counts open trades whose last close failed on the venue (close_error).
- Counts: strategies by stage count active strategies; trades and open_trades count the whole
  ledger (strategies' and trading agents'); win_rate is winners / closed trades (null before
  the first close); recent_trades are the 10 with the latest activity (/api/trades/recent).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Annotated

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.control import SystemControl, control_state, load_control
from resolvers.errors import DomainError
from resolvers.lab.services import Lab
from resolvers.scheduler import SchedulerJob, list_jobs
from resolvers.trades import Trade, list_recent_trades
from resolvers.views import View, from_row
from storage.approvals import Approval
from storage.base import Base, utcnow
from storage.exchange import ExchangeFill, ExchangePosition
from storage.hypotheses import Hypothesis
from storage.paper import PaperSession
from storage.strategies import STAGES, Strategy
from storage.trades import Trade as TradeRow
from storage.trading_agents import TradingAgent

ALIVE_GRACE = timedelta(seconds=5)
RECENT = 10


@dataclass(frozen=True, slots=True)
class StageCounts(View):
    """Active strategies per pipeline stage."""

    quick_screen: int
    research_only: int
    paper: int
    live: int


@dataclass(frozen=True, slots=True)
class PaperServiceState(View):
    """The global paper trading service."""

    running: bool
    session_id: int | None
    started_at: datetime | None
    deployed_strategies: int


@dataclass(frozen=True, slots=True)
class SystemStatus(SystemControl):
    """System status summary."""

    paper_service: PaperServiceState
    strategies_by_stage: StageCounts
    open_trades: int
    agents: Annotated[int, "Halyrd trading agents"]
    scheduler: list[SchedulerJob]


@dataclass(frozen=True, slots=True)
class PaperAccount(View):
    """The paper exchange's account."""

    capital: float
    cash: Annotated[float, "capital plus realized pnl"]
    equity: Annotated[float, "cash plus unrealized pnl at the venue mid"]
    unrealized_pnl: float
    realized_pnl: float
    fees: float
    margin_used: Annotated[float, "entry notional of open positions"]
    available: float
    positions: int


@dataclass(frozen=True, slots=True)
class HeartbeatRisk(View):
    """Risk figures of the paper account."""

    open_positions: int
    gross_exposure: Annotated[float, "sum of |size x mark|"]
    exposure_pct: float | None
    largest_position_pct: float | None
    max_drawdown_pct: float
    possibly_open: Annotated[int, "open trades whose close failed"]


@dataclass(frozen=True, slots=True)
class SystemHeartbeat(View):
    """Daemon heartbeat with risk and equity data."""

    ts: Annotated[datetime | None, "the last beat"]
    alive: bool
    paused: bool
    equity: PaperAccount
    risk: HeartbeatRisk


@dataclass(frozen=True, slots=True)
class TradeSummary(View):
    """Trade counts and results across the ledger."""

    open: int
    closed: int
    failed: int
    realized_pnl: float
    win_rate: float | None


@dataclass(frozen=True, slots=True)
class Dashboard(View):
    """Dashboard overview."""

    system: SystemControl
    strategies_by_stage: StageCounts
    hypotheses: Annotated[int, "active hypotheses"]
    trades: TradeSummary
    recent_trades: list[Trade]
    equity: PaperAccount
    paper_service: PaperServiceState
    pending_approvals: int


async def _count(session: AsyncSession, model: type[Base], *where: ColumnElement[bool]) -> int:
    stmt = select(func.count()).select_from(model).where(*where)
    return int((await session.execute(stmt)).scalar_one())


async def stage_counts(session: AsyncSession) -> StageCounts:
    stmt = select(Strategy.stage, func.count()).where(Strategy.status == "active")
    rows = await session.execute(stmt.group_by(Strategy.stage))
    counts = {stage: int(count) for stage, count in rows}
    return StageCounts(**{stage: counts.get(stage, 0) for stage in STAGES})


async def paper_service(session: AsyncSession) -> PaperServiceState:
    stmt = select(PaperSession).where(PaperSession.status == "running")
    row = (await session.execute(stmt.order_by(PaperSession.id.desc()).limit(1))).scalar()
    if row is None:
        return PaperServiceState(False, None, None, 0)
    return PaperServiceState(True, row.id, row.started_at, len(row.strategy_ids or []))


async def get_system_status(session: AsyncSession, *, lab: Lab) -> SystemStatus:
    """Pause, modes, the paper service, pipeline counts, open trades, agents and jobs."""
    control = control_state(await load_control(session), lab)
    return from_row(
        SystemStatus,
        control,
        paper_service=await paper_service(session),
        strategies_by_stage=await stage_counts(session),
        open_trades=await _count(session, TradeRow, TradeRow.status == "open"),
        agents=await _count(session, TradingAgent),
        scheduler=await list_jobs(session),
    )


def _marks(lab: Lab, positions: list[ExchangePosition], now: datetime) -> list[float]:
    marks = []
    for position in positions:
        try:
            marks.append(lab.exchange.mark_price(position.symbol, now))
        except DomainError:  # no quote for it now: carried at its entry price
            marks.append(position.entry_price)
    return marks


async def marked_account(session: AsyncSession, lab: Lab) -> tuple[PaperAccount, HeartbeatRisk]:
    """The paper account marked to market, and the risk figures computed on the same marks."""
    now = lab.clock.now()
    account = await lab.exchange.account(session, now=None)
    positions = await lab.exchange.positions(session)
    marks = _marks(lab, positions, now)
    unrealized = sum(
        (mark - p.entry_price) * p.size * (1 if p.side == "buy" else -1)
        for p, mark in zip(positions, marks, strict=True)
    )
    account = replace(account, unrealized_pnl=unrealized, equity=account.cash + unrealized)
    notionals = [abs(p.size * mark) for p, mark in zip(positions, marks, strict=True)]
    gross = sum(notionals)

    def pct(value: float) -> float | None:
        return value / account.equity * 100 if account.equity > 0 else None

    possibly = await _count(
        session, TradeRow, TradeRow.status == "open", TradeRow.close_error.is_not(None)
    )
    risk = HeartbeatRisk(
        open_positions=len(positions),
        gross_exposure=gross,
        exposure_pct=pct(gross),
        largest_position_pct=pct(max(notionals)) if notionals else None,
        max_drawdown_pct=await realized_drawdown_pct(session, capital=account.capital),
        possibly_open=possibly,
    )
    return from_row(PaperAccount, account), risk


async def realized_drawdown_pct(session: AsyncSession, *, capital: float) -> float:
    """Deepest fall of capital + cumulative realized pnl from its running peak, in percent."""
    stmt = select(ExchangeFill.realized_pnl).order_by(ExchangeFill.ts, ExchangeFill.id)
    value = peak = capital
    deepest = 0.0
    for pnl in (await session.execute(stmt)).scalars():
        value += pnl
        peak = max(peak, value)
        if peak > 0:
            deepest = max(deepest, (peak - value) / peak * 100)
    return deepest


def _alive(jobs: list[SchedulerJob], now: datetime) -> bool:
    return any(
        job.enabled
        and job.last_run_at is not None
        and now - job.last_run_at <= timedelta(seconds=2 * job.interval_seconds) + ALIVE_GRACE
        for job in jobs
    )


async def get_system_heartbeat(session: AsyncSession, *, lab: Lab) -> SystemHeartbeat:
    """The daemon's last beat, whether it is alive, the paper equity and its risk."""
    jobs = await list_jobs(session)
    runs = [job.last_run_at for job in jobs if job.last_run_at is not None]
    account, risk = await marked_account(session, lab)
    return SystemHeartbeat(
        ts=max(runs, default=None),
        alive=_alive(jobs, utcnow()),
        paused=(await load_control(session)).paused,
        equity=account,
        risk=risk,
    )


async def trade_summary(session: AsyncSession) -> TradeSummary:
    won = case((TradeRow.pnl > 0, 1), else_=0)
    stmt = select(TradeRow.status, func.count(), func.sum(TradeRow.pnl), func.sum(won))
    rows = {r[0]: r[1:] for r in (await session.execute(stmt.group_by(TradeRow.status))).all()}
    closed, pnl, wins = rows.get("closed", (0, 0.0, 0))
    return TradeSummary(
        open=int(rows.get("open", (0,))[0]),
        closed=int(closed),
        failed=int(rows.get("failed", (0,))[0]),
        realized_pnl=float(pnl or 0.0),
        win_rate=int(wins or 0) / closed if closed else None,
    )


async def get_dashboard(session: AsyncSession, *, lab: Lab) -> Dashboard:
    """The overview: system state, pipeline, research, trades, equity, service, approvals."""
    account, _ = await marked_account(session, lab)
    active = Hypothesis.status == "active"
    return Dashboard(
        system=control_state(await load_control(session), lab),
        strategies_by_stage=await stage_counts(session),
        hypotheses=await _count(session, Hypothesis, active),
        trades=await trade_summary(session),
        recent_trades=await list_recent_trades(session, limit=RECENT),
        equity=account,
        paper_service=await paper_service(session),
        pending_approvals=await _count(session, Approval, Approval.status == "pending"),
    )
