"""The ConfigVersion tree: every configuration an agent ran with, what it changed from, and how
it did.

Decisions a user would want to know:
- One version is active per agent (`agent.config_version_id`). Committing a new one closes the
  active one (`run_period.to` is set) and scores it. The new version's parent is the active
  version unless `parent_id` names an older one of the same agent: that starts a branch, and
  the new version runs the older configuration with the change applied.
- `outcome` stays null while a version is active. Once superseded it holds, for its run period
  [from, to): `trades` closed in it (a trade counts toward the version during which it closed),
  their `net_pnl`, `return_pct` (percent of the equity at the period start: the last equity
  snapshot at or before it, else the first inside it, else the starting capital),
  `max_drawdown` (a fraction, over the period's equity snapshots from that start equity) and a
  `verdict`: "no_trades", "baseline" (no parent, or a parent without trades to compare with),
  or "better" / "worse" / "same" by return_pct against the parent's outcome.
- A change that leaves the configuration as it is (an equal watchlist, a patch that patches
  nothing) is refused with 422 CONFIG_UNCHANGED rather than creating an empty version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, cast

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.agent_roster import get_trading_agent
from resolvers.errors import InvalidInput
from resolvers.halyrd.config import AgentConfig, apply_patch, parse_config, summarize
from resolvers.halyrd.journal import append_entry
from resolvers.halyrd.journal_data import CHANGES, VersionOutcome
from resolvers.quant.performance import max_drawdown
from resolvers.views import Doc, JSONOf, OneOf, View
from storage.base import utcnow
from storage.halyrd import AgentEquity, ConfigVersion
from storage.trades import Trade
from storage.trading_agents import TradingAgent


@dataclass(frozen=True, slots=True)
class RunPeriod(View):
    """When a version ran; `to` is null while it is the active one."""

    from_: Annotated[datetime, Doc(name="from")]
    to: datetime | None


@dataclass(frozen=True, slots=True)
class ConfigVersionView(View):
    """One configuration the agent ran with; parent links form a tree."""

    rest_name = "ConfigVersion"
    graphql_name = "ConfigVersion"

    id: int
    agent_id: Annotated[str, Doc(hidden=True)]
    parent_id: int | None
    change: Annotated[str, OneOf(CHANGES)]
    params_summary: str
    params: Annotated[
        dict[str, Any], JSONOf(AgentConfig), "the whole configuration of this version"
    ]
    run_period: RunPeriod
    outcome: Annotated[
        VersionOutcome | None,
        "trades, net pnl, return and drawdown of its run once superseded; null while active",
    ]
    active: bool
    created_at: datetime


def version_view(row: ConfigVersion, *, active_id: int | None) -> ConfigVersionView:
    return ConfigVersionView(
        id=row.id,
        agent_id=row.trading_agent_id,
        parent_id=row.parent_id,
        change=row.change,
        params=row.params,
        params_summary=row.params_summary,
        run_period=RunPeriod(from_=row.started_at, to=row.ended_at),
        outcome=cast("VersionOutcome | None", row.outcome),  # written by _score
        active=row.id == active_id,
        created_at=row.created_at,
    )


async def list_config_versions(session: AsyncSession, *, agent_id: str) -> list[ConfigVersionView]:
    """Every version of one agent (`current` allowed), oldest first."""
    agent = await get_trading_agent(session, agent_id=agent_id)
    stmt = (
        select(ConfigVersion)
        .where(ConfigVersion.trading_agent_id == agent.id)
        .order_by(ConfigVersion.id)
    )
    rows = (await session.execute(stmt)).scalars()
    return [version_view(row, active_id=agent.config_version_id) for row in rows]


async def patch_config(
    session: AsyncSession,
    *,
    agent_id: str,
    evaluation_config_patch: dict[str, Any],
    parent_id: int | None = None,
    now: datetime | None = None,
) -> ConfigVersionView:
    """Deep-merge a patch onto the parent's (default: the active) config as a new version."""
    agent = await get_trading_agent(session, agent_id=agent_id)
    base = await base_config(session, agent=agent, parent_id=parent_id)
    config = apply_patch(base, evaluation_config_patch)
    return await commit_change(
        session,
        agent=agent,
        base=base,
        config=config,
        change="config",
        parent_id=parent_id,
        now=now,
    )


async def base_config(
    session: AsyncSession, *, agent: TradingAgent, parent_id: int | None
) -> AgentConfig:
    """The configuration a change starts from: the named parent's, or the running one."""
    active_id = await _lock_active(session, agent)
    if parent_id is not None:
        return parse_config((await _own_version(session, agent, parent_id)).params)
    if active_id is not None:
        active = await session.get(ConfigVersion, active_id)
        if active is not None:
            return parse_config(active.params)
    return parse_config(agent.config)


async def commit_change(
    session: AsyncSession,
    *,
    agent: TradingAgent,
    base: AgentConfig,
    config: AgentConfig,
    change: str,
    parent_id: int | None,
    now: datetime | None,
) -> ConfigVersionView:
    """commit_version, refusing a change that leaves `base` as it is."""
    if config.to_dict() == base.to_dict():
        raise InvalidInput(
            "the change leaves the configuration as it is",
            code="CONFIG_UNCHANGED",
            details={"field": "symbols" if change == "watchlist" else "evaluation_config_patch"},
        )
    row = await commit_version(
        session, agent=agent, config=config, change=change, parent_id=parent_id, now=now
    )
    return version_view(row, active_id=agent.config_version_id)


