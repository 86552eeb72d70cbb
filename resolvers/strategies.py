"""Strategies: the children of hypotheses, created at quick_screen.

Creation is bounded by the spawn limits (resolvers/spawn.py): one request creates one
strategy, counted against its hypothesis's rolling window on the wall clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from sqlalchemy import Connection, Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.choices import STAGE
from resolvers.errors import InvalidInput, NotFound
from resolvers.lab.services import Lab
from resolvers.pagination import Page, paginate_rows
from resolvers.quant.strategies import FAMILIES, Params, validate_params
from resolvers.spawn import check_spawn_limit
from resolvers.validation import require_choice, require_text
from resolvers.views import View, from_row, to_payload
from storage.base import utcnow
from storage.hypotheses import Hypothesis
from storage.outbox import append_event
from storage.reads import read
from storage.strategies import STAGES, LifecycleTransition
from storage.strategies import Strategy as StrategyRow

STRATEGY_STATUSES = ("active", "archived")
SOURCES = ("manual", "generated", "demo")
TIMEFRAME_SECONDS = {"1m": 60, "5m": 300, "15m": 900, "1h": 3600, "4h": 14_400, "1d": 86_400}
TIMEFRAMES = tuple(TIMEFRAME_SECONDS)


@dataclass(frozen=True, slots=True)
class Strategy(View):
    """A strategy and its pipeline stage."""

    id: int
    hypothesis_id: int
    name: str
    family: str
    symbol: str
    timeframe: str
    params: Annotated[Params, "the family's parameters by name, every default filled in"]
    stage: Annotated[str, STAGE]
    status: str
    source: str
    created_at: datetime
    updated_at: datetime


def strategy_view(row: StrategyRow | Row[Any]) -> Strategy:
    """The API's view of a strategy row."""
    return from_row(Strategy, row)


def strategy_payload(row: StrategyRow) -> dict[str, object]:
    """A strategy event's payload: the strategy as the REST API answers it."""
    return to_payload(strategy_view(row))


async def create_strategy(
    session: AsyncSession,
    *,
    hypothesis_id: int | None,
    name: str,
    family: str,
    symbol: str,
    timeframe: str = "1h",
    params: object = None,
    source: str = "manual",
    actor: str = "operator",
    lab: Lab,
) -> Strategy:
    """Create a strategy under an existing hypothesis (add_strategy), answering its view."""
    row = await add_strategy(
        session,
        hypothesis_id=hypothesis_id,
        name=name,
        family=family,
        symbol=symbol,
        timeframe=timeframe,
        params=params,
        source=source,
        actor=actor,
        lab=lab,
    )
    return strategy_view(row)


async def add_strategy(
    session: AsyncSession,
    *,
    hypothesis_id: int | None,
    name: str,
    family: str,
    symbol: str,
    timeframe: str = "1h",
    params: object = None,
    source: str = "manual",
    actor: str = "operator",
    lab: Lab,
    spawn_checked: bool = False,
) -> StrategyRow:
    """Create a strategy under an existing hypothesis, recording its first lifecycle row.

    Every input is checked before the spawn limits, so a 422 SPAWN_LIMIT_REACHED means the
    request was otherwise valid; a refusal writes nothing. `spawn_checked` is for callers that
    checked the limits once for a whole batch (generate-strategies); no route exposes it.
    """
    if hypothesis_id is None:
        raise InvalidInput(
            "hypothesis_id is required: every strategy descends from a hypothesis",
            code="HYPOTHESIS_REQUIRED",
        )
    if await session.get(Hypothesis, hypothesis_id) is None:
        raise NotFound(
            f"hypothesis {hypothesis_id} not found", details={"hypothesis_id": hypothesis_id}
        )
    require_choice("family", family, FAMILIES)
    if params is not None and not isinstance(params, dict):
        raise InvalidInput("params must be a JSON object", code="INVALID_PARAMS")
    try:
        checked = validate_params(family, params or {})
    except ValueError as exc:
        raise InvalidInput(str(exc), code="INVALID_PARAMS", details={"family": family}) from None
    now = utcnow()
    row = StrategyRow(
        hypothesis_id=hypothesis_id,
        name=require_text("name", name, max_length=200),
        family=family,
        symbol=require_text("symbol", symbol, max_length=40).upper(),
        timeframe=require_choice("timeframe", timeframe, TIMEFRAMES),
        params=checked,
        stage=STAGES[0],
        status="active",
        source=require_choice("source", source, SOURCES),
        created_at=now,
        updated_at=now,
    )
    author = require_text("actor", actor, max_length=80)
    if not spawn_checked:
        config = lab.config
        await check_spawn_limit(
            session, hypothesis_id=hypothesis_id, count=1, now=now, config=config
        )
    session.add(row)
    await session.flush()
    session.add(
        LifecycleTransition(
            strategy_id=row.id,
            from_stage=None,
            to_stage=row.stage,
            reason="created",
            actor=author,
            created_at=now,
        )
    )
    await append_event(
        session, topic="strategy.created", entity_id=str(row.id), payload=strategy_payload(row)
    )
    return row


