"""The strategy lifecycle: a forward-only DAG quick_screen -> research_only -> paper -> live."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import InvalidTransition
from resolvers.strategies import get_strategy, strategy_payload
from resolvers.validation import require_choice, require_text
from storage.outbox import append_event
from storage.strategies import STAGES, LifecycleTransition, Strategy


def next_stage(stage: str) -> str | None:
    """The only stage a strategy at `stage` may move to (None at the end)."""
    index = STAGES.index(stage)
    return STAGES[index + 1] if index + 1 < len(STAGES) else None


async def transition_strategy(
    session: AsyncSession,
    *,
    strategy_id: int,
    target: str,
    reason: str = "",
    actor: str = "operator",
) -> Strategy:
    """Move a strategy one stage forward; backward, sideways or skipping moves are refused."""
    require_choice("target", target, STAGES)
    strategy = await get_strategy(session, strategy_id=strategy_id)
    allowed = next_stage(strategy.stage)
    if target != allowed:
        raise InvalidTransition(
            f"cannot move strategy {strategy_id} from {strategy.stage} to {target}"
            + (f"; the next stage is {allowed}" if allowed else "; it is already live"),
            details={"from": strategy.stage, "to": target, "allowed": allowed},
        )
    previous = strategy.stage
    strategy.stage = target
    session.add(
        LifecycleTransition(
            strategy_id=strategy.id,
            from_stage=previous,
            to_stage=target,
            reason=require_text("reason", reason, max_length=500, allow_empty=True),
            actor=require_text("actor", actor, max_length=80),
        )
    )
    await session.flush()
    await append_event(
        session,
        topic="strategy.transitioned",
        entity_id=str(strategy.id),
        payload={**strategy_payload(strategy), "from_stage": previous},
    )
    return strategy


async def list_transitions_by_strategy_ids(
    session: AsyncSession, *, strategy_ids: Sequence[int]
) -> list[list[LifecycleTransition]]:
    """Each strategy's full history, oldest first, in one statement."""
    stmt = (
        select(LifecycleTransition)
        .where(LifecycleTransition.strategy_id.in_(strategy_ids))
        .order_by(LifecycleTransition.id)
    )
    grouped: dict[int, list[LifecycleTransition]] = {i: [] for i in strategy_ids}
    for row in (await session.execute(stmt)).scalars():
        grouped[row.strategy_id].append(row)
    return [grouped[i] for i in strategy_ids]


@dataclass(frozen=True, slots=True)
class StrategyLifecycle:
    """A strategy with its full stage history, oldest first."""

    strategy: Strategy
    history: list[LifecycleTransition]


async def get_strategy_lifecycle(session: AsyncSession, *, strategy_id: int) -> StrategyLifecycle:
    """The strategy's lifecycle state plus every transition it went through."""
    strategy = await get_strategy(session, strategy_id=strategy_id)
    [history] = await list_transitions_by_strategy_ids(session, strategy_ids=[strategy.id])
    return StrategyLifecycle(strategy=strategy, history=history)