async def commit_version(
    session: AsyncSession,
    *,
    agent: TradingAgent,
    config: AgentConfig,
    change: str,
    parent_id: int | None = None,
    now: datetime | None = None,
) -> ConfigVersion:
    """Close and score the active version, start `config` as the active one, journal it."""
    if change not in CHANGES:
        raise ValueError(f"unknown config change {change!r}")
    now = now or utcnow()
    active_id = await _lock_active(session, agent)
    active = await session.get(ConfigVersion, active_id) if active_id is not None else None
    parent = active if parent_id is None else await _own_version(session, agent, parent_id)
    if active is not None and active.ended_at is None:
        # A clock behind the version's start would make a negative run period.
        active.ended_at = max(now, active.started_at)
        active.outcome = dict(await _score(session, active))
        now = active.ended_at
    row = ConfigVersion(
        trading_agent_id=agent.id,
        parent_id=parent.id if parent is not None else None,
        change=change,
        params=config.to_dict(),
        params_summary=summarize(config),
        started_at=now,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    agent.config = config.to_dict()
    agent.config_version_id = row.id
    agent.market_mode = config.executor_mode
    await session.flush()
    await append_entry(
        session,
        agent_id=agent.id,
        kind="config",
        message=f"config version {row.id} ({change}): {row.params_summary}",
        data={
            "version_id": row.id,
            "parent_id": row.parent_id,
            "change": change,
            "previous_id": active.id if active is not None else None,
            "previous_outcome": (
                cast("VersionOutcome | None", active.outcome) if active is not None else None
            ),
        },
        ts=now,
    )
    return row


async def _lock_active(session: AsyncSession, agent: TradingAgent) -> int | None:
    """The active version id, read under a row lock (PostgreSQL) so that two concurrent
    changes cannot both close the same version."""
    stmt = (
        select(TradingAgent.config_version_id).where(TradingAgent.id == agent.id).with_for_update()
    )
    active_id = (await session.execute(stmt)).scalar_one_or_none()
    agent.config_version_id = active_id
    return active_id


async def _own_version(
    session: AsyncSession, agent: TradingAgent, version_id: int
) -> ConfigVersion:
    row = await session.get(ConfigVersion, version_id)
    if row is None or row.trading_agent_id != agent.id:
        raise InvalidInput(
            f"config version {version_id} is not a version of agent {agent.id}",
            code="UNKNOWN_CONFIG_VERSION",
            details={"field": "parent_id", "parent_id": version_id},
        )
    return row


async def _score(session: AsyncSession, version: ConfigVersion) -> VersionOutcome:
    """The outcome of a version over its (closed) run period, from the agent's records."""
    agent_id, start, end = version.trading_agent_id, version.started_at, version.ended_at
    assert end is not None
    count, pnl = (
        await session.execute(
            select(func.count(Trade.id), func.sum(Trade.pnl)).where(
                Trade.trading_agent_id == agent_id,
                Trade.status == "closed",
                Trade.closed_at >= start,
                Trade.closed_at < end,
            )
        )
    ).one()
    opening, inside = await _period_equity(session, agent_id, start, end)
    if opening is None:
        opening = inside[0] if inside else parse_config(version.params).starting_capital
    try:
        drawdown: float | None = max_drawdown([opening, *inside])
    except ValueError:  # a non-positive equity peak has no drawdown fraction
        drawdown = None
    net = float(pnl or 0.0)
    trades, return_pct = int(count), 100.0 * net / opening if opening > 0 else None
    parent = await session.get(ConfigVersion, version.parent_id) if version.parent_id else None
    return {
        "trades": trades,
        "net_pnl": net,
        "return_pct": return_pct,
        "max_drawdown": drawdown,
        "verdict": _verdict(trades, return_pct, parent.outcome if parent is not None else None),
    }


async def _period_equity(
    session: AsyncSession, agent_id: str, start: datetime, end: datetime
) -> tuple[float | None, list[float]]:
    """The last equity at or before `start`, and the snapshots after it and before `end`."""
    start_s, end_s = int(start.timestamp()), int(end.timestamp())
    before = await session.scalar(
        select(AgentEquity.equity)
        .where(AgentEquity.trading_agent_id == agent_id, AgentEquity.ts_s <= start_s)
        .order_by(AgentEquity.ts_s.desc())
        .limit(1)
    )
    inside = (
        await session.execute(
            select(AgentEquity.equity)
            .where(
                AgentEquity.trading_agent_id == agent_id,
                AgentEquity.ts_s > start_s,
                AgentEquity.ts_s < end_s,
            )
            .order_by(AgentEquity.ts_s)
        )
    ).scalars()
    return before, list(inside)


def _verdict(trades: int, mine: float | None, parent: dict[str, Any] | None) -> str:
    if trades == 0:
        return "no_trades"
    theirs = parent.get("return_pct") if parent else None
    if parent is None or parent.get("trades", 0) == 0 or mine is None or theirs is None:
        return "baseline"
    if mine > theirs:
        return "better"
    return "worse" if mine < theirs else "same"