async def get_strategy(session: AsyncSession, *, strategy_id: int) -> Strategy:
    """One strategy by id, or NOT_FOUND."""
    return strategy_view(await strategy_row(session, strategy_id=strategy_id))


async def strategy_row(session: AsyncSession, *, strategy_id: int) -> StrategyRow:
    row = await session.get(StrategyRow, strategy_id)
    if row is None:
        raise NotFound(f"strategy {strategy_id} not found", details={"id": strategy_id})
    return row


STRATEGIES = StrategyRow.__table__


async def list_strategies(
    session: AsyncSession,
    *,
    stage: str | None = None,
    status: str | None = None,
    hypothesis_id: int | None = None,
    symbol: str | None = None,
    source: str | None = None,
    name: str | None = None,
    first: int | None = None,
    after: str | None = None,
    with_total: bool = True,
) -> Page[Strategy]:
    """A page of strategies, oldest first, by stage, status, parent, symbol, source and name
    (on the read path: storage/reads.py)."""
    columns = STRATEGIES.c
    stmt = select(STRATEGIES)
    if stage is not None:
        stmt = stmt.where(columns.stage == require_choice("stage", stage, STAGES))
    if status is not None:
        stmt = stmt.where(columns.status == require_choice("status", status, STRATEGY_STATUSES))
    if hypothesis_id is not None:
        stmt = stmt.where(columns.hypothesis_id == hypothesis_id)
    if symbol is not None:
        stmt = stmt.where(columns.symbol == symbol.upper())
    if source is not None:
        stmt = stmt.where(columns.source == require_choice("source", source, SOURCES))
    if name:
        stmt = stmt.where(columns.name.ilike(f"%{name.strip()}%"))
    page = await read(
        session,
        paginate_rows,
        stmt,
        columns.id,
        first=first,
        after=after,
        with_total=with_total,
    )
    return page.map(strategy_view)


def _strategies_by_ids(connection: Connection, ids: Sequence[int]) -> list[Any]:
    return list(connection.execute(select(STRATEGIES).where(STRATEGIES.c.id.in_(ids))))


def _strategies_by_hypothesis_ids(connection: Connection, ids: Sequence[int]) -> list[Any]:
    columns = STRATEGIES.c
    stmt = select(STRATEGIES).where(columns.hypothesis_id.in_(ids)).order_by(columns.id)
    return list(connection.execute(stmt))


async def get_strategies_by_ids(
    session: AsyncSession, *, ids: Sequence[int]
) -> list[Strategy | None]:
    """Batch read in the order of `ids`, for DataLoaders."""
    rows = await read(session, _strategies_by_ids, ids)
    found = {row.id: strategy_view(row) for row in rows}
    return [found.get(i) for i in ids]


async def list_strategies_by_hypothesis_ids(
    session: AsyncSession, *, hypothesis_ids: Sequence[int]
) -> list[list[Strategy]]:
    """Each hypothesis's strategies, oldest first, in one statement (on the read path)."""
    grouped: dict[int, list[Strategy]] = {i: [] for i in hypothesis_ids}
    for row in await read(session, _strategies_by_hypothesis_ids, hypothesis_ids):
        grouped[row.hypothesis_id].append(strategy_view(row))
    return [grouped[i] for i in hypothesis_ids]
