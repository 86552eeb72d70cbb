"""The strategy lifecycle: a forward-only DAG quick_screen -> research_only -> paper -> live.

A move must be the next stage (else 409 INVALID_TRANSITION) and pass its readiness gates
(resolvers/readiness.py; else 409 NOT_READY naming the failing gates). A refusal writes
nothing. Transitions are stamped with the lab clock (the wall clock unless the market runs
faster), the clock the paper record and `paper_days` are measured on.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Annotated

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.choices import STAGE
from resolvers.errors import Conflict, InvalidTransition
from resolvers.lab.services import Lab
from resolvers.readiness import evaluate_gates, next_stage
from resolvers.strategies import Strategy, strategy_payload, strategy_row, strategy_view
from resolvers.validation import require_choice, require_text
from resolvers.views import View, from_row
from storage.approvals import Approval
from storage.outbox import append_event
from storage.strategies import STAGES
from storage.strategies import LifecycleTransition as TransitionRow
from storage.strategies import Strategy as StrategyRow


@dataclass(frozen=True, slots=True)
class LifecycleTransition(View):
    """One stage change; the first row records the creation stage."""

    id: int
    from_stage: Annotated[str | None, STAGE]
    to_stage: Annotated[str, STAGE]
    reason: str
    actor: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class StrategyLifecycle(View):
    """A strategy's lifecycle state with its full history."""

    strategy: Strategy
    history: list[LifecycleTransition]


async def transition_strategy(
    session: AsyncSession,
    *,
    strategy_id: int,
    target: str,
    reason: str = "",
    actor: str = "operator",
    enforce_gates: bool = True,
    lab: Lab,
    now: datetime | None = None,
) -> Strategy:
    """Move a strategy one stage forward once the target's gates pass; anything else is refused.

    `enforce_gates=False` is for internal callers replaying a recorded history (the demo);
    no transport exposes it.
    """
    require_choice("target", target, STAGES)
    strategy = await strategy_row(session, strategy_id=strategy_id)
    allowed = next_stage(strategy.stage)
    if target != allowed:
        raise InvalidTransition(
            f"cannot move strategy {strategy_id} from {strategy.stage} to {target}"
            + (f"; the next stage is {allowed}" if allowed else "; it is already live"),
            details={"from": strategy.stage, "to": target, "allowed": allowed},
        )
    why = require_text("reason", reason, max_length=500, allow_empty=True)
    who = require_text("actor", actor, max_length=80)
    when = now or lab.clock.now()
    if enforce_gates:
        gates = await evaluate_gates(session, strategy=strategy, target=target, lab=lab, now=when)
        failing = [asdict(g) for g in gates if not g.passed]
        if failing:
            names = ", ".join(g["name"] for g in failing)
            raise Conflict(
                f"strategy {strategy_id} is not ready for {target}: {names} failed "
                "(GET /api/lifecycle/strategies/{id}/readiness has the checklist)",
                code="NOT_READY",
                details={"strategy_id": strategy_id, "target": target, "failing": failing},
            )
    previous = strategy.stage
    strategy.stage = target
    session.add(
        TransitionRow(
            strategy_id=strategy.id,
            from_stage=previous,
            to_stage=target,
            reason=why,
            actor=who,
            created_at=when,
        )
    )
    await session.flush()
    await append_event(
        session,
        topic="strategy.transitioned",
        entity_id=str(strategy.id),
        payload={**strategy_payload(strategy), "from_stage": previous},
    )
    return strategy_view(strategy)


async def list_transitions_by_strategy_ids(
    session: AsyncSession, *, strategy_ids: Sequence[int]
) -> list[list[LifecycleTransition]]:
    """Each strategy's full history, oldest first, in one statement."""
    stmt = (
        select(TransitionRow)
        .where(TransitionRow.strategy_id.in_(strategy_ids))
        .order_by(TransitionRow.id)
    )
    grouped: dict[int, list[LifecycleTransition]] = {i: [] for i in strategy_ids}
    for row in (await session.execute(stmt)).scalars():
        grouped[row.strategy_id].append(from_row(LifecycleTransition, row))
    return [grouped[i] for i in strategy_ids]


async def get_strategy_lifecycle(session: AsyncSession, *, strategy_id: int) -> StrategyLifecycle:
    """The strategy's lifecycle state plus every transition it went through."""
    strategy = await strategy_row(session, strategy_id=strategy_id)
    [history] = await list_transitions_by_strategy_ids(session, strategy_ids=[strategy.id])
    return StrategyLifecycle(strategy=strategy_view(strategy), history=history)


# Approvals of this type ask for one forward move; their summary records it (the approval has
# no other place for it), so that approving an outdated one cannot move a strategy further.
PROMOTION = "promotion"
_MOVE = re.compile(r"\(strategy \d+\) from ([a-z_]+) to ([a-z_]+):")


def promotion_summary(strategy: StrategyRow | Strategy, target: str) -> str:
    """The summary of a promotion approval; `promotion_move` reads the move back."""
    return (
        f"Promote {strategy.name} (strategy {strategy.id}) from {strategy.stage} to {target}: "
        "every readiness gate passes."
    )


def promotion_move(summary: str) -> tuple[str, str] | None:
    """The (from, to) stages a promotion summary records; the last match wins, since the
    strategy's name comes first and may contain anything."""
    found = _MOVE.findall(summary)
    return found[-1] if found else None


async def execute_promotion(
    session: AsyncSession, *, approval: Approval, actor: str, lab: Lab
) -> Strategy:
    """Carry out an approved promotion: the recorded move, with its gates checked again.

    409 APPROVAL_STALE when the strategy is no longer at the stage the approval was filed
    from (it was moved meanwhile); 409 NOT_READY when the gates fail now.
    """
    if approval.target_type != "strategy" or not approval.target_id.isdigit():
        raise Conflict(f"approval {approval.id} does not name a strategy", code="APPROVAL_STALE")
    strategy = await strategy_row(session, strategy_id=int(approval.target_id))
    move = promotion_move(approval.summary)
    if move is None or move[0] != strategy.stage:
        raise Conflict(
            f"approval {approval.id} was filed for another stage; strategy {strategy.id} "
            f"is at {strategy.stage} now (deny it; the pipeline files a fresh one)",
            code="APPROVAL_STALE",
            details={"stage": strategy.stage, "filed_from": move[0] if move else None},
        )
    return await transition_strategy(
        session,
        strategy_id=strategy.id,
        target=move[1],
        reason=f"approval {approval.id} approved",
        actor=actor,
        lab=lab,
    )
